import { messageOf } from '../errors.js'
import type { InvariantContext, Params, Scenario } from '../scenario/define-scenario.js'

export interface InvariantResult {
  readonly name: string
  readonly held: boolean
  readonly detail: string
}

/**
 * Runs every invariant of the scenario over the final state. An invariant that cannot be checked
 * counts as violated: a green result must mean "checked and held", never "could not tell".
 */
export async function checkInvariants(scenario: Scenario<Params, unknown>, ctx: InvariantContext<Params>): Promise<InvariantResult[]> {
  const results: InvariantResult[] = []
  for (const [name, invariant] of Object.entries(scenario.invariants)) {
    try {
      const verdict = await invariant(ctx)
      results.push({ name, held: verdict.held, detail: verdict.detail })
    } catch (error) {
      results.push({ name, held: false, detail: `could not be checked: ${messageOf(error)}` })
    }
  }
  return results
}
