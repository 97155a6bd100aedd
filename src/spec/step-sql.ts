import type { Dialect } from '../engines/session.js'
import type { SpecStatement, SpecStep, StepContext } from './define-spec.js'

/** The statement a step sends in `ctx`: its SQL for this engine, or what its function returns. */
export function statementOf(step: SpecStep, ctx: StepContext): SpecStatement {
  const value = typeof step === 'function' ? step(ctx) : step
  if (typeof value === 'string') return { sql: value }
  if ('sql' in value && typeof value.sql === 'string') return value as SpecStatement
  const text = (value as Readonly<Record<Dialect, string>>)[ctx.dialect]
  if (typeof text !== 'string') throw new Error(`it returned no SQL for ${ctx.dialect}`)
  return { sql: text }
}

/** One line for a step's statement: its SQL, squeezed, with its parameters when it has some. */
export function describeStep(statement: SpecStatement): string {
  const sql = statement.sql.replace(/\s+/g, ' ').trim().replace(/;$/, '')
  return statement.params && statement.params.length > 0 ? `${sql} [${statement.params.map((p) => JSON.stringify(p)).join(', ')}]` : sql
}
