import type { ChalkInstance } from 'chalk'
import { whyNothingWasTested } from '../check/nothing-tested.js'
import type { RunResult } from '../run-result.js'

/**
 * `✘ every operation ended in error: nothing was tested` for a run that tested nothing (it exits 7
 * then, unless --allow-errors), or no line at all. `compare` names the strategy: `  ✘ none: every …`.
 */
export function nothingTestedLines(result: Pick<RunResult, 'nothingTested' | 'outcomes'>, style: ChalkInstance, strategy?: string): string[] {
  if (!result.nothingTested) return []
  const why = whyNothingWasTested(result.outcomes) ?? 'no operation got past an error'
  return [style.red(strategy === undefined ? `✘ ${why}: nothing was tested` : `  ✘ ${strategy}: ${why}: nothing was tested`)]
}
