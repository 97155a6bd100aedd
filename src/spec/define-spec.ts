import type { Dialect } from '../engines/session.js'
import type { SpecIsolation } from './isolation.js'

/** SQL that may differ by engine: one text for both, or one per dialect. */
export type DialectSql = string | Readonly<Record<Dialect, string>>

/** A statement with `$1`-style parameters, as every racebench Session takes them. */
export interface SpecStatement {
  readonly sql: string
  readonly params?: readonly unknown[]
}

/** How one step ended: its rows, or the error the server answered, and whom it waited for on the way. */
export interface StepResult {
  readonly step: string
  readonly session: string
  readonly rows: readonly Record<string, unknown>[]
  readonly rowCount: number
  /** The sessions (spec names, or `pid 123` for outside connections) it waited for on a lock, in order. */
  readonly waitedFor: readonly string[]
  /** Set when the server answered with an error; `class` as racebench classifies errors. */
  readonly error?: { readonly class: string; readonly code: string; readonly message: string }
}

/** What a step written as a function gets: where it runs, and the results of the steps before it. */
export interface StepContext {
  readonly dialect: Dialect
  readonly isolation: SpecIsolation | undefined
  /** Results of the steps that have completed so far, by step name. */
  readonly results: Readonly<Record<string, StepResult>>
}

/** One step: one SQL statement, or a function of earlier steps' results that returns it. */
export type SpecStep = DialectSql | SpecStatement | ((ctx: StepContext) => string | SpecStatement)

export interface SpecSession {
  /** Run on this session's own connection before the permutation's first step (not a step). */
  readonly setup?: DialectSql
  /** The session's steps in order, by name: `{ a1: 'BEGIN', a2: 'UPDATE …', a3: 'COMMIT' }`. Names are unique across sessions. */
  readonly steps: Readonly<Record<string, SpecStep>>
  /** Session variables set on connect, e.g. `{ innodb_snapshot_isolation: 'ON' }` (MariaDB) or `{ enable_seqscan: 'off' }`. */
  readonly variables?: Readonly<Record<string, string | number>>
}

/** What `anomaly` gets: every step's result and a way to read the final state. */
export interface AnomalyContext extends StepContext {
  /** Reads the final state, after every session has ended, on a connection of its own. */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<readonly Row[]>
  /** The rows step `name` returned (`[]` if it failed or returned none). */
  rows<Row = Record<string, unknown>>(name: string): readonly Row[]
  /** Whether every step of `session` succeeded, so its transaction committed (if its last step was COMMIT). */
  succeeded(session: string): boolean
}

/** The anomaly check's answer, with a line a person understands. */
export interface AnomalyVerdict {
  readonly occurred: boolean
  readonly detail: string
}

export interface SpecDefinition {
  /** kebab-case; also names the run's schema. */
  readonly name: string
  /** One line: what the spec shows. */
  readonly summary: string
  /** Run before every permutation, in the run's own (fresh) schema or database: tables and data. */
  readonly setup?: DialectSql
  /** Two or three sessions (more are allowed), each a list of named steps. */
  readonly sessions: Readonly<Record<string, SpecSession>>
  /**
   * The interleavings to run, each every step named once, in an order that keeps each session's
   * own order: `['a1 b1 a2 b2', …]` or `[['a1', 'b1', 'a2', 'b2']]`. Default: every such interleaving.
   */
  readonly permutations?: readonly (string | readonly string[])[]
  /** Whether the anomaly happened in a permutation, from the steps' results and the final state. */
  anomaly(ctx: AnomalyContext): AnomalyVerdict | Promise<AnomalyVerdict>
}

/** A spec: what `defineSpec` returns and what a spec file default-exports. */
export type Spec = SpecDefinition & { readonly kind: 'isolation-spec' }

/**
 * Declares an isolation spec (PostgreSQL's isolation tester, in racebench): setup, sessions of named
 * steps, permutations and an anomaly check. `export default defineSpec({ ... })`, then
 * `racebench run ./my-spec.js --isolation repeatable-read`.
 */
export function defineSpec(definition: SpecDefinition): Spec {
  return Object.freeze({ ...definition, kind: 'isolation-spec' as const })
}

/** Whether a module's default export is a spec (as opposed to a scenario). */
export function isSpec(value: unknown): value is Spec {
  return typeof value === 'object' && value !== null && (value as { kind?: unknown }).kind === 'isolation-spec'
}

/** The text of some DialectSql for one engine. */
export function sqlFor(sql: DialectSql, dialect: Dialect): string {
  return typeof sql === 'string' ? sql : sql[dialect]
}
