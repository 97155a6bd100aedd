import { renderJson } from '../report/json.js'
import { styleFor, widthFor } from '../report/style.js'
import { renderRunTable } from '../report/table.js'
import { runScenario } from '../run-scenario.js'
import { exitCodeOfRun } from '../run-exit-code.js'
import { commandSession, type RunCommandOptions } from './session.js'
import { BUILTIN_SCENARIOS } from '../scenario/builtin.js'
import type { RunResult } from '../run-result.js'
import type { SpecRunResult } from '../spec/run-spec.js'

/**
 * `racebench run`: runs, prints the table (or JSON) on stdout, and answers the exit code:
 * 0 every invariant held, 1 one was violated, 7 nothing was tested (see run-exit-code.ts).
 */
export async function runCommand(scenario: string, options: RunCommandOptions & { strategy?: string }, secrets: readonly string[]): Promise<number> {
  // A file whose default export is an isolation spec (defineSpec) runs as one: see src/spec/. Loaded
  // only for files: a built-in name is never a spec, and the spec modules cost a run's start ~40 ms.
  const specs = Object.hasOwn(BUILTIN_SCENARIOS, scenario) ? undefined : await import('../spec/spec-command.js')
  const outcome = await commandSession(scenario, options, secrets, async (runOptions): Promise<{ spec: SpecRunResult } | { run: RunResult }> => {
    const spec = await specs?.runSpecIfAny(scenario, runOptions, options)
    return spec ? { spec } : { run: await runScenario({ ...runOptions, strategy: options.strategy }) }
  })
  // A spec ran, so its modules were loaded.
  if ('spec' in outcome) return specs!.reportSpecRun(outcome.spec, options)
  const result = outcome.run
  process.stdout.write(options.json ? renderJson(result) : renderRunTable(result, styleFor(process.stdout), { width: widthFor(process.stdout) }))
  return exitCodeOfRun(result, options)
}
