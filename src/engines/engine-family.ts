import type { IsolationLevel } from '../config.js'
import type { ErrorClass } from '../history/outcome.js'
import type { Dialect } from './session.js'

/**
 * Which server speaks a dialect's protocol. racebench connects to all of them with the same driver
 * as their protocol's reference engine; the family only changes what `run` and `list` may promise.
 * Detected from the version string, never from the URL, so a proxy or a custom port fools nothing.
 */
export type EngineFamily = 'postgresql' | 'cockroachdb' | 'yugabytedb' | 'mysql' | 'mariadb' | 'tidb'

/** Capabilities a strategy may rest on that some families lack. */
export type EngineCapability = 'advisoryLocks'

/** A server error a client is expected to retry, with the racebench class `classifyError` gives it. */
export interface RetryableError {
  /** SQLSTATE (PostgreSQL protocol) or error number (MySQL protocol). */
  readonly code: string | number
  readonly name: string
  readonly errorClass: ErrorClass
}

/** What a family guarantees, per its documentation (sources in `sources`). */
export interface EngineFacts {
  readonly displayName: string
  readonly dialect: Dialect
  /** The level a fresh session runs at when nobody sets one. */
  readonly defaultIsolation: IsolationLevel
  /**
   * Capabilities the family lacks, each with the reason `list` shows. A reason may depend on the
   * version: ask `unsupportedCapabilities(family, version)` instead of reading this directly.
   */
  readonly unsupported: Partial<Readonly<Record<EngineCapability, string>>>
  /**
   * True when `SELECT … FOR UPDATE` locks bind only the node that took them (Galera certifies
   * writes at commit instead). False for single servers and for engines whose row locks live in the
   * replicated storage layer, so any node's transaction sees them.
   */
  readonly rowLocksNodeLocal: boolean
  /** Errors the family documents as "retry the transaction", beyond a plain deadlock. */
  readonly retryableErrors: readonly RetryableError[]
  readonly sources: readonly string[]
}

/** The five families besides PostgreSQL share PostgreSQL's or MySQL's core codes. */
const POSTGRES_RETRYABLE: readonly RetryableError[] = [
  { code: '40001', name: 'serialization_failure', errorClass: 'serialization' },
  { code: '40P01', name: 'deadlock_detected', errorClass: 'deadlock' },
]
const MYSQL_RETRYABLE: readonly RetryableError[] = [
  { code: 1213, name: 'ER_LOCK_DEADLOCK', errorClass: 'deadlock' },
  { code: 1205, name: 'ER_LOCK_WAIT_TIMEOUT', errorClass: 'lock-timeout' },
]

/** Facts per family; every claim is from the page listed in its `sources`. */
export const ENGINE_FACTS: Readonly<Record<EngineFamily, EngineFacts>> = {
  postgresql: {
    displayName: 'PostgreSQL',
    dialect: 'postgres',
    defaultIsolation: 'read-committed',
    unsupported: {},
    rowLocksNodeLocal: false,
    retryableErrors: POSTGRES_RETRYABLE,
    sources: ['https://www.postgresql.org/docs/current/errcodes-appendix.html'],
  },
  cockroachdb: {
    displayName: 'CockroachDB',
    dialect: 'postgres',
    // "SERIALIZABLE … the default" (transaction-retry-error-reference); READ COMMITTED is opt-in.
    defaultIsolation: 'serializable',
    unsupported: {
      // cockroach#13546: the pg_advisory_* builtins are stubs that lock nothing, and
      // pg_advisory_xact_lock is undefined ("unknown function"); cockroachdb/docs#18154 lists advisory
      // lock functions as unsupported. cockroach PR #168353 (merged 2026-04) adds transaction-level
      // ones; which release ships them was not verified, so racebench still declines.
      advisoryLocks:
        'CockroachDB has no working pg_advisory_xact_lock (its advisory lock builtins are no-op stubs, cockroach#13546), so the lock would protect nothing',
    },
    // Row locks live with the range's leaseholder, not with the gateway node a session talks to.
    rowLocksNodeLocal: false,
    retryableErrors: [
      // Every transaction retry error (RETRY_WRITE_TOO_OLD, RETRY_SERIALIZABLE, ReadWithinUncertaintyInterval,
      // ABORT_REASON_*) is SQLSTATE 40001 with "restart transaction" in the message.
      { code: '40001', name: 'restart transaction (RETRY_WRITE_TOO_OLD, RETRY_SERIALIZABLE, …)', errorClass: 'serialization' },
      { code: '40P01', name: 'deadlock_detected', errorClass: 'deadlock' },
    ],
    sources: [
      'https://www.cockroachlabs.com/docs/stable/transaction-retry-error-reference',
      'https://github.com/cockroachdb/cockroach/issues/13546',
      'https://github.com/cockroachdb/docs/pull/18154',
    ],
  },
  yugabytedb: {
    displayName: 'YugabyteDB',
    dialect: 'postgres',
    // "effectively Snapshot (that is, the same as PostgreSQL's REPEATABLE READ)": YSQL *reports*
    // READ COMMITTED, but without the tserver flag yb_enable_read_committed_isolation (off by default
    // before v2025.2 and on manual deployments) it runs Snapshot. `describe` would show read-committed.
    defaultIsolation: 'repeatable-read',
    unsupported: {
      // yugabyte-db#3642: no pg_advisory_* before the 2.25 series (2.25.2 commits show pg_advisory_lock
      // working and lock_timeout honoured); `unsupportedCapabilities` drops this reason for 2.25+ and 2025.x.
      advisoryLocks: 'YugabyteDB before 2.25 has no advisory locks (yugabyte-db#3642)',
    },
    // DocDB keeps row locks in the replicated tablets, so every tserver's sessions see them.
    rowLocksNodeLocal: false,
    retryableErrors: POSTGRES_RETRYABLE,
    sources: [
      'https://docs.yugabyte.com/stable/develop/learn/transactions/transactions-errorcodes-ysql/',
      'https://docs.yugabyte.com/stable/develop/learn/transactions/transactions-retries-ysql/',
      'https://docs.yugabyte.com/stable/explore/transactions/explicit-locking/',
      'https://docs.yugabyte.com/stable/explore/transactions/isolation-levels/',
      'https://github.com/yugabyte/yugabyte-db/issues/3642',
    ],
  },
  mysql: {
    displayName: 'MySQL',
    dialect: 'mysql',
    defaultIsolation: 'repeatable-read',
    unsupported: {},
    rowLocksNodeLocal: false,
    retryableErrors: MYSQL_RETRYABLE,
    sources: ['https://dev.mysql.com/doc/mysql-errors/8.0/en/server-error-reference.html'],
  },
  mariadb: {
    displayName: 'MariaDB',
    dialect: 'mysql',
    defaultIsolation: 'repeatable-read',
    unsupported: {},
    // A single server; Galera (node-local locks) is detected separately by `describe` (galeraOf).
    rowLocksNodeLocal: false,
    retryableErrors: [...MYSQL_RETRYABLE, { code: 1020, name: 'ER_CHECKREAD', errorClass: 'serialization' }],
    sources: ['https://mariadb.com/kb/en/mariadb-error-code-reference/'],
  },
  tidb: {
    displayName: 'TiDB',
    dialect: 'mysql',
    // Pessimistic REPEATABLE READ by default since v3.0.8; `BEGIN OPTIMISTIC` moves conflicts to COMMIT.
    defaultIsolation: 'repeatable-read',
    unsupported: {
      // GET_LOCK ("user-level locks") is N in the 5.4 column of TiDB's feature table, Y from 6.1.
      advisoryLocks: 'TiDB before 6.1 has no GET_LOCK (user-level locks)',
    },
    // Pessimistic locks are written to TiKV, not held by the tidb-server a session talks to.
    rowLocksNodeLocal: false,
    retryableErrors: [
      ...MYSQL_RETRYABLE,
      { code: 8002, name: 'SELECT FOR UPDATE write conflict (cannot retry)', errorClass: 'serialization' },
      { code: 8005, name: 'Write Conflict, txnStartTS is stale', errorClass: 'serialization' },
      { code: 8022, name: 'transaction commit failed, rolled back', errorClass: 'serialization' },
      { code: 9007, name: 'Write conflict (TiKV)', errorClass: 'serialization' },
      { code: 9004, name: 'Resolve Lock Timeout', errorClass: 'lock-timeout' },
    ],
    sources: [
      'https://docs.pingcap.com/tidb/stable/error-codes',
      'https://docs.pingcap.com/tidb/stable/pessimistic-transaction',
      'https://docs.pingcap.com/tidb/stable/optimistic-transaction',
      'https://docs.pingcap.com/tidb/stable/basic-features',
      'https://docs.pingcap.com/tidb/stable/information-functions',
    ],
  },
}

/**
 * The family behind a server, from its version string (`SELECT version()` on the PostgreSQL
 * protocol, `SELECT VERSION()` on MySQL's). Pass `version()`, not `server_version`: drivers tell
 * CockroachDB apart by `version()` containing "CockroachDB" (prisma-engines#2635, sqlx#1762);
 * YugabyteDB's `server_version` and `version()` both carry `-YB-` ('11.2-YB-2.2.0.0-b0',
 * yugabyte-db#5154); TiDB's VERSION() reads '8.0.11-TiDB-v7.5.1' (TiDB's information-functions
 * page), unless an operator changed its `server-version` setting: a caller that must not miss TiDB
 * can also try `SELECT TIDB_VERSION()`, which only TiDB answers.
 */
export function engineFamilyOf(versionString: string, dialect: Dialect): EngineFamily {
  if (dialect === 'postgres') {
    if (/\bCockroachDB\b/i.test(versionString)) return 'cockroachdb'
    if (/-YB-/.test(versionString)) return 'yugabytedb'
    return 'postgresql'
  }
  if (/-TiDB-/i.test(versionString)) return 'tidb'
  if (/mariadb/i.test(versionString)) return 'mariadb'
  return 'mysql'
}

/**
 * The capabilities this server lacks, with the reason `list` and `run` give. Version-aware where
 * the documentation is: YugabyteDB 2.25+ (and the 2025.x stable series) and TiDB 6.1+ have
 * advisory locks. An unparsable version keeps the reason: declining is safer than a lock that
 * may not exist.
 */
export function unsupportedCapabilities(family: EngineFamily, versionString: string): Partial<Record<EngineCapability, string>> {
  const reasons: Partial<Record<EngineCapability, string>> = { ...ENGINE_FACTS[family].unsupported }
  if (family === 'yugabytedb') {
    const yb = /-YB-(\d+)\.(\d+)/.exec(versionString)
    // Year-numbered stable releases: 2024.x predates advisory locks, 2025.x carries the 2.25 series.
    const [major, minor] = yb ? [Number(yb[1]), Number(yb[2])] : [0, 0]
    if (yb && (major >= 2000 ? major >= 2025 : atLeast(major, minor, 2, 25))) delete reasons.advisoryLocks
  }
  if (family === 'tidb') {
    const tidb = /-TiDB-v(\d+)\.(\d+)/i.exec(versionString)
    if (tidb && atLeast(Number(tidb[1]), Number(tidb[2]), 6, 1)) delete reasons.advisoryLocks
  }
  return reasons
}

/** (major, minor) ≥ (wantMajor, wantMinor). */
function atLeast(major: number, minor: number, wantMajor: number, wantMinor: number): boolean {
  return major > wantMajor || (major === wantMajor && minor >= wantMinor)
}
