import type { Comparison } from './compare.js'
import { ExitCode } from './errors.js'
import type { RunResult } from './run-result.js'

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
