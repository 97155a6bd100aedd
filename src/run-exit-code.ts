import type { Comparison } from './compare.js'
import { ExitCode } from './errors.js'
import type { RunResult } from './run-result.js'
import type { RunReport } from './report/reporter.js'

/** What the user asked about failures that are not violations. */
export interface ExitPolicy {
  /** `--allow-errors`: a run that tested nothing (every operation ended in error) still exits 0. */
  readonly allowErrors?: boolean | undefined
}

/**
 * The exit code of `racebench run`: 1 when an invariant was violated (that is news, even in a run
 * full of errors), else 7 when the run tested nothing (every operation ended in error, or none
 * completed: invariants that held then prove nothing), unless `allowErrors`; else 0.
 */
export function exitCodeOfRun(result: Pick<RunResult, 'violations' | 'nothingTested'>, policy: ExitPolicy): ExitCode {
  if (result.violations > 0) return ExitCode.Violation
  if (result.nothingTested && !policy.allowErrors) return ExitCode.NothingSucceeded
  return ExitCode.Ok
}

/**
 * The exit code of `racebench compare`: 1 when a strategy did not behave as it declares (one
 * declared safe violated an invariant), else 7 when some strategy tested nothing (unless
 * `allowErrors`), else 0.
 */
export function exitCodeOfComparison(comparison: Pick<Comparison, 'allAsDeclared' | 'strategies'>, policy: ExitPolicy): ExitCode {
  if (!comparison.allAsDeclared) return ExitCode.Violation
  if (comparison.strategies.some((s) => s.result.nothingTested) && !policy.allowErrors) return ExitCode.NothingSucceeded
  return ExitCode.Ok
}

/**
 * The exit code of `racebench run` with its CLI options: the invariants' verdict first (1: a run
 * violated one, or with `--expect violation` a run held them all), then the thresholds (8), then a run
 * that tested nothing (7, unless `allowErrors`), else 0. With `--repeat N`, every run must pass.
 */
export function exitCodeOfRunReport(report: Pick<RunReport, 'runs' | 'thresholds' | 'expectViolation'>, policy: ExitPolicy): ExitCode {
  const verdictFailed = report.expectViolation ? report.runs.some((run) => run.violations === 0) : report.runs.some((run) => run.violations > 0)
  if (verdictFailed) return ExitCode.Violation
  if (report.thresholds.some((threshold) => !threshold.passed)) return ExitCode.ThresholdFailed
  // A run that broke an invariant as expected tested something, whatever else ended in error.
  const testedNothing = report.runs.some((run) => run.nothingTested && !(report.expectViolation && run.violations > 0))
  if (testedNothing && !policy.allowErrors) return ExitCode.NothingSucceeded
  return ExitCode.Ok
}
