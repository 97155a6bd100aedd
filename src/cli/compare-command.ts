import { compareStrategies } from '../compare.js'
import { renderComparison } from '../report/compare-table.js'
import { renderJson } from '../report/json.js'
import { exitCodeOfComparison } from '../run-exit-code.js'
import { styleFor } from '../report/style.js'
import { commandSession, type RunCommandOptions } from './session.js'

/**
 * `racebench compare`: every strategy, one after the other, in one table (or a JSON array of run
 * results). Exit code 0 when every strategy behaved as it declares, 1 otherwise; 7 when one tested nothing.
 */
export async function compareCommand(scenario: string, options: RunCommandOptions & { strategies?: string[] }, secrets: readonly string[]): Promise<number> {
  const comparison = await commandSession(scenario, options, secrets, (runOptions) => compareStrategies({ ...runOptions, strategies: options.strategies }))
  const results = comparison.strategies.map((s) => s.result)
  process.stdout.write(options.json ? renderJson(results) : renderComparison(comparison, styleFor(process.stdout)))
  return exitCodeOfComparison(comparison, options)
}
