import { OUTCOMES, zeroCounts, type OutcomeCounts } from '../history/outcome.js'
import type { RunResult } from '../run-result.js'
import type { Expectation } from '../scenario/define-scenario.js'
import type { VerifyCell } from './verification.js'

export type Judgement = Pick<VerifyCell, 'runs' | 'violated' | 'untested' | 'outcomes' | 'verdict' | 'reason'>

/**
 * A cell's verdict from its runs. Declared safe: as declared iff no run broke an invariant and every
 * run tested something (a run whose every operation failed proves nothing). Declared unsafe: as
 * declared iff at least one run broke one: the race shows, though not necessarily every time.
 */
export function judgeCell(declared: Expectation, results: readonly RunResult[]): Judgement {
  const runs = results.length
  const violated = results.filter((result) => result.violations > 0).length
  const untested = results.filter((result) => result.nothingTested).length
  const outcomes = sumOutcomes(results)
  const judged = { runs, violated, untested, outcomes }
  if (declared === 'unsafe') {
    if (violated > 0) return { ...judged, verdict: 'as-declared' }
    return { ...judged, verdict: 'unexpected', reason: `declared unsafe, but none of ${runs} runs broke an invariant (${outcomeText(outcomes)})` }
  }
  if (violated > 0) {
    const broken = results.flatMap((result) => result.invariants).find((invariant) => !invariant.held)
    const what = broken ? `: ${broken.name}: ${broken.detail}` : ''
    return { ...judged, verdict: 'unexpected', reason: `declared safe, but ${violated} of ${runs} runs broke an invariant${what}` }
  }
  if (untested > 0) {
    const sample = results.find((result) => result.nothingTested)?.errorSamples[0]
    return { ...judged, verdict: 'unexpected', reason: `declared safe, but ${untested} of ${runs} runs tested nothing (${outcomeText(outcomes)})${sample ? `: ${sample}` : ''}` }
  }
  return { ...judged, verdict: 'as-declared' }
}

function sumOutcomes(results: readonly RunResult[]): OutcomeCounts {
  const sum = zeroCounts(OUTCOMES)
  for (const result of results) for (const outcome of OUTCOMES) sum[outcome] += result.outcomes[outcome]
  return sum
}

/** `ok 80, rejected 70, conflict 10`: the outcomes that happened. */
function outcomeText(outcomes: OutcomeCounts): string {
  return OUTCOMES.filter((outcome) => outcomes[outcome] > 0).map((outcome) => `${outcome} ${outcomes[outcome]}`).join(', ') || 'no operation completed'
}
