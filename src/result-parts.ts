import { nodeOf, workersOnNode } from './engines/node-spread.js'
import type { Target } from './engines/target.js'
import type { NodeTotals } from './history/node-totals.js'
import type { OutcomeCounts } from './history/outcome.js'
import type { Totals } from './history/totals.js'
import { summarizeLatency } from './metrics/latency.js'
import type { NodeResult, RunResult } from './run-result.js'

// Parts of a run's result that take more than a field: what the locks cost, each node's share.

/** What the strategy's locks cost, or null when it took none. */
export function lockStats(totals: Totals): RunResult['locks'] {
  const attempts = totals.lockWait.totalCount
  if (attempts === 0) return null
  const votes = [...totals.lockVotes].sort(([a], [b]) => b - a)
  return {
    acquired: attempts - totals.locksNotAcquired,
    notAcquired: totals.locksNotAcquired,
    lost: totals.locksLost,
    waitMs: summarizeLatency(totals.lockWait),
    ...(votes.length > 0
      ? { quorum: { nodes: totals.lockNodes, quorum: totals.lockQuorum, votes: Object.fromEntries(votes.map(([n, count]) => [String(n), count])), validityMs: summarizeLatency(totals.lockValidity), minValidityMs: round(totals.lockValidityMinMs, 1) } }
      : {}),
  }
}

export function round(value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}

/** Each `--db` node of a run: its server, its workers, their outcomes, and the workers that lost it. */
export function nodeResults(
  nodes: readonly Target[],
  workers: number,
  perNode: NodeTotals | undefined,
  outcomes: OutcomeCounts,
  stoppedWorkers: readonly number[],
): NodeResult[] {
  return nodes.map((node, index) => ({
    url: node.url,
    server: node.server,
    cluster: node.cluster ?? null,
    workers: workersOnNode(workers, nodes.length, index),
    outcomes: perNode ? { ...perNode.outcomes[index]! } : { ...outcomes },
    stoppedWorkers: stoppedWorkers.filter((worker) => nodeOf(worker, nodes.length) === index).length,
  }))
}
