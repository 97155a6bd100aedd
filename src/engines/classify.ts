import type { ErrorClass } from '../history/outcome.js'

/**
 * SQLSTATE → class, for PostgreSQL (https://www.postgresql.org/docs/current/errcodes-appendix.html).
 * CockroachDB reports every transaction retry error (RETRY_WRITE_TOO_OLD, RETRY_SERIALIZABLE, …) as
 * 40001 "restart transaction", and YugabyteDB its conflicts as 40001 and deadlocks as 40P01, so
 * both are covered by PostgreSQL's codes.
 */
const POSTGRES_CLASSES: Readonly<Record<string, ErrorClass>> = {
  '40001': 'serialization', // serialization_failure
  '40P01': 'deadlock', // deadlock_detected
  '55P03': 'lock-timeout', // lock_not_available: lock_timeout, NOWAIT
  '57014': 'lock-timeout', // query_canceled: statement_timeout, in a race almost always a lock wait
  '23505': 'unique', // unique_violation
  '57P01': 'connection', // admin_shutdown
  '57P02': 'connection', // crash_shutdown
  '57P03': 'connection', // cannot_connect_now
}

/** MySQL / MariaDB error numbers → class (mysql2 puts them in `errno`). */
const MYSQL_CLASSES: Readonly<Record<number, ErrorClass>> = {
  1062: 'unique', // ER_DUP_ENTRY
  1213: 'deadlock', // ER_LOCK_DEADLOCK: InnoDB also reports SERIALIZABLE conflicts this way
  // ER_AUTOINC_READ_FAILED: MariaDB's report of a deadlock whose victim waited for the AUTO-INC lock
  // (INSERT … SELECT crossing another; SHOW ENGINE INNODB STATUS lists it as a deadlock, MDEV-33593).
  1467: 'deadlock',
  1205: 'lock-timeout', // ER_LOCK_WAIT_TIMEOUT: innodb_lock_wait_timeout
  3572: 'lock-timeout', // ER_LOCK_NOWAIT
  1969: 'lock-timeout', // ER_STATEMENT_TIMEOUT: MariaDB max_statement_time
  3024: 'lock-timeout', // ER_QUERY_TIMEOUT: MySQL max_execution_time
  1020: 'serialization', // ER_CHECKREAD: MariaDB "Record has changed since last read" (snapshot isolation)
  1053: 'connection', // ER_SERVER_SHUTDOWN
  1152: 'connection', // ER_ABORTING_CONNECTION
  1927: 'connection', // ER_CONNECTION_KILLED (MariaDB)
  2006: 'connection', // CR_SERVER_GONE_ERROR
  2013: 'connection', // CR_SERVER_LOST
  4031: 'connection', // ER_CLIENT_INTERACTION_TIMEOUT (MySQL 8)
  // TiDB's own numbers (https://docs.pingcap.com/tidb/stable/error-codes); MariaDB uses none
  // of them (MariaDB 10.11's perror calls each "Illegal error code"). The conflict ones are documented
  // as safe to retry: "the application can safely retry the whole transaction".
  8002: 'serialization', // SELECT FOR UPDATE txn hit a commit conflict in optimistic mode; rolled back
  8005: 'serialization', // "Write Conflict, txnStartTS is stale"
  8022: 'serialization', // transaction commit failed and was rolled back; safe to rerun
  9007: 'serialization', // write conflict in TiKV (optimistic transactions conflict at COMMIT)
  9004: 'lock-timeout', // "Resolve Lock Timeout": waiting out other transactions' locks under contention
  // Not mapped, so 'other': 9005 "Region is unavailable", 9001/9002 PD/TiKV timeouts, 9006 GC life
  // time. The client's connection to tidb-server is intact, and racebench's 'connection' would
  // make the runner treat the session as lost; 8028 (schema changed during the transaction) needs
  // a concurrent DDL, which no scenario runs.
}

/** mysql2's own codes for a connection it lost. */
const MYSQL_CONNECTION_CODES = new Set(['PROTOCOL_CONNECTION_LOST', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CONNECTION_KILLED'])

/** Node's socket errors: the connection itself is gone. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ECONNABORTED'])

/**
 * Puts a driver error in one of racebench's classes: by SQLSTATE from PostgreSQL (as postgres.js
 * does), by error number from MySQL/MariaDB, else by the socket error.
 */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof ConnectionLost) return 'connection'
  const { code, errno, sqlMessage, fatal } = (error ?? {}) as { code?: unknown; errno?: unknown; sqlMessage?: unknown; fatal?: unknown }
  // A server error from mysql2 carries `sqlMessage`; Node's socket errors have a (negative) errno too.
  if (typeof errno === 'number' && typeof sqlMessage === 'string') {
    const known = MYSQL_CLASSES[errno]
    if (known) return known
  }
  if (typeof code === 'string' && MYSQL_CONNECTION_CODES.has(code)) return 'connection'
  if (fatal === true) return 'connection'
  if (typeof code === 'string') {
    const known = POSTGRES_CLASSES[code]
    if (known) return known
    if (code.startsWith('08') || SOCKET_CODES.has(code)) return 'connection'
  }
  const message = error instanceof Error ? error.message : ''
  // node-postgres reports a dropped socket without a code.
  if (/connection terminated|not queryable|socket hang up|closed state/i.test(message)) return 'connection'
  return 'other'
}

/**
 * The connection broke during a statement. `indeterminate` is true when the statement may have
 * taken effect anyway: a COMMIT, or a write outside a transaction (its autocommit may have landed
 * before the socket died). The runner records such operations as `unknown`, never as failed.
 */
export class ConnectionLost extends Error {
  override readonly name = 'ConnectionLost'
  constructor(
    readonly indeterminate: boolean,
    cause: unknown,
  ) {
    super(cause instanceof Error ? cause.message : String(cause), { cause })
  }
}
