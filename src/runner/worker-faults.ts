import type { Rng } from './rng.js'

/**
 * The faults the nemesis aims at workers rather than at servers, handed over through this one object:
 * the nemesis arms them (`pauseNext`, `crashShare`), each worker takes its own at its next step point.
 * A run without such faults has none, and its workers never look.
 */
export class WorkerFaults {
  #pause: number | undefined
  /** `crash-saga:P`: the chance that each `ctx.checkpoint` crashes its operation. */
  crashShare = 0

  /**
   * `pause-worker`: the next worker to think stalls `ms` longer, inside whatever lock or lease it holds.
   * The next to think, not a worker picked beforehand: a think comes after a check that passed, so the
   * stall always falls between a check and the act it allowed, whoever gets there.
   */
  pauseNextThinker(ms: number): void {
    this.#pause = ms
  }

  /** The stall armed, once, for the first worker that asks: undefined when none is. */
  takePause(): number | undefined {
    const ms = this.#pause
    this.#pause = undefined
    return ms
  }

  /** Whether the checkpoint `worker` reached crashes, drawn from the worker's own seeded stream. */
  crashes(rng: Rng): boolean {
    return this.crashShare > 0 && rng.next() < this.crashShare
  }
}
