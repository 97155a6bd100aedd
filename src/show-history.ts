import { existsSync } from 'node:fs'
import { isAbsolute, resolve } from 'node:path'
import { plural } from './check/plural.js'
import { checkOfflineInvariants, type InvariantResult } from './check/check-invariants.js'
import { UsageError } from './errors.js'
import type { HistoryFooter, HistoryHeader } from './history/history-header.js'
import { KeyRings } from './history/key-rings.js'
import { showKeyOf } from './history/keys.js'
import { OUTCOMES, type ErrorCounts, type OutcomeCounts } from './history/outcome.js'
import { readHistory } from './history/read-history.js'
import { Totals } from './history/totals.js'
import type { Trace } from './history/trace.js'
import { loadScenario, type LoadedScenario } from './scenario/load-scenario.js'

export interface ShowHistoryOptions {
  /** A built-in name or a scenario file to check the history with, instead of the one its header names. */
  readonly scenario?: string | undefined
  /** How many broken keys get a timeline (default 1). */
  readonly show?: number | undefined
}

/** A verdict as `show` gives it: checked again on the history, or as the run recorded it. */
export interface ShownInvariant extends InvariantResult {
  /**
   * True when `show` checked it again on the history; false when it reads the final state, which only
   * the run could see: its verdict is the one the run recorded.
   */
  readonly rechecked: boolean
}

/** A history file read back and checked: what `racebench show` prints. */
export interface ShownHistory {
  /** The file's absolute path. */
  readonly path: string
  readonly header: HistoryHeader
  readonly outcomes: OutcomeCounts
  readonly retries: number
  readonly errorsByClass: ErrorCounts
  readonly durationMs: number
  readonly invariants: readonly ShownInvariant[]
  readonly violations: number
  readonly traces: readonly Trace[]
  /** How many broken keys a timeline was asked for (`--show`). */
  readonly show: number
}

/**
 * `racebench show FILE`: reads a `--history` file back (streamed), checks it is whole and adds up,
 * checks the scenario's offline invariants again on its events, takes the verdicts that needed the
 * database from the file, and picks the broken keys' timelines. Never touches a database.
 */
export async function showHistory(path: string, options: ShowHistoryOptions = {}): Promise<ShownHistory> {
  const totals = new Totals()
  // The run's own defaults: the same operations are kept, so `show` redraws the run's timelines.
  const rings = new KeyRings()
  let loaded: LoadedScenario | undefined
  const read = await readHistory(path, {
    sinks: [totals, rings],
    onHeader: async (header) => {
      loaded = await scenarioOf(header, options.scenario, resolve(path))
    },
  })
  if (!loaded) throw new Error('readHistory returned without reading a header') // cannot happen: it throws first
  const { header, footer } = read
  assertAddsUp(read.path, footer, totals)

  const { scenario, origin } = loaded
  const params = { ...scenario.params, ...header.params }
  const rechecked = checkOfflineInvariants(scenario, { params, outcomes: { ...totals.outcomes }, history: totals.history() }, { origin, showKey: showKeyOf(scenario) })
  const invariants = mergeVerdicts(footer.invariants, rechecked)
  const show = options.show ?? 1
  return {
    path: read.path,
    header,
    outcomes: { ...totals.outcomes },
    retries: totals.retries,
    errorsByClass: { ...totals.errorsByClass },
    durationMs: footer.durationMs,
    invariants,
    violations: invariants.filter((invariant) => !invariant.held).length,
    traces: rings.traces(invariants, show),
    show,
  }
}

/**
 * The scenario to check a history with: `--scenario`, else the one its header names (a built-in by
 * name, a file by its path). It must be the scenario the run ran.
 */
async function scenarioOf(header: HistoryHeader, given: string | undefined, path: string): Promise<LoadedScenario> {
  const builtin = header.origin === 'built-in'
  if (given === undefined && !builtin) {
    // A scenario object handed to runScenario() has no file to load it from.
    if (!isAbsolute(header.origin)) throw new UsageError(`${path} is a history of ${header.origin}, which has no file: give its file with --scenario PATH`)
    if (!existsSync(header.origin)) throw new UsageError(`${path} is a history of the scenario file ${header.origin}, which is not there any more: give its file with --scenario PATH`)
  }
  const loaded = await loadScenario(given ?? (builtin ? header.scenario : header.origin))
  if (loaded.scenario.name !== header.scenario) {
    const from = given ?? header.origin
    throw new UsageError(`${path} is a history of the scenario ${header.scenario}, not of ${loaded.scenario.name}${from === loaded.scenario.name ? '' : ` (${from})`}`)
  }
  return loaded
}

/**
 * The file must add up: its completion events to the outcomes its end recorded, its retry events to
 * the retries, its verdicts to its violation count. A file that does not was edited or damaged, and
 * nothing drawn from it could be trusted.
 */
function assertAddsUp(path: string, footer: HistoryFooter, totals: Totals): void {
  const off = [
    ...OUTCOMES.filter((outcome) => totals.outcomes[outcome] !== footer.outcomes[outcome]).map(
      (outcome) => `${plural(totals.outcomes[outcome], `'${outcome}' event`)}, but its end records ${footer.outcomes[outcome]}`,
    ),
    ...(totals.retries !== footer.retries ? [`${plural(totals.retries, "'retry' event")}, but its end records ${plural(footer.retries, 'retry', 'retries')}`] : []),
    ...(footer.invariants.filter((invariant) => !invariant.held).length !== footer.violations ? [`${footer.violations} violations at its end, which its verdicts do not add up to`] : []),
  ]
  if (off.length > 0) throw new UsageError(`${path} does not add up: it holds ${off.join('; ')}: the file was edited or damaged`)
}

/**
 * The run's verdicts, in its order, each offline one replaced by the verdict found again on the
 * history; an offline invariant the run did not record (the scenario gained it since) comes last.
 */
function mergeVerdicts(recorded: readonly InvariantResult[], rechecked: readonly InvariantResult[]): ShownInvariant[] {
  const again = new Map(rechecked.map((invariant) => [invariant.name, invariant]))
  const merged: ShownInvariant[] = recorded.map((invariant) => {
    const found = again.get(invariant.name)
    again.delete(invariant.name)
    return found ? { ...found, rechecked: true } : { ...invariant, rechecked: false }
  })
  return [...merged, ...[...again.values()].map((invariant) => ({ ...invariant, rechecked: true }))]
}
