import { nodeOf } from '../engines/node-spread.js'
import { isCompletion, type HistoryEvent, type HistorySink } from './event.js'
import { OUTCOMES, zeroCounts, type OutcomeCounts } from './outcome.js'

/**
 * Outcomes per `--db` node, read off the history: a worker's node is fixed (node-spread.ts), so each
 * completion counts for its worker's node. Only runs spread over several nodes add this sink.
 */
export class NodeTotals implements HistorySink {
  readonly outcomes: OutcomeCounts[]

  constructor(private readonly nodes: number) {
    this.outcomes = Array.from({ length: nodes }, () => zeroCounts(OUTCOMES))
  }

  /** Counts operations, never their statements. */
  wantsSteps(): boolean {
    return false
  }

  append(event: HistoryEvent): void {
    if (isCompletion(event)) this.outcomes[nodeOf(event.worker, this.nodes)]![event.type]++
  }
}
