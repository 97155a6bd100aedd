import type { OutcomeCounts } from '../history/outcome.js'
import type { Expectation } from '../scenario/define-scenario.js'
import type { Dialect } from '../engines/session.js'

/**
 * The columns of the matrix: `default` runs without --isolation (each statement of a strategy that
 * opens no transaction autocommits, which differs from any one-transaction level), then each level.
 */
export const VERIFY_COLUMNS = ['default', 'read committed', 'repeatable read', 'serializable'] as const
export type VerifyColumn = (typeof VERIFY_COLUMNS)[number]

/**
 * One cell of `racebench verify`: a scenario's strategy at one isolation level on one engine, run
 * `runs` times, what it declares against what was measured.
 */
export interface VerifyCell {
  /** The engine it ran on: an index into `Verification.engines`. */
  readonly engine: number
  readonly scenario: string
  readonly strategy: string
  /**
   * The matrix column: `default` when run without --isolation, else the --isolation level it ran
   * with, in words. A strategy with a fixed level runs once, in its level's column.
   */
  readonly column: VerifyColumn
  /** The level its operations ran at (`read committed`, …), as the run reports it. */
  readonly isolation: string
  /** The server, as runs report it (`PostgreSQL 18.4`), and its dialect. */
  readonly server: string
  readonly dialect: Dialect
  /** What the strategy declares at this level on this engine. */
  readonly declared: Expectation
  /** Runs made, and in how many an invariant was violated. */
  readonly runs: number
  readonly violated: number
  /** Runs in which every operation ended in error: they tested nothing, so they prove nothing. */
  readonly untested: number
  /** Outcomes of every operation of the cell's runs, summed. */
  readonly outcomes: OutcomeCounts
  /**
   * `as-declared`: safe and never violated, or unsafe and violated in at least one run;
   * `unexpected`: a mismatch (exit 1); `skipped`: not run here, with `reason`.
   */
  readonly verdict: 'as-declared' | 'unexpected' | 'skipped'
  /** Why a cell was skipped, or what an unexpected one measured, in a line a person reads. */
  readonly reason?: string
  /** Wall time of the cell's runs, ms. */
  readonly durationMs: number
}

/** An engine the matrix ran on. */
export interface VerifiedEngine {
  readonly server: string
  /** Its URL, password masked (`embedded` for the embedded server). */
  readonly url: string
  readonly dialect: Dialect
  readonly embedded: boolean
  /** The level of the `default` column, as the runs report it (`read committed`); `unknown` when none ran. */
  readonly defaultIsolation: string
}

/** The whole matrix of `racebench verify`. */
export interface Verification {
  /** Each engine verified: its server string and its URL, password masked. */
  readonly engines: readonly VerifiedEngine[]
  /** Runs per cell (`--repeat`). */
  readonly repeat: number
  /** The one seed of every run, so any cell can be rerun with `racebench run … --seed`. */
  readonly seed: number
  readonly workers: number
  readonly iterations: number
  readonly thinkMs: number
  readonly cells: readonly VerifyCell[]
  /** Cells whose verdict is `unexpected`: the exit code's question. */
  readonly mismatches: number
  readonly durationMs: number
}
