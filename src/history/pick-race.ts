import { acknowledged } from './outcome.js'
import type { TracedOperation } from './trace.js'

/** The most operations a trace shows: the racing pair and what overlapped them. */
const MAX_TRACED_OPERATIONS = 6

/**
 * The operations that show the race: the pair of operations by two workers that overlapped the
 * longest, both acknowledged if any such pair exists (two bookings of one slot, two decrements of one
 * stock), else one acknowledged, else any; then whatever else overlapped that pair, up to six in all.
 * Longest overlap, because a race is a check and an act with another operation in between: two
 * operations that merely touch at their ends show nothing. With no overlap at all, the last two.
 */
export function pickRace(operations: readonly TracedOperation[]): TracedOperation[] {
  const sorted = [...operations].sort((a, b) => a.start - b.start)
  let best: [TracedOperation, TracedOperation] | undefined
  let bestScore = -1
  for (let i = 0; i < sorted.length; i++) {
    const a = sorted[i] as TracedOperation
    for (let j = i + 1; j < sorted.length; j++) {
      const b = sorted[j] as TracedOperation
      if (b.start >= endOf(a)) break
      if (a.worker === b.worker) continue
      const overlap = Math.min(endOf(a), endOf(b)) - b.start
      const both = Number(acknowledged(a.outcome)) + Number(acknowledged(b.outcome))
      // Acknowledged pairs first, then the longest overlap; earlier pairs win ties.
      const score = both * 1e12 + overlap
      if (score > bestScore) {
        bestScore = score
        best = [a, b]
      }
    }
  }
  if (!best) return sorted.slice(-2)
  const from = Math.min(best[0].start, best[1].start)
  const to = Math.max(endOf(best[0]), endOf(best[1]))
  const others = sorted.filter((op) => op !== best[0] && op !== best[1] && op.start < to && endOf(op) > from)
  return [...best, ...others.slice(0, MAX_TRACED_OPERATIONS - 2)].sort((a, b) => a.start - b.start)
}

function endOf(operation: TracedOperation): number {
  return operation.end ?? Number.POSITIVE_INFINITY
}
