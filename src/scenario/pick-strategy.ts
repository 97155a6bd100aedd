import { didYouMean } from '../did-you-mean.js'
import { UsageError } from '../errors.js'
import type { Dialect } from '../engines/session.js'
import type { Params, Scenario, Strategy } from './define-scenario.js'

/** Refuses a strategy that declares it makes no sense on the engine, saying why (exit 2). */
export function assertSupported(scenario: Scenario<Params, unknown>, name: string, dialect: Dialect): void {
  const reason = scenario.strategies[name]?.unsupportedOn?.[dialect]
  if (reason) throw new UsageError(`strategy '${name}' of ${scenario.name} makes no sense on ${dialect}: ${reason}`)
}

/** The named strategy of a scenario (its first when unnamed), or a UsageError listing the valid ones. */
export function pickStrategy(scenario: Scenario<Params, unknown>, name: string | undefined): { name: string; strategy: Strategy<Params, unknown> } {
  const names = Object.keys(scenario.strategies)
  const chosen = name ?? names[0] ?? ''
  const strategy = scenario.strategies[chosen]
  if (!strategy) throw new UsageError(`unknown strategy '${chosen}' for ${scenario.name}${didYouMean(chosen, names)}; valid: ${names.join(', ')}`)
  return { name: chosen, strategy }
}
