import { InterruptedError } from '../errors.js'
import { exploringChooser, type Decision } from './choosers.js'
import type { Chooser } from './drive.js'
import type { ScheduledResult } from './scheduled-run.js'

/** Interleavings run at most: past this, `--permutations` stops and says how many it ran. */
export const MAX_PERMUTATIONS = 100

/**
 * Runs every interleaving of the workers' steps, each through `run` (on fresh data), and answers them
 * in order (a before b at each point). The interleavings are explored as a tree: a run follows a
 * prefix of choices, then lets the first worker that can go go; every point where another worker could
 * have gone instead is a branch to run next. Steps are counted as they are taken, so a worker whose
 * check is rejected (and ends early) has fewer steps in that branch, and a worker waiting for a lock
 * is no choice at all: only orders the engine can really take are run, each once.
 */
export async function explorePermutations(
  run: (chooser: Chooser) => Promise<ScheduledResult>,
  cap: number,
  signal?: AbortSignal,
): Promise<{ runs: ScheduledResult[]; capped: boolean }> {
  const runs: ScheduledResult[] = []
  const pending: number[][] = [[]]
  while (pending.length > 0) {
    if (signal?.aborted) throw new InterruptedError()
    if (runs.length >= cap) return { runs, capped: true }
    const prefix = pending.pop()!
    const chooser = exploringChooser(prefix)
    runs.push(await run(chooser))
    // Branches past the prefix, the deepest last so that it is run next (depth first, in order).
    branchesOf(chooser.decisions, prefix.length).forEach((branch) => pending.push(branch))
  }
  return { runs, capped: false }
}

/** For each decision at or past `from`, each worker not chosen there: the prefix that chooses it. */
export function branchesOf(decisions: readonly Decision[], from: number): number[][] {
  const branches: number[][] = []
  for (let i = from; i < decisions.length; i++) {
    const taken = decisions.slice(0, i).map((decision) => decision.chosen)
    const decision = decisions[i]!
    // Later options first onto the stack, so the earlier ones are run first.
    for (const option of [...decision.options].reverse()) if (option !== decision.chosen) branches.push([...taken, option])
  }
  return branches
}
