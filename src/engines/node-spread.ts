/**
 * How a run's workers are spread over its `--db` nodes: round-robin, worker i on node i mod n. One rule
 * for opening the nodes (each sized for its share), running the workers and reporting per node.
 */

/** The node (0-based) worker `worker` runs on, of `nodes`. */
export function nodeOf(worker: number, nodes: number): number {
  return worker % nodes
}

/** How many of `workers` run on node `index` of `nodes`. */
export function workersOnNode(workers: number, nodes: number, index: number): number {
  return Math.floor(workers / nodes) + (index < workers % nodes ? 1 : 0)
}
