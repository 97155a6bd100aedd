import type { ErrorClass } from '../history/outcome.js'

/** SQLSTATE → class, for PostgreSQL (https://www.postgresql.org/docs/current/errcodes-appendix.html). */
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

/** Node's socket errors: the connection itself is gone. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', 'ECONNABORTED'])

/**
 * Puts a driver error in one of racebench's classes, by SQLSTATE where the server sent one
 * (as postgres.js does), else by the socket error.
 */
export function classifyError(error: unknown): ErrorClass {
  if (error instanceof ConnectionLost) return 'connection'
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code === 'string') {
    const known = POSTGRES_CLASSES[code]
    if (known) return known
    if (code.startsWith('08') || SOCKET_CODES.has(code)) return 'connection'
  }
  const message = error instanceof Error ? error.message : ''
  // node-postgres reports a dropped socket without a code.
  if (/connection terminated|not queryable|socket hang up/i.test(message)) return 'connection'
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
