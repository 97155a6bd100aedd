import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { InvariantResult } from '../check/check-invariants.js'
import { packageRoot } from '../package-root.js'
import type { Expectation, Params } from '../scenario/define-scenario.js'
import type { Dialect } from '../engines/session.js'
import type { OutcomeCounts } from './outcome.js'

/*
 * The first and last lines of a history file: what the run was, and how it ended. A public contract,
 * as the events are: fields may be added, never renamed.
 */

/** The version of the history file's layout. A reader refuses a format it does not know. */
export const HISTORY_FORMAT = 1

/**
 * The first line of a history file: what ran, where, and how. No URL and nothing secret: a history
 * file is meant to be attached to a bug report.
 */
export interface HistoryHeader {
  readonly type: 'run'
  readonly format: typeof HISTORY_FORMAT
  /** The racebench version that wrote it. */
  readonly racebench: string
  readonly scenario: string
  /** `built-in`, or the scenario file's absolute path: where `racebench show` loads it from. */
  readonly origin: string
  readonly strategy: string
  /** What the strategy declares where it ran (absent in files of racebench 0.1.0 before it was added). */
  readonly expect?: Expectation
  readonly params: Params
  readonly seed: number
  readonly workers: number
  readonly iterations: number | null
  readonly durationLimitMs: number | null
  readonly thinkMs: number
  readonly isolation: string
  readonly db: { readonly dialect: Dialect; readonly server: string; readonly embedded?: boolean }
  /** When the run started, as an ISO 8601 string. */
  readonly startedAt: string
}

/**
 * The last line of a history file, written once the run has checked its invariants. A file without
 * it is the history of a run that did not finish (interrupted, crashed, or cut).
 */
export interface HistoryFooter {
  readonly type: 'end'
  readonly outcomes: OutcomeCounts
  readonly retries: number
  readonly durationMs: number
  /** Every verdict as the run found it, including those that read the final state. */
  readonly invariants: readonly InvariantResult[]
  readonly violations: number
}

/** A header from what the run knows; fills in `type`, `format` and the racebench version. */
export function historyHeader(run: Omit<HistoryHeader, 'type' | 'format' | 'racebench'>): HistoryHeader {
  return { type: 'run', format: HISTORY_FORMAT, racebench: racebenchVersion(), ...run }
}

let version: string | undefined

/** racebench's own version, from its package.json. */
export function racebenchVersion(): string {
  return (version ??= JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string)
}
