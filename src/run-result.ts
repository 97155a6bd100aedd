import type { InvariantResult } from './check/check-invariants.js'
import type { ErrorCounts, Outcome, OutcomeCounts } from './history/outcome.js'
import type { LatencySummary } from './metrics/latency.js'
import type { Expectation, Observation, Params } from './scenario/define-scenario.js'
import type { Dialect } from './engines/session.js'
import type { ClusterInfo } from './engines/target.js'
import type { Trace } from './history/trace.js'
import type { TimeSeries } from './history/time-series.js'

/**
 * The result of one run: what `--json` prints and `runScenario` returns. A public contract
 * (design.md): fields may be added, never renamed.
 */
export interface RunResult {
  readonly scenario: string
  readonly strategy: string
  /** What the strategy declares: `safe` strategies must hold every invariant. */
  readonly expect: Expectation
  /** The level operations actually ran at, e.g. `read committed`. */
  readonly isolation: string
  readonly db: {
    readonly dialect: Dialect
    readonly server: string
    /** Password masked as `***`. */
    readonly url: string
    readonly embedded: boolean
    /** The run's own schema, dropped after the run unless `kept`. */
    readonly schema: string
    readonly kept: boolean
    /** Present when the (first) server is a node of a multi-primary cluster: Galera, its size and state. */
    readonly cluster?: ClusterInfo
  }
  /**
   * Every `--db` node the workers were spread over (one entry on a single server): its server, how many
   * workers ran there, their outcomes, and how many stopped early because the node could not be reached.
   */
  readonly nodes: readonly NodeResult[]
  readonly workers: number
  /** Operations per worker, or null when the run was bounded by `durationLimitMs`. */
  readonly iterations: number | null
  readonly durationLimitMs: number | null
  readonly thinkMs: number
  readonly seed: number
  readonly params: Params
  readonly outcomes: OutcomeCounts
  readonly retries: number
  readonly errorsByClass: ErrorCounts
  /** Up to five distinct messages of `error` and `unknown` outcomes, passwords masked. */
  readonly errorSamples: readonly string[]
  readonly durationMs: number
  /** How long opening every worker's (and reader's) connection took before the workers were released. */
  readonly connectMs: number
  readonly opsPerSec: number
  readonly latencyMs: LatencySummary
  readonly latencyMsByOutcome: Readonly<Record<Outcome, LatencySummary>>
  /**
   * Locks the strategy took (row, advisory or Redis locks): how long acquiring them waited, how many
   * were not acquired within --timeout, and how many lease locks expired before release. Null when none.
   */
  readonly locks: {
    readonly acquired: number
    readonly notAcquired: number
    readonly lost: number
    readonly waitMs: LatencySummary
    /**
     * Quorum locks (Redlock) only: the nodes and the quorum, how many acquisitions got each number of
     * votes (`{ "5": 112, "3": 8 }`), and how long the acquired ones stayed valid.
     */
    readonly quorum?: { readonly nodes: number; readonly quorum: number; readonly votes: Readonly<Record<string, number>>; readonly validityMs: LatencySummary; readonly minValidityMs: number }
  } | null
  /** Reads made by the scenario's readers (0 when it has none), and how many failed. */
  readonly reads: number
  readonly readErrors: number
  /** What workers and readers noted in the history, by name: a count and the first few details. */
  readonly observations: Readonly<Record<string, Observation>>
  /**
   * The faults `--nemesis` injected, by kind: how many began and how many could not be injected (empty
   * without `--nemesis`). Each is also a `nemesis` event in the history, and drawn in timelines.
   */
  readonly faults: readonly { readonly fault: string; readonly injected: number; readonly failed: number }[]
  /** The RabbitMQ a strategy published to (absent when none did). */
  readonly rabbitmq?: { readonly server: string; readonly url: string }
  /** The Redis a strategy used, or null. */
  readonly redis: { readonly server: string; readonly url: string; readonly nodes?: number } | null
  readonly invariants: readonly InvariantResult[]
  readonly violations: number
  /**
   * How each shown broken key broke (`--show`, 1 by default): the operations that touched it and
   * overlapped, with their steps. Empty when every invariant held.
   */
  readonly traces: readonly Trace[]
  /** The run per interval (`--interval`, 1 s by default): ops/s per outcome, p50/p99, retries, lock waits. */
  readonly series: TimeSeries
  /**
   * True when the run tested nothing: every operation ended in `error`, or none completed. Its
   * invariants may hold, but only because nothing happened; the CLI exits 7 unless `--allow-errors`.
   */
  readonly nothingTested: boolean
}

/** One `--db` node of a run. */
export interface NodeResult {
  /** Password masked. */
  readonly url: string
  readonly server: string
  readonly cluster: ClusterInfo | null
  readonly workers: number
  readonly outcomes: OutcomeCounts
  /** Workers whose connection to this node broke and could not be reopened: they stopped early. */
  readonly stoppedWorkers: number
}
