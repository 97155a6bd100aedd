import { UsageError } from '../errors.js'
import type { Spec } from './define-spec.js'
import { permutationsOf } from './permutations.js'

/** A spec whose shape has been checked, with its permutations resolved. */
export interface CheckedSpec {
  readonly spec: Spec
  /** Where it comes from, for messages: the file's path or `the built-in spec G0`. */
  readonly origin: string
  /** Session name → its step names, in order. */
  readonly sessions: Readonly<Record<string, readonly string[]>>
  /** Step name → its session. */
  readonly sessionOf: ReadonlyMap<string, string>
  readonly permutations: readonly (readonly string[])[]
}

const isSqlLike = (value: unknown) =>
  typeof value === 'string' ||
  typeof value === 'function' ||
  (typeof value === 'object' && value !== null && (typeof (value as { sql?: unknown }).sql === 'string' || (typeof (value as { postgres?: unknown }).postgres === 'string' && typeof (value as { mysql?: unknown }).mysql === 'string')))

/**
 * Checks what a spec file exported before anything is started: every problem is a UsageError of
 * one line naming the file (a session without steps, a step that is no SQL, a step name used twice,
 * a permutation naming an unknown step, leaving one out or repeating one).
 */
export function checkSpec(spec: Spec, origin: string): CheckedSpec {
  const fail = (problem: string) => new UsageError(`${origin}: ${problem}`)
  if (typeof spec.name !== 'string' || spec.name.trim() === '') throw fail('the spec has no name')
  if (typeof spec.anomaly !== 'function') throw fail(`spec '${spec.name}' has no anomaly(ctx) function`)
  if (spec.setup !== undefined && !isSqlLike(spec.setup)) throw fail(`spec '${spec.name}' setup must be SQL text, or { postgres, mysql }`)
  const entries = Object.entries(spec.sessions ?? {})
  if (entries.length < 2) throw fail(`spec '${spec.name}' needs at least two sessions, has ${entries.length}`)
  const sessions: Record<string, string[]> = {}
  const sessionOf = new Map<string, string>()
  for (const [name, session] of entries) {
    const steps = Object.entries(session?.steps ?? {})
    if (steps.length === 0) throw fail(`session ${name} has no steps`)
    for (const [step, sql] of steps) {
      const other = sessionOf.get(step)
      if (other !== undefined) throw fail(`step name '${step}' is used by sessions ${other} and ${name}; step names are unique`)
      if (!isSqlLike(sql)) throw fail(`step ${step} of session ${name} must be SQL text, { sql, params }, { postgres, mysql } or a function`)
      sessionOf.set(step, name)
    }
    for (const variable of Object.keys(session.variables ?? {})) {
      if (!/^[a-z_][a-z0-9_.]*$/i.test(variable)) throw fail(`session ${name} sets '${variable}', which is no variable name`)
    }
    sessions[name] = steps.map(([step]) => step)
  }
  const permutations = permutationsOf(sessions, spec.permutations, origin)
  return { spec, origin, sessions, sessionOf, permutations }
}
