import { UsageError } from '../errors.js'
import type { RunReport } from '../report/reporter.js'
import { repeatedVerdicts, runRepeated } from '../repeat-run.js'
import { exitCodeOfRunReport } from '../run-exit-code.js'
import type { RunResult } from '../run-result.js'
import { BUILTIN_SCENARIOS } from '../scenario/builtin.js'
import type { SpecRunResult } from '../spec/run-spec.js'
import { checkThresholds } from '../thresholds/check-thresholds.js'
import { parseThresholds } from '../thresholds/parse-threshold.js'
import { reportTargets, writeReports } from './reporting.js'
import { commandSession, type RunCommandOptions } from './session.js'

export interface RunOnlyOptions {
  strategy?: string
  threshold?: string[]
  expect?: string
}

/**
 * `racebench run`: runs (or `--repeat N` runs), checks the thresholds, writes every report asked for,
 * and answers the exit code: 0 as expected, 1 an invariant was violated (or, with `--expect violation`,
 * was not), 8 a threshold failed, 7 nothing was tested (see run-exit-code.ts).
 */
export async function runCommand(scenario: string, options: RunCommandOptions & RunOnlyOptions, secrets: readonly string[]): Promise<number> {
  // Every report option is checked before anything starts (a typo must not cost a run), all at once.
  const [targets, thresholds, expectViolation] = allOrUsageError(
    () => reportTargets(options),
    () => parseThresholds(options.threshold ?? []),
    () => expectsViolation(options.expect),
  )
  // A file whose default export is an isolation spec (defineSpec) runs as one: see src/spec/. Loaded
  // only for files: a built-in name is never a spec, and the spec modules cost a run's start ~40 ms.
  const specs = Object.hasOwn(BUILTIN_SCENARIOS, scenario) ? undefined : await import('../spec/spec-command.js')
  const outcome = await commandSession(scenario, options, secrets, async (runOptions): Promise<{ spec: SpecRunResult } | { runs: RunResult[] }> => {
    const spec = await specs?.runSpecIfAny(scenario, runOptions, options)
    return spec ? { spec } : { runs: await runRepeated({ ...runOptions, strategy: options.strategy }) }
  })
  // A spec ran, so its modules were loaded.
  if ('spec' in outcome) return specs!.reportSpecRun(outcome.spec, options)
  const { runs } = outcome
  const report: RunReport = {
    command: 'run',
    runs,
    repeated: runs.length > 1 ? repeatedVerdicts(runs) : null,
    thresholds: checkThresholds(thresholds, runs),
    expectViolation,
  }
  await writeReports(report, targets)
  return exitCodeOfRunReport(report, options)
}

/** Runs each check; their usage errors, if any, become one error whose line says them all. */
function allOrUsageError<T extends unknown[]>(...checks: { [K in keyof T]: () => T[K] }): T {
  const problems: string[] = []
  const values = checks.map((check) => {
    try {
      return check()
    } catch (error) {
      if (!(error instanceof UsageError)) throw error
      problems.push(error.message)
      return undefined
    }
  })
  if (problems.length > 0) throw new UsageError(problems.join('; '))
  return values as T
}

/** `--expect violation` or `--expect held` (the default); anything else is a usage error. */
function expectsViolation(expect: string | undefined): boolean {
  if (expect === undefined) return false
  const value = expect.trim().toLowerCase()
  if (value === 'violation' || value === 'violated') return true
  if (value === 'held' || value === 'hold') return false
  throw new UsageError(`--expect must be 'violation' (an invariant must break) or 'held' (every invariant must hold), got '${expect}'`)
}
