import { messageOf, RacebenchError, ScenarioCodeError } from '../errors.js'
import type { ShowKey } from '../history/keys.js'
import type { Watchdog } from '../runner/watchdog.js'
import { isCodeBug, scenarioThrew, shown } from '../scenario/code-fault.js'
import type { Invariant, InvariantContext, OfflineInvariant, OfflineInvariantContext, Params, Scenario, Verdict } from '../scenario/define-scenario.js'

/** A broken key as results carry it: shown for people, and as the invariant named it, for matching. */
export interface BrokenKeyResult {
  /** `room 2 night 3` */
  readonly key: string
  /** `{ "room": 2, "night": 3 }`: what the invariant returned. */
  readonly keyValue: unknown
  readonly detail: string
}

export interface InvariantResult {
  readonly name: string
  readonly held: boolean
  readonly detail: string
  /** The keys it found broken, worst first (empty when it held or named none). */
  readonly broken: readonly BrokenKeyResult[]
  /** Checked on the history alone: `racebench show` can check it again on a history file. */
  readonly offline: boolean
}

/** How invariants are called: bounded by the run's watchdog, and named by where the scenario comes from. */
export interface InvariantCalls {
  readonly watchdog: Watchdog
  /** The scenario's file, or `the built-in scenario x`. */
  readonly origin: string
  readonly showKey: ShowKey
}

/** At most this many broken keys of one invariant are kept in a result. */
const MAX_BROKEN_KEYS = 100

export function isOffline<P extends Params>(invariant: Invariant<P, unknown>): invariant is OfflineInvariant<P, unknown> {
  return typeof invariant === 'object' && invariant !== null && typeof (invariant as OfflineInvariant<P, unknown>).offline === 'function'
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
    const offline = isOffline(invariant)
    try {
      const answer = offline ? invariant.offline(ctx) : await calls.watchdog.call(site, ctx.db, (db) => invariant({ ...ctx, db }))
      results.push(resultOf(name, checkedVerdict(site, answer), offline, calls.showKey))
    } catch (error) {
      if (error instanceof RacebenchError || isCodeBug(error)) throw scenarioThrew(site, error)
      results.push({ name, held: false, detail: `could not be checked: ${messageOf(error)}`, broken: [], offline })
    }
  }
  return results
}

/**
 * Checks the scenario's offline invariants on a history alone (no database), as `racebench show` does
 * with a history file. Invariants that need the database are left out.
 */
export function checkOfflineInvariants(scenario: Scenario<Params, unknown>, ctx: OfflineInvariantContext<Params>, calls: Pick<InvariantCalls, 'origin' | 'showKey'>): InvariantResult[] {
  const results: InvariantResult[] = []
  for (const [name, invariant] of Object.entries(scenario.invariants)) {
    if (!isOffline(invariant)) continue
    const site = `invariant '${name}' in ${calls.origin}`
    try {
      results.push(resultOf(name, checkedVerdict(site, invariant.offline(ctx)), true, calls.showKey))
    } catch (error) {
      if (error instanceof RacebenchError || isCodeBug(error)) throw scenarioThrew(site, error)
      results.push({ name, held: false, detail: `could not be checked: ${messageOf(error)}`, broken: [], offline: true })
    }
  }
  return results
}

function resultOf(name: string, verdict: Verdict, offline: boolean, showKey: ShowKey): InvariantResult {
  const broken = verdict.held ? [] : (verdict.broken ?? []).slice(0, MAX_BROKEN_KEYS).map((b) => ({ key: showKey(b.key), keyValue: b.key, detail: b.detail }))
  return { name, held: verdict.held, detail: verdict.detail, broken, offline }
}

function checkedVerdict(site: string, verdict: unknown): Verdict {
  const { held, detail, broken } = (verdict ?? {}) as Partial<Verdict>
  if (typeof verdict !== 'object' || typeof held !== 'boolean' || typeof detail !== 'string') {
    throw new ScenarioCodeError(`${site} returned ${shown(verdict)}; an invariant must return { held: true or false, detail: 'what it found' }`)
  }
  if (broken !== undefined && !(Array.isArray(broken) && broken.every((b) => typeof b === 'object' && b !== null && 'key' in b && typeof b.detail === 'string'))) {
    throw new ScenarioCodeError(`${site} returned broken: ${shown(broken)}; it must be a list of { key, detail: 'what is wrong there' }`)
  }
  return { held, detail, ...(broken ? { broken } : {}) }
}
