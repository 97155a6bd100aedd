import { performance } from 'node:perf_hooks'
import type { HistoryEvent, HistorySink } from './event.js'

/**
 * The run's history as it happens: the runner appends every event here, and each sink (totals, the
 * per-key rings, the history file) gets it in order. The runner knows nothing of what the sinks do.
 * Its clock starts at the start barrier: `t` on every event is microseconds since then.
 */
export class HistoryStream implements HistorySink {
  readonly #sinks: readonly HistorySink[]
  /** The sinks that may not want an operation's steps; with one that wants them all, none is asked. */
  readonly #choosers: readonly HistorySink[] | undefined
  #origin = performance.now()

  constructor(sinks: readonly HistorySink[]) {
    this.#sinks = sinks
    this.#choosers = sinks.every((sink) => sink.wantsSteps) ? sinks : undefined
  }

  /** Whether any sink wants the steps of an operation on `key` (see HistorySink.wantsSteps). */
  wantsSteps(key: unknown): boolean {
    const choosers = this.#choosers
    if (choosers === undefined) return true
    for (const sink of choosers) if (sink.wantsSteps?.(key) !== false) return true
    return false
  }

  /** Sets time zero: called once every worker is connected, as they are released. */
  startClock(): void {
    this.#origin = performance.now()
  }

  /** Microseconds since time zero, now or at a `performance.now()` reading. */
  micros(at: number = performance.now()): number {
    return Math.round((at - this.#origin) * 1_000)
  }

  append(event: HistoryEvent): void {
    for (const sink of this.#sinks) sink.append(event)
  }
}

/** A duration in milliseconds, to the microsecond: what events carry as `ms`. */
export function millis(fromMs: number, toMs: number): number {
  return Math.round((toMs - fromMs) * 1_000) / 1_000
}
