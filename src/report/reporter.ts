import type { ChalkInstance } from 'chalk'
import type { Comparison } from '../compare.js'
import type { RunResult } from '../run-result.js'
import type { ThresholdResult } from '../thresholds/threshold.js'
import type { Verification } from '../verify/verification.js'

/** How often each invariant broke over `--repeat N` runs of the same settings. */
export interface RepeatedVerdict {
  readonly name: string
  /** Runs in which it was violated, of `runs`. */
  readonly violated: number
  readonly runs: number
  /** violated ÷ runs, 0 to 1. */
  readonly rate: number
}

/** `racebench run`: one run, or `--repeat N` runs of the same settings (each on a fresh schema). */
export interface RunReport {
  readonly command: 'run'
  /** In the order they ran; one without `--repeat`. */
  readonly runs: readonly RunResult[]
  /** Per invariant, `k of N runs violated`; null for a single run. */
  readonly repeated: readonly RepeatedVerdict[] | null
  readonly thresholds: readonly ThresholdResult[]
  /** `--expect violation`: the run is meant to show the race, and passes only if an invariant broke. */
  readonly expectViolation: boolean
}

/** `racebench compare`: every strategy, one after the other, same seed and settings. */
export interface CompareReport {
  readonly command: 'compare'
  readonly comparison: Comparison
  readonly thresholds: readonly ThresholdResult[]
}

/** `racebench verify`: every scenario × strategy × isolation level, declared against measured. */
export interface VerifyReport {
  readonly command: 'verify'
  readonly verification: Verification
}

/** What a reporter renders: a command's whole result. */
export type Report = RunReport | CompareReport | VerifyReport

/** What a reporter may know of where its text goes. */
export interface ReportContext {
  /** Colours: none unless the output is a terminal (a file never gets colour). */
  readonly style: ChalkInstance
  /** Width in cells for text output: the terminal's, else 100. */
  readonly width: number
}

/**
 * A reporter is a pure function of a command's result to text (k6's outputs, autocannon's printResult):
 * it never drives or changes the run. A new format is a new reporter in reporters.ts, not an edit
 * across commands.
 */
export interface Reporter {
  readonly name: string
  /** One line for `--help` and for the error that lists the valid names. */
  readonly summary: string
  render(report: Report, context: ReportContext): string
}
