import { renderJson } from '../report/json.js'
import { styleFor, widthFor } from '../report/style.js'
import { renderRunTable } from '../report/table.js'
import { runScenario } from '../run-scenario.js'
import { exitCodeOfRun } from '../run-exit-code.js'
import { commandSession, type RunCommandOptions } from './session.js'

/**
 * `racebench run`: runs, prints the table (or JSON) on stdout, and answers the exit code:
 * 0 every invariant held, 1 one was violated, 7 nothing was tested (see run-exit-code.ts).
 */
export async function runCommand(scenario: string, options: RunCommandOptions & { strategy?: string }, secrets: readonly string[]): Promise<number> {
  const result = await commandSession(scenario, options, secrets, (runOptions) => runScenario({ ...runOptions, strategy: options.strategy }))
  process.stdout.write(options.json ? renderJson(result) : renderRunTable(result, styleFor(process.stdout), { width: widthFor(process.stdout) }))
  return exitCodeOfRun(result, options)
}
