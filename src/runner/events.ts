import { EventEmitter } from 'node:events'
import type { OutcomeCounts } from '../history/outcome.js'
import type { SeriesPoint } from '../history/time-series.js'

/** A snapshot of a run in progress, emitted once per interval (`--interval`, 1 s by default). */
export interface Tick {
  readonly elapsedMs: number
  readonly completed: number
  readonly outcomes: Readonly<OutcomeCounts>
  readonly retries: number
  /** The last interval that closed: its ops/s and p99. Absent in the first interval. */
  readonly interval?: SeriesPoint | undefined
  /** How long the run is meant to last (`--duration`), or how many operations it will make (`--iterations` × workers). */
  readonly plannedMs?: number
  readonly planned?: number
}

/**
 * What a run tells its listeners (progress display, API users). Listeners only read:
 * nothing they do can change the run (autocannon's and k6's rule).
 */
export interface RunEvents {
  /** A stage of the run began: starting a server, preparing the schema, running, checking. */
  phase: [message: string]
  /** Every worker is connected and released. */
  start: [{ readonly workers: number }]
  tick: [Tick]
  /** Every worker has stopped. */
  done: [Tick]
}

export type RunEmitter = EventEmitter<RunEvents>

export function createRunEmitter(): RunEmitter {
  return new EventEmitter<RunEvents>()
}
