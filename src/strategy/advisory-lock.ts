import type { Session } from '../target/session.js'

/**
 * Takes a PostgreSQL transaction-level advisory lock on (runId, key), released at COMMIT or ROLLBACK.
 * The two-key form keeps concurrent runs on one server from sharing locks. Waits at most lock_timeout.
 */
export async function advisoryXactLock(db: Session, runId: number, key: number): Promise<void> {
  await db.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [runId, key])
}
