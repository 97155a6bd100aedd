import type { IsolationLevel } from '../config.js'
import type { Dialect } from './session.js'
import type { EngineCapability, EngineFamily } from './engine-family.js'

/** A unique key over the rows that match a condition: one active booking per slot, one open position. */
export interface UniqueWhere {
  readonly table: string
  readonly index: string
  /** The key's columns; the first one must be a column whose type the engine can repeat (`INT` by default). */
  readonly columns: readonly [string, ...string[]]
  /** The SQL condition a row must match to count, e.g. `status = 'active'`. */
  readonly where: string
  /** The first column's SQL type, for engines that copy it into a generated column (default `INT`). */
  readonly firstColumnType?: string
}

/**
 * How an engine's advisory (named) locks are taken, on two integers: `$1` the run, `$2` the key. Bound to
 * the transaction (released at its end), or to the session: then `acquire` also takes `$3`, the wait in
 * whole seconds, answers `got` = 1 when it got the lock, and `release` frees it.
 */
export type AdvisoryLockSql =
  | { readonly scope: 'transaction'; readonly acquire: string }
  | { readonly scope: 'session'; readonly acquire: string; readonly release: string }

/**
 * What a scenario may ask of the engine it runs on, instead of branching on `dialect === …`: the
 * guarantees its isolation levels give (for `expect`), and the SQL that differs between engines. A
 * third engine is a new implementation of this interface, not an edit of every scenario.
 */
export interface Engine {
  readonly dialect: Dialect
  /** `PostgreSQL`, `MariaDB`, `MySQL`, `MariaDB Galera`, `CockroachDB`: for messages. */
  readonly name: string
  /** Which server speaks the protocol, from its version string (engine-family.ts). */
  readonly family: EngineFamily
  /** Capabilities this server lacks, each with the reason `run` refuses a strategy that needs it. */
  readonly lacks: Partial<Readonly<Record<EngineCapability, string>>>
  /**
   * Whether a transaction that writes a row another transaction changed since this one's snapshot fails
   * (PostgreSQL 40001 from REPEATABLE READ up; InnoDB only at SERIALIZABLE, where reads lock) instead of
   * overwriting it: what makes read-modify-write safe without a lock.
   */
  failsStaleWrites(isolation: IsolationLevel): boolean
  /**
   * Whether a check that finds no row and another transaction's insert of that row cannot both commit
   * (PostgreSQL's SSI at SERIALIZABLE; InnoDB's gap locks from REPEATABLE READ up).
   */
  guardsMissingRows(isolation: IsolationLevel): boolean
  /**
   * Whether the transaction's snapshot is taken at its first statement, before a row lock it then waits
   * for, so a read after the lock still misses what the previous holder committed (PostgreSQL's
   * REPEATABLE READ; InnoDB's locking reads read the latest version).
   */
  snapshotPrecedesLocks(isolation: IsolationLevel): boolean
  /** Whether an UPDATE's row count includes rows it matched but left unchanged (mysql2 sets CLIENT_FOUND_ROWS). */
  readonly countsMatchedRows: boolean
  /** Whether a `WITH … UPDATE … RETURNING` can feed an INSERT in one statement. */
  readonly writableCtes: boolean
  /**
   * Whether locks (row locks, advisory locks, SERIALIZABLE's locking reads) bind only the node that took
   * them: true on a multi-primary Galera cluster, where other nodes learn of a write only at commit.
   */
  readonly locksAreNodeLocal: boolean
  /** The statement(s) that make `columns` unique among the rows matching `where`. */
  uniqueWhere(key: UniqueWhere): string
  /**
   * `insert` (an `INSERT INTO t (…) VALUES (…)`) turned into one that skips a row that would duplicate
   * the unique key on `key` (with `where` for a key made by `uniqueWhere`). Its row count is 1 when it
   * inserted and 0 when it skipped.
   */
  insertSkippingDuplicate(insert: string, key: { readonly columns: readonly string[]; readonly where?: string }): string
  /**
   * `insert` turned into an upsert that keeps the existing row. On engines that count matched rows its
   * row count does not tell whether it inserted: read the row back (see `countsMatchedRows`).
   */
  upsertKeepingExisting(insert: string, key: { readonly columns: readonly string[]; readonly where?: string; readonly idColumn: string }): string
  readonly advisoryLock: AdvisoryLockSql
  /** The server's clock in SQL, for scenarios whose rules are about time (holds that expire). */
  readonly clock: ServerClock
}

/**
 * The server's clock at the statement's start (PostgreSQL's statement_timestamp(), MySQL's NOW(6)):
 * fixed within a statement and, unlike PostgreSQL's now(), moving on between statements of one
 * transaction, so a late statement in a long transaction compares against the real time.
 */
export interface ServerClock {
  readonly now: string
  /** `now` plus the milliseconds in the parameter `param` (e.g. `$3`). */
  plusMs(param: string): string
  /** Milliseconds from one timestamp to another, rounded to 0.1. */
  msBetween(from: string, to: string): string
}
