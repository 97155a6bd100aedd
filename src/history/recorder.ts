import type { Histogram } from 'hdr-histogram-js'
import { createLatencyHistogram, recordLatency } from '../metrics/latency.js'
import type { History } from '../scenario/define-scenario.js'
import { ERROR_CLASSES, OUTCOMES, zeroCounts, type ErrorClass, type ErrorCounts, type Outcome, type OutcomeCounts } from './outcome.js'

/** How many distinct error messages a run keeps to show the user. */
const MAX_ERROR_SAMPLES = 5

/**
 * The run's history, kept as aggregates: a counter and a latency histogram per outcome, retry and
 * error-class counters, and a few error messages. Memory stays flat however long `--duration` runs,
 * and recording an operation allocates nothing. (design.md calls for an append-only op log; every
 * invariant so far needs only these aggregates plus the final state, so we keep the log out of the
 * hot path until a checker needs it.)
 */
export class Recorder {
  readonly outcomes: OutcomeCounts = zeroCounts(OUTCOMES)
  readonly errorsByClass: ErrorCounts = zeroCounts(ERROR_CLASSES)
  readonly latency: Readonly<Record<Outcome, Histogram>> = Object.fromEntries(
    OUTCOMES.map((outcome) => [outcome, createLatencyHistogram()]),
  ) as Record<Outcome, Histogram>
  retries = 0
  readonly errorSamples: string[] = []
  /** Time to acquire each lock a strategy took (row, advisory or Redis lock), acquired or not. */
  readonly lockWait: Histogram = createLatencyHistogram()
  locksNotAcquired = 0
  /** Lease locks that had expired (and maybe passed to another worker) before their holder released them. */
  locksLost = 0
  reads = 0
  readErrors = 0
  readonly observations = new Map<string, { count: number; samples: string[] }>()

  /** One finished logical operation. */
  record(outcome: Outcome, latencyMs: number): void {
    this.outcomes[outcome]++
    recordLatency(this.latency[outcome], latencyMs)
  }

  /** One more attempt of an operation that is being retried. */
  retried(): void {
    this.retries++
  }

  /** A database error was raised (whether or not the operation went on to retry). */
  sawError(errorClass: ErrorClass): void {
    this.errorsByClass[errorClass]++
  }

  /** One lock acquisition: how long it waited, and whether it got the lock. */
  lockAcquisition(waitMs: number, acquired: boolean): void {
    recordLatency(this.lockWait, waitMs)
    if (!acquired) this.locksNotAcquired++
  }

  lockLost(): void {
    this.locksLost++
  }

  /** An observation by a worker or reader: counted by name, the first few details kept. */
  note(name: string, detail: string): void {
    let observation = this.observations.get(name)
    if (!observation) this.observations.set(name, (observation = { count: 0, samples: [] }))
    observation.count++
    if (observation.samples.length < MAX_ERROR_SAMPLES && !observation.samples.includes(detail)) observation.samples.push(detail)
  }

  /** What invariants get of the history. */
  history(): History {
    return {
      reads: this.reads,
      readErrors: this.readErrors,
      observations: Object.fromEntries([...this.observations].map(([name, o]) => [name, { count: o.count, samples: [...o.samples] }])),
    }
  }

  /** Keeps the message of an `error` outcome, once per distinct message. */
  sampleError(message: string): void {
    if (this.errorSamples.length < MAX_ERROR_SAMPLES && !this.errorSamples.includes(message)) this.errorSamples.push(message)
  }

  get completed(): number {
    let total = 0
    for (const outcome of OUTCOMES) total += this.outcomes[outcome]
    return total
  }
}
