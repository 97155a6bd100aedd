import { OUTCOMES, type OutcomeCounts } from '../history/outcome.js'

/**
 * Why a run tested nothing, or undefined when it tested something. A run in which every operation
 * ended in `error` (a wrong table name, a server refusing every statement) never raced: its
 * invariants may hold, but only because nothing happened. The same goes for a run in which no
 * operation completed at all. `rejected`, `conflict` and `unknown` are answers of the race itself,
 * so one of them is enough for the run to count.
 */
export function whyNothingWasTested(outcomes: Readonly<OutcomeCounts>): string | undefined {
  const completed = OUTCOMES.reduce((sum, outcome) => sum + outcomes[outcome], 0)
  if (completed === 0) return 'no operation completed'
  if (outcomes.error === completed) return 'every operation ended in error'
  return undefined
}
