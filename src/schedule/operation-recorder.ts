import { isCompletion, type CompletionEvent, type HistoryEvent, type HistorySink, type OperationEvent } from '../history/event.js'
import type { TracedOperation } from '../history/trace.js'

interface Recording {
  readonly worker: number
  readonly iteration: number
  readonly key: string
  readonly start: number
  readonly events: OperationEvent[]
  completion?: CompletionEvent
}

/**
 * A sink that keeps every operation of a short history whole, from its invoke to its completion, as
 * the timeline draws them. For a scheduled run (two operations) or a spec's permutation (one per
 * session): a load run keeps only some operations of each key (KeyRings), this one keeps them all,
 * so it is for histories of a handful of operations only.
 */
export class OperationRecorder implements HistorySink {
  readonly #recordings: Recording[] = []
  /** The operation each worker is in, by worker number. */
  readonly #open = new Map<number, Recording>()

  append(event: HistoryEvent): void {
    // explain and specs run no nemesis; a fault is no step of an operation.
    if (event.type === 'nemesis') return
    const worker = event.worker
    if (worker === undefined) return
    if (event.type === 'invoke') {
      const recording: Recording = { worker, iteration: event.iteration, key: event.key, start: event.t, events: [] }
      this.#recordings.push(recording)
      this.#open.set(worker, recording)
      return
    }
    const open = this.#open.get(worker)
    if (!open || open.iteration !== event.iteration) return
    if (isCompletion(event)) {
      open.completion = event
      this.#open.delete(worker)
    } else {
      open.events.push(event)
    }
  }

  /** The operations so far, in the order they began; one still running has no end. */
  operations(): TracedOperation[] {
    return this.#recordings.map(({ worker, iteration, key, start, events, completion }) => ({
      worker,
      iteration,
      key,
      start,
      ...(completion ? { end: completion.t, outcome: completion.type } : {}),
      events: [...events].sort((x, y) => x.t - y.t),
      ...(completion ? { completion } : {}),
    }))
  }
}
