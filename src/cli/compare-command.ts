import { compareStrategies } from '../compare.js'
import { exitCodeOfComparison } from '../run-exit-code.js'
import { reportTargets, writeReports } from './reporting.js'
import { commandSession, type RunCommandOptions } from './session.js'

/**
 * `racebench compare`: every strategy, one after the other, in one table (or any other reporter:
 * `--json` is the array of run results). Exit code 0 when every strategy behaved as it declares, 1
 * otherwise; 7 when one tested nothing.
 */
export async function compareCommand(scenario: string, options: RunCommandOptions & { strategies?: string[] }, secrets: readonly string[]): Promise<number> {
  const targets = reportTargets(options)
  const comparison = await commandSession(scenario, options, secrets, (runOptions) => compareStrategies({ ...runOptions, strategies: options.strategies }))
  await writeReports({ command: 'compare', comparison, thresholds: [] }, targets)
  return exitCodeOfComparison(comparison, options)
}
