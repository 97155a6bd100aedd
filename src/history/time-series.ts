import type { Histogram } from 'hdr-histogram-js'
import { createLatencyHistogram, recordLatency } from '../metrics/latency.js'
import type { HistoryEvent, HistorySink } from './event.js'
import { OUTCOMES, zeroCounts, type OutcomeCounts } from './outcome.js'

/** One interval of a run: what finished in it, at what latency. */
export interface SeriesPoint {
  /** The interval's start, in seconds since the start barrier (0, 1, 2… with the default 1 s interval). */
  readonly t: number
  /** How long the interval is, in seconds: the last one is usually cut short by the run's end. */
  readonly seconds: number
  /** Operations that completed in the interval, per outcome. */
  readonly outcomes: OutcomeCounts
  /** Completed operations per second over the interval. */
  readonly opsPerSec: number
  /** Latency of the operations that completed in it, ms (0 when none did). */
  readonly p50: number
  readonly p99: number
  readonly retries: number
  /** Locks acquired or given up on after waiting, and how long the longest wait was (ms). */
  readonly lockWaits: number
  readonly lockWaitMaxMs: number
}

/** `--interval`: numbers per time interval over the run (k6's time series, pgbench's --progress). */
export interface TimeSeries {
  readonly intervalMs: number
  readonly points: readonly SeriesPoint[]
}

/** An interval as it is counted: mutable until the series is read. */
interface Bucket {
  readonly outcomes: OutcomeCounts
  retries: number
  lockWaits: number
  lockWaitMaxMs: number
  /** Set when the interval closes: its percentiles are final then. */
  p50: number
  p99: number
}

/**
 * A history consumer that cuts the run into intervals by the events' time (`t`, µs since the start
 * barrier), so the series says when things happened, not when they were counted. Events arrive in
 * nearly increasing time; one that belongs to an interval already closed still counts there (its
 * latency is left out: that interval's percentiles are final). One histogram serves the open interval,
 * reset as each closes, so memory grows by a few numbers per interval however long the run.
 */
export class TimeSeriesSink implements HistorySink {
  readonly #intervalUs: number
  readonly #closed: Bucket[] = []
  readonly #latency: Histogram = createLatencyHistogram()
  #index = 0
  #open: Bucket = emptyBucket()

  constructor(readonly intervalMs: number) {
    this.#intervalUs = intervalMs * 1000
  }

  /** Counts operations, never their statements. */
  wantsSteps(): boolean {
    return false
  }

  append(event: HistoryEvent): void {
    switch (event.type) {
      case 'ok':
      case 'rejected':
      case 'conflict':
      case 'error':
      case 'unknown': {
        const bucket = this.#bucketAt(event.t)
        bucket.outcomes[event.type]++
        if (bucket === this.#open) recordLatency(this.#latency, event.ms)
        return
      }
      case 'retry':
        this.#bucketAt(event.t).retries++
        return
      case 'lock':
        if (event.phase === 'acquired' || event.phase === 'not-acquired') {
          const bucket = this.#bucketAt(event.t)
          bucket.lockWaits++
          bucket.lockWaitMaxMs = Math.max(bucket.lockWaitMaxMs, event.ms ?? 0)
        }
        return
      default:
        return
    }
  }

  /** The intervals so far, the open one included, cut at `endUs` (the run's end, or now). */
  series(endUs: number): TimeSeries {
    const points = this.#closed.map((bucket, index) => this.#point(index, bucket, (index + 1) * this.#intervalUs))
    const open = this.#point(this.#index, { ...this.#open, ...this.#percentiles() }, endUs)
    if (open.seconds > 0 || points.length === 0) points.push(open)
    return { intervalMs: this.intervalMs, points }
  }

  /** The last interval that has closed, for a progress line: undefined before the first one closes. */
  lastClosed(): SeriesPoint | undefined {
    const index = this.#closed.length - 1
    return index < 0 ? undefined : this.#point(index, this.#closed[index]!, (index + 1) * this.#intervalUs)
  }

  #bucketAt(t: number): Bucket {
    const index = Math.floor(t / this.#intervalUs)
    if (index === this.#index) return this.#open
    if (index < this.#index) return this.#closed[index] ?? this.#open
    // Close the open interval, and any empty ones the run went through (a long lock wait, a pause).
    this.#closed.push({ ...this.#open, ...this.#percentiles() })
    while (this.#closed.length < index) this.#closed.push(emptyBucket())
    this.#latency.reset()
    this.#index = index
    this.#open = emptyBucket()
    return this.#open
  }

  #percentiles(): { p50: number; p99: number } {
    const latency = this.#latency
    if (latency.totalCount === 0) return { p50: 0, p99: 0 }
    const at = (percentile: number) => Math.round(Math.min(latency.getValueAtPercentile(percentile), latency.maxValue)) / 1000
    return { p50: at(50), p99: at(99) }
  }

  #point(index: number, bucket: Bucket, endUs: number): SeriesPoint {
    const startUs = index * this.#intervalUs
    const seconds = Math.max(0, (Math.min(endUs, startUs + this.#intervalUs) - startUs) / 1e6)
    const total = OUTCOMES.reduce((sum, outcome) => sum + bucket.outcomes[outcome], 0)
    return {
      t: round(startUs / 1e6, 3),
      seconds: round(seconds, 3),
      outcomes: { ...bucket.outcomes },
      opsPerSec: seconds > 0 ? round(total / seconds, 1) : 0,
      p50: bucket.p50,
      p99: bucket.p99,
      retries: bucket.retries,
      lockWaits: bucket.lockWaits,
      lockWaitMaxMs: round(bucket.lockWaitMaxMs, 3),
    }
  }
}

function emptyBucket(): Bucket {
  return { outcomes: zeroCounts(OUTCOMES), retries: 0, lockWaits: 0, lockWaitMaxMs: 0, p50: 0, p99: 0 }
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
