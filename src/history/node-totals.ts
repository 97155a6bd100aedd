import { isCompletion, type HistoryEvent, type HistorySink } from './event.js'
import { OUTCOMES, zeroCounts, type OutcomeCounts } from './outcome.js'

/**
 * Outcomes per `--db` node, read off the history: a worker's node is fixed (round-robin), so each
 * completion counts for its worker's node. Only runs spread over several nodes add this sink.
 */
export class NodeTotals implements HistorySink {
  readonly outcomes: OutcomeCounts[]

  constructor(
    nodes: number,
    private readonly nodeOf: (worker: number) => number,
  ) {
    this.outcomes = Array.from({ length: nodes }, () => zeroCounts(OUTCOMES))
  }

  append(event: HistoryEvent): void {
    if (isCompletion(event)) this.outcomes[this.nodeOf(event.worker)]![event.type]++
  }
}

/** Worker `worker`'s node when `workers` are spread round-robin over `nodes` nodes. */
export const nodeOfWorker = (nodes: number) => (worker: number) => worker % nodes
