import type { CompletionEvent, NemesisEvent, OperationEvent } from './event.js'
import type { Outcome } from './outcome.js'

/**
 * One operation as a timeline draws it: who ran it, when, every step in between (statements, Redis
 * commands, lock waits, the think pause, retries, notes) and how it ended. Times in microseconds since
 * the run's start barrier, as on the events.
 */
export interface TracedOperation {
  readonly worker: number
  readonly iteration: number
  readonly key: string
  readonly start: number
  /** When it ended; absent only for an operation still running when the history ended. */
  readonly end?: number
  readonly outcome?: Outcome
  /** The events between its invoke and its completion, in time order. */
  readonly events: readonly OperationEvent[]
  readonly completion?: CompletionEvent
}

/**
 * How an invariant broke on one key: the operations that touched the key and overlapped in time, the
 * ones a person needs to see the interleaving. `--json` prints these as `traces`.
 */
export interface Trace {
  readonly invariant: string
  /** The broken key as a person reads it (`room 2 night 3`). */
  readonly key: string
  /** What is wrong with the key now (`2 active bookings`), or the invariant's detail. */
  readonly detail: string
  readonly operations: readonly TracedOperation[]
  /** Operations on the key that the run did not keep (it keeps the first acknowledged and the latest ones of each key). */
  readonly dropped: number
  /** Faults the nemesis injected while these operations ran (absent when none did). */
  readonly faults?: readonly NemesisEvent[]
}
