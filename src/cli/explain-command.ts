import { ExitCode } from '../errors.js'
import { renderJson } from '../report/json.js'
import { renderExplanation } from '../report/scenario-list.js'
import { renderExplainHeader, renderPermutations, renderScheduleEnd, renderScheduleLine, renderScheduleTimeline } from '../report/schedule-text.js'
import { styleFor, widthFor } from '../report/style.js'
import { loadScenario } from '../scenario/load-scenario.js'
import type { ScheduleLine } from '../schedule/drive.js'
import { commandSession, type RunCommandOptions } from './session.js'

/** What `explain` takes besides the scenario. */
export interface ExplainCommandOptions extends Pick<RunCommandOptions, 'db' | 'redis' | 'lockTtl' | 'think' | 'isolation' | 'seed' | 'timeout' | 'maxRetries' | 'json' | 'debug'> {
  strategy?: string
  schedule?: string
  permutations?: boolean
  param?: string[]
}

/**
 * `racebench explain <scenario>`: the story behind the scenario and what each strategy does. With
 * `--strategy`, one interleaving of two workers replayed step by step (the canonical race, or
 * `--schedule`), or every interleaving (`--permutations`). Exits 1 when an invariant broke (in any
 * interleaving), 0 when all held.
 */
export async function explainCommand(ref: string, options: ExplainCommandOptions = {}, secrets: readonly string[] = []): Promise<number> {
  if (options.strategy === undefined) {
    const { UsageError } = await import('../errors.js')
    const needs = options.schedule !== undefined ? '--schedule' : options.permutations ? '--permutations' : undefined
    if (needs) throw new UsageError(`${needs} needs --strategy: name the strategy whose steps to schedule`)
    const { scenario } = await loadScenario(ref)
    process.stdout.write(renderExplanation(scenario, styleFor(process.stdout), ref))
    return ExitCode.Ok
  }
  const { explainRun } = await import('../schedule/explain-run.js')
  const style = styleFor(process.stdout)
  const width = widthFor(process.stdout)
  const printing = !options.json && !options.permutations
  const result = await commandSession(ref, { ...options, param: options.param ?? [] }, secrets, (run) =>
    explainRun({
      ...run,
      scenario: ref,
      strategy: options.strategy!,
      schedule: options.schedule,
      permutations: options.permutations,
      // One run, printed step by step (run's --repeat is not an explain option).
      repeat: 1,
      params: options.param ?? [],
      onStart: (header) => {
        if (!options.json) process.stdout.write(renderExplainHeader(header, style))
      },
      onLine: printing ? (line: ScheduleLine) => process.stdout.write(renderScheduleLine(line, style, width)) : undefined,
    }),
  )
  if (options.json) process.stdout.write(renderJson(result))
  else if (options.permutations) process.stdout.write(renderPermutations(result, style))
  else process.stdout.write(renderScheduleEnd(result.runs[0]!, style) + renderScheduleTimeline(result.runs[0]!, style, width))
  return result.runs.some((run) => run.violations > 0) ? ExitCode.Violation : ExitCode.Ok
}
