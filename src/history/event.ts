import type { ErrorClass, Outcome } from './outcome.js'

/**
 * The history of a run: every operation of every worker as a stream of events, in the spirit of
 * Jepsen's invoke / ok / fail / info. The runner appends them; everything else (totals, the per-key
 * rings that timelines are drawn from, the `--history` file, progress) reads them. The same objects
 * are written to a history file, one JSON object per line, so their field names are a public contract:
 * fields may be added, never renamed.
 *
 * `t` is microseconds since the run's start barrier, on a monotonic clock. `worker` and `iteration`
 * name the operation an event belongs to; a reader's events carry `reader` instead.
 */

/** Who did something: a worker (its operations) or a reader (its reads). */
export interface Actor {
  readonly worker?: number
  readonly reader?: number
  /** The worker's operation number, or the reader's read number. */
  readonly iteration: number
}

/** A worker began an operation on a key. `attempt` is 0; each `retry` starts the next attempt. */
export interface InvokeEvent extends Actor {
  readonly t: number
  readonly type: 'invoke'
  readonly worker: number
  /** The key as a person reads it (`room 2 night 3`), from the scenario's `showKey`. */
  readonly key: string
  /** The key as `pickKey` drew it, for matching keys an invariant names. */
  readonly keyValue: unknown
  readonly attempt: number
  /** The `--db` node (0-based) the worker's connection is on, when the run spreads over several. */
  readonly node?: number
}

/** How an operation ended, `ms` after its invoke. Errors carry their class and the server's code. */
export interface CompletionEvent extends Actor {
  readonly t: number
  readonly type: Outcome
  readonly worker: number
  readonly key: string
  readonly ms: number
  readonly errorClass?: ErrorClass
  /** SQLSTATE (PostgreSQL), the error number (MySQL/MariaDB), or the driver's code. */
  readonly code?: string
  /** What went wrong, for `conflict`, `error` and `unknown` (passwords masked). */
  readonly message?: string
}

/**
 * One statement a session sent (or a Redis command), as part of the current operation or read. `t`
 * is when it was sent, `ms` how long the answer took.
 */
export interface StepEvent extends Actor {
  readonly t: number
  readonly type: 'step'
  /** The statement, whitespace collapsed and cut (`BEGIN`, `COMMIT` and `ROLLBACK` are steps too). */
  readonly sql?: string
  /** A Redis command and its key, e.g. `SET racebench_…:lock:slot:7 NX PX 10000`. */
  readonly redis?: string
  /** The statement's parameters as shown: cut, and masked when they look like secrets. */
  readonly params?: readonly string[]
  /** Rows returned, or affected by a write. */
  readonly rows?: number
  /** The first row returned, in short form: `count=0`, `version=3`. */
  readonly first?: string
  readonly ms: number
  readonly errorClass?: ErrorClass
  readonly code?: string
  readonly error?: string
}

/** The operation's previous attempt failed with a retryable error; the next attempt starts now. */
export interface RetryEvent extends Actor {
  readonly t: number
  readonly type: 'retry'
  readonly worker: number
  /** The attempt that starts: 1 for the first retry. */
  readonly attempt: number
  readonly errorClass?: ErrorClass
  readonly code?: string
  readonly message?: string
}

/** A lock a strategy took: the wait began, it was acquired or not (after `ms`), released, or found lost. */
export interface LockEvent extends Actor {
  readonly t: number
  readonly type: 'lock'
  readonly worker: number
  readonly phase: 'wait' | 'acquired' | 'not-acquired' | 'released' | 'lost'
  /** How long the wait took, on `acquired` and `not-acquired`. */
  readonly ms?: number
  /** A quorum lock's (Redlock's) acquisition: nodes that granted it, of `nodes`, `quorum` needed. */
  readonly votes?: number
  readonly quorum?: number
  readonly nodes?: number
  /** How long it stays safe to hold: TTL less acquiring time and clock drift. */
  readonly validityMs?: number
}

/** The pause between check and act (`--think`), `ms` long. */
export interface ThinkEvent extends Actor {
  readonly t: number
  readonly type: 'think'
  readonly worker: number
  readonly ms: number
}

/** An observation a worker or reader noted (`ctx.note`), for invariants that read the history. */
export interface NoteEvent extends Actor {
  readonly t: number
  readonly type: 'note'
  readonly name: string
  readonly detail: string
}

/** One read by a reader: done (`ok`) or failed, `ms` long. */
export interface ReadEvent extends Actor {
  readonly t: number
  readonly type: 'read'
  readonly reader: number
  readonly ok: boolean
  readonly ms: number
  readonly message?: string
}

export type OperationEvent = InvokeEvent | CompletionEvent | StepEvent | RetryEvent | LockEvent | ThinkEvent | NoteEvent | ReadEvent

/**
 * A fault the nemesis (`--nemesis`) injected, as Jepsen's nemesis process logs it: its start, its end
 * (for faults that last), or a fault it could not inject. Not part of any operation: no worker, unless
 * the fault was aimed at one (`pause-worker`).
 */
export interface NemesisEvent {
  readonly t: number
  readonly type: 'nemesis'
  /** The fault's kind, e.g. `kill-connections`. */
  readonly fault: string
  readonly phase: 'start' | 'end' | 'fail'
  /** What it did, e.g. `killed 1 of 8 connections`. */
  readonly detail: string
  /** The worker a `pause-worker` stalled. */
  readonly worker?: number
  /** The `--db` node it hit, for faults aimed at one. */
  readonly node?: number
}

export type HistoryEvent = OperationEvent | NemesisEvent

/** A consumer of the history: gets every event, in order, as the run goes. Must not throw. */
export interface HistorySink {
  append(event: HistoryEvent): void
  /**
   * Whether the sink has any use for the steps (statements) of an operation on `key`, asked at its
   * invoke. Absent: it wants every step. When no sink wants them, the operation's statements are not
   * made into steps at all: what no consumer keeps costs nothing.
   */
  wantsSteps?(key: unknown): boolean
}

export const COMPLETION_TYPES: ReadonlySet<string> = new Set<Outcome>(['ok', 'rejected', 'conflict', 'error', 'unknown'])

export function isCompletion(event: HistoryEvent): event is CompletionEvent {
  return COMPLETION_TYPES.has(event.type)
}
