import { UsageError } from '../errors.js'
import type { Dialect } from '../engines/session.js'

/** Levels a spec can run at: read uncommitted too (InnoDB has it; PostgreSQL treats it as read committed). */
export const SPEC_LEVELS = ['read-uncommitted', 'read-committed', 'repeatable-read', 'serializable'] as const
export type SpecIsolation = (typeof SPEC_LEVELS)[number]

/** `READ COMMITTED`, `read_committed`, `read-committed` → `read-committed`; anything else is a usage error. */
export function parseSpecIsolation(value: string | undefined): SpecIsolation | undefined {
  if (value === undefined) return undefined
  const normalized = value.trim().toLowerCase().replace(/[\s_]+/g, '-')
  if ((SPEC_LEVELS as readonly string[]).includes(normalized)) return normalized as SpecIsolation
  throw new UsageError(`--isolation '${value}' is not one of: ${SPEC_LEVELS.join(', ')}`)
}

/** The levels an engine really has, weakest first: PostgreSQL's read uncommitted is read committed. */
export function levelsOf(dialect: Dialect): readonly SpecIsolation[] {
  return dialect === 'postgres' ? SPEC_LEVELS.slice(1) : SPEC_LEVELS
}

/**
 * The statement that makes `level` the session's default, so a step's plain `BEGIN` (or a statement
 * outside any transaction) runs at it: specs write their transactions as SQL, as Hermitage does.
 */
export function setSessionIsolation(dialect: Dialect, level: SpecIsolation): string {
  const words = level.replace(/-/g, ' ').toUpperCase()
  return dialect === 'postgres' ? `SET SESSION CHARACTERISTICS AS TRANSACTION ISOLATION LEVEL ${words}` : `SET SESSION TRANSACTION ISOLATION LEVEL ${words}`
}

/** `read-committed` → `read committed`, as tables and JSON show levels. */
export function levelText(level: SpecIsolation): string {
  return level.replace(/-/g, ' ')
}
