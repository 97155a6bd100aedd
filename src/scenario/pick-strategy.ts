import { UsageError } from '../errors.js'
import type { Params, Scenario, Strategy } from './define-scenario.js'

/** The named strategy of a scenario (its first when unnamed), or a UsageError listing the valid ones. */
export function pickStrategy(scenario: Scenario<Params, unknown>, name: string | undefined): { name: string; strategy: Strategy<Params, unknown> } {
  const names = Object.keys(scenario.strategies)
  const chosen = name ?? names[0] ?? ''
  const strategy = scenario.strategies[chosen]
  if (!strategy) throw new UsageError(`unknown strategy '${chosen}' for ${scenario.name}; valid: ${names.join(', ')}`)
  return { name: chosen, strategy }
}
