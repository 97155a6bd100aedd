import { UsageError } from '../errors.js'
import type { Invariant, Params, Scenario } from './define-scenario.js'
import { isOffline } from '../check/check-invariants.js'

/**
 * Checks that something is a scenario (a user's file may export anything) and says every
 * problem at once, on one line.
 */
export function validateScenario(candidate: unknown, source: string): Scenario<Params, unknown> {
  const problems: string[] = []
  const s = (candidate ?? {}) as Record<string, unknown>
  if (typeof candidate !== 'object' || candidate === null) {
    throw new UsageError(`${source} is not a racebench scenario: its default export must be defineScenario({ ... })`)
  }
  for (const field of ['name', 'summary', 'schema'] as const) {
    if (typeof s[field] !== 'string' || (s[field] as string).length === 0) problems.push(`'${field}' must be a non-empty string`)
  }
  if (typeof s.pickKey !== 'function') problems.push(`'pickKey' must be a function (rng, params) => key`)
  if (typeof s.params !== 'object' || s.params === null) problems.push(`'params' must be an object of defaults`)
  const strategies = (s.strategies ?? {}) as Record<string, Record<string, unknown>>
  if (Object.keys(strategies).length === 0) problems.push(`'strategies' must name at least one strategy`)
  for (const [name, strategy] of Object.entries(strategies)) {
    if (typeof strategy?.run !== 'function') problems.push(`strategy '${name}' needs a run(ctx) function`)
    if (strategy?.expect !== 'safe' && strategy?.expect !== 'unsafe' && typeof strategy?.expect !== 'function') {
      problems.push(`strategy '${name}' needs expect: 'safe', 'unsafe' or a function of { dialect, isolation }`)
    }
  }
  const invariants = (s.invariants ?? {}) as Record<string, unknown>
  if (Object.keys(invariants).length === 0) problems.push(`'invariants' must name at least one invariant`)
  for (const [name, invariant] of Object.entries(invariants)) {
    if (typeof invariant !== 'function' && !isOffline(invariant as Invariant<Params>)) {
      problems.push(`invariant '${name}' must be a function of the final state, or { offline: (ctx) => verdict } checking the history alone`)
    }
  }
  if (problems.length > 0) throw new UsageError(`${source} is not a valid racebench scenario: ${problems.join('; ')}`)
  return candidate as Scenario<Params, unknown>
}
