import type { Rng } from './rng.js'

/**
 * The faults the nemesis aims at workers rather than at servers, handed over through this one object:
 * the nemesis arms them (`pauseNext`, `crashShare`), each worker takes its own at its next step point.
 * A run without such faults has none, and its workers never look.
 */
export class WorkerFaults {
  readonly #pauses: (number | undefined)[] = []
  /** `crash-saga:P`: the chance that each `ctx.checkpoint` crashes its operation. */
  crashShare = 0

  /** `pause-worker`: `worker`'s next think stalls `ms` longer, inside whatever lock or lease it holds. */
  pauseNext(worker: number, ms: number): void {
    this.#pauses[worker] = ms
  }

  /** The stall armed for `worker`, once: undefined when none is. */
  takePause(worker: number): number | undefined {
    const ms = this.#pauses[worker]
    if (ms !== undefined) this.#pauses[worker] = undefined
    return ms
  }

  /** Whether the checkpoint `worker` reached crashes, drawn from the worker's own seeded stream. */
  crashes(rng: Rng): boolean {
    return this.crashShare > 0 && rng.next() < this.crashShare
  }
}
