import type { Histogram } from 'hdr-histogram-js'
import { createLatencyHistogram, recordLatency } from '../metrics/latency.js'
import type { History } from '../scenario/define-scenario.js'
import type { HistoryEvent, HistorySink } from './event.js'
import { ERROR_CLASSES, OUTCOMES, zeroCounts, type ErrorCounts, type Outcome, type OutcomeCounts } from './outcome.js'

/** How many distinct error messages a run keeps to show the user. */
const MAX_ERROR_SAMPLES = 5

/**
 * The totals of a run, read off its history: a counter and a latency histogram per outcome, retry and
 * error-class counters, lock statistics, reads, observations and a few error messages. Memory stays
 * flat however long `--duration` runs. The table's and JSON's numbers come from here, and so do the
 * outcomes and observations invariants get.
 */
export class Totals implements HistorySink {
  readonly outcomes: OutcomeCounts = zeroCounts(OUTCOMES)
  readonly errorsByClass: ErrorCounts = zeroCounts(ERROR_CLASSES)
  readonly latency: Readonly<Record<Outcome, Histogram>> = Object.fromEntries(OUTCOMES.map((outcome) => [outcome, createLatencyHistogram()])) as Record<Outcome, Histogram>
  retries = 0
  readonly errorSamples: string[] = []
  /** Time to acquire each lock a strategy took (row, advisory or Redis lock), acquired or not. */
  readonly lockWait: Histogram = createLatencyHistogram()
  locksNotAcquired = 0
  /** Lease locks that had expired (and maybe passed to another worker) before their holder released them. */
  locksLost = 0
  /** Quorum locks (Redlock): acquisitions by the votes they got, and their validity. */
  readonly lockVotes = new Map<number, number>()
  readonly lockValidity: Histogram = createLatencyHistogram()
  lockValidityMinMs = Number.POSITIVE_INFINITY
  lockQuorum = 0
  lockNodes = 0
  reads = 0
  readErrors = 0
  readonly observations = new Map<string, { count: number; samples: string[] }>()
  /** The nemesis's faults by kind: how many began, and how many it could not inject. */
  readonly faults = new Map<string, { injected: number; failed: number }>()
  #completed = 0

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
      case 'unknown':
        this.outcomes[event.type]++
        this.#completed++
        recordLatency(this.latency[event.type], event.ms)
        if (event.errorClass) this.errorsByClass[event.errorClass]++
        // What went wrong unexpectedly is shown; conflicts are the strategy working as designed.
        if ((event.type === 'error' || event.type === 'unknown') && event.message) this.#sample(event.message)
        return
      case 'retry':
        this.retries++
        if (event.errorClass) this.errorsByClass[event.errorClass]++
        return
      case 'lock':
        if (event.phase === 'acquired' || event.phase === 'not-acquired') {
          recordLatency(this.lockWait, event.ms ?? 0)
          if (event.phase === 'not-acquired') this.locksNotAcquired++
          if (event.votes !== undefined) this.#quorumLock(event.votes, event.quorum ?? 0, event.nodes ?? 0, event.validityMs ?? 0)
        } else if (event.phase === 'lost') {
          this.locksLost++
        }
        return
      case 'note':
        this.#note(event.name, event.detail)
        return
      case 'nemesis': {
        if (event.phase === 'end') return
        let counts = this.faults.get(event.fault)
        if (!counts) this.faults.set(event.fault, (counts = { injected: 0, failed: 0 }))
        if (event.phase === 'start') counts.injected++
        else counts.failed++
        return
      }
      case 'read':
        if (event.ok) this.reads++
        else {
          this.readErrors++
          if (event.message) this.#sample(`reader: ${event.message}`)
        }
        return
      default:
        return
    }
  }

  #quorumLock(votes: number, quorum: number, nodes: number, validityMs: number): void {
    this.lockVotes.set(votes, (this.lockVotes.get(votes) ?? 0) + 1)
    recordLatency(this.lockValidity, Math.max(0, validityMs))
    if (validityMs < this.lockValidityMinMs) this.lockValidityMinMs = validityMs
    this.lockQuorum = quorum
    this.lockNodes = nodes
  }

  /** Operations finished so far. */
  get completed(): number {
    return this.#completed
  }

  /** What invariants get of the history. */
  history(): History {
    return {
      reads: this.reads,
      readErrors: this.readErrors,
      observations: Object.fromEntries([...this.observations].map(([name, o]) => [name, { count: o.count, samples: [...o.samples] }])),
    }
  }

  /** An observation: counted by name, the first few distinct details kept. */
  #note(name: string, detail: string): void {
    let observation = this.observations.get(name)
    if (!observation) this.observations.set(name, (observation = { count: 0, samples: [] }))
    observation.count++
    if (observation.samples.length < MAX_ERROR_SAMPLES && !observation.samples.includes(detail)) observation.samples.push(detail)
  }

  #sample(message: string): void {
    if (this.errorSamples.length < MAX_ERROR_SAMPLES && !this.errorSamples.includes(message)) this.errorSamples.push(message)
  }
}
