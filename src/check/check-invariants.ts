import { messageOf, RacebenchError, ScenarioCodeError } from '../errors.js'
import type { Watchdog } from '../runner/watchdog.js'
import { isCodeBug, scenarioThrew, shown } from '../scenario/code-fault.js'
import type { InvariantContext, Params, Scenario, Verdict } from '../scenario/define-scenario.js'

export interface InvariantResult {
  readonly name: string
  readonly held: boolean
  readonly detail: string
}

/** How invariants are called: bounded by the run's watchdog, and named by where the scenario comes from. */
export interface InvariantCalls {
  readonly watchdog: Watchdog
  /** The scenario's file, or `the built-in scenario x`. */
  readonly origin: string
}

/**
 * Runs every invariant of the scenario over the final state. An invariant that cannot be checked
 * (its query failed, or it threw an error on purpose) counts as violated: a green result must mean
 * "checked and held", never "could not tell". An invariant whose own code is broken (a TypeError,
 * an answer that is not a verdict, a call that never settles) fails the run instead (exit 5): that
 * is no answer about the run at all.
 */
export async function checkInvariants(scenario: Scenario<Params, unknown>, ctx: InvariantContext<Params>, calls: InvariantCalls): Promise<InvariantResult[]> {
  const results: InvariantResult[] = []
  for (const [name, invariant] of Object.entries(scenario.invariants)) {
    const site = `invariant '${name}' in ${calls.origin}`
    try {
      const verdict = checkedVerdict(site, await calls.watchdog.call(site, ctx.db, (db) => invariant({ ...ctx, db })))
      results.push({ name, held: verdict.held, detail: verdict.detail })
    } catch (error) {
      if (error instanceof RacebenchError || isCodeBug(error)) throw scenarioThrew(site, error)
      results.push({ name, held: false, detail: `could not be checked: ${messageOf(error)}` })
    }
  }
  return results
}

function checkedVerdict(site: string, verdict: unknown): Verdict {
  const { held, detail } = (verdict ?? {}) as Partial<Verdict>
  if (typeof verdict === 'object' && typeof held === 'boolean' && typeof detail === 'string') return { held, detail }
  throw new ScenarioCodeError(`${site} returned ${shown(verdict)}; an invariant must return { held: true or false, detail: 'what it found' }`)
}
