import { ScenarioCodeError, UsageError } from '../errors.js'
import { callScenarioCode, shown } from './code-fault.js'
import type { Params } from './define-scenario.js'

/**
 * Applies `--param k=v` overrides (or an object, from the API) to a scenario's defaults.
 * A param whose default is a number only takes numbers; unknown names are refused with the valid ones.
 * `origin` (where the scenario comes from) names it when its `validate` throws.
 */
export function resolveParams<P extends Params>(
  scenario: { readonly name: string; readonly params: P; validate?(params: P): readonly string[] },
  overrides: Readonly<Record<string, string | number>> | readonly string[] | undefined,
  origin = `the scenario '${scenario.name}'`,
): P {
  const problems: string[] = []
  const entries = Array.isArray(overrides) ? overrides.map((pair) => splitPair(pair, problems)) : Object.entries(overrides ?? {})
  const resolved: Record<string, string | number> = { ...scenario.params }
  const known = Object.keys(scenario.params)
  for (const entry of entries) {
    if (!entry) continue
    const [name, value] = entry
    const fallback = scenario.params[name]
    if (fallback === undefined) {
      problems.push(`${scenario.name} has no param '${name}'; its params are: ${known.join(', ') || '(none)'}`)
    } else if (typeof fallback === 'number') {
      const n = typeof value === 'number' ? value : value.trim() === '' ? Number.NaN : Number(value)
      if (Number.isFinite(n)) resolved[name] = n
      else problems.push(`--param ${name} must be a number, got '${value}'`)
    } else {
      resolved[name] = String(value)
    }
  }
  if (problems.length === 0) problems.push(...validated(scenario, resolved as P, origin))
  if (problems.length > 0) throw new UsageError(problems.join('; '))
  return Object.freeze(resolved) as P
}

/** The problems a scenario's own `validate` finds; one that throws or answers something else is the scenario's fault. */
function validated<P extends Params>(scenario: { validate?(params: P): readonly string[] }, params: P, origin: string): string[] {
  const validate = scenario.validate
  if (!validate) return []
  const site = `validate() in ${origin}`
  const problems: unknown = callScenarioCode(site, () => validate.call(scenario, params))
  if (!Array.isArray(problems)) throw new ScenarioCodeError(`${site} returned ${shown(problems)}; it must return an array of problems, each a line for the user (empty when the params are fine)`)
  return problems.map(String)
}

function splitPair(pair: string, problems: string[]): [string, string] | undefined {
  const at = pair.indexOf('=')
  if (at <= 0) {
    problems.push(`--param takes name=value, got '${pair}'`)
    return undefined
  }
  return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()]
}

/**
 * A scenario's `validate` check for a whole-number param: no problem, or the one line the user sees,
 * `--param rooms must be a whole number from 1 to 10000, got 0`, with `meaning` after the range.
 */
export function wholeNumberIn(name: string, value: number, min: number, max: number, meaning = ''): string[] {
  return Number.isInteger(value) && value >= min && value <= max ? [] : [`--param ${name} must be a whole number from ${min} to ${max}${meaning}, got ${value}`]
}
