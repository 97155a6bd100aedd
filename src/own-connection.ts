import type { Session } from './engines/session.js'
import type { Target } from './engines/target.js'
import { settleWithin, type Watchdog } from './runner/watchdog.js'

/**
 * Runs scenario code that works outside the workload (prepare, the invariants) on a connection of its
 * own, closed afterwards. Code that hangs inside a transaction then strands only that connection:
 * closing it rolls the transaction back and frees its locks, and the admin connection, which drops the
 * schema at the end, never ran its statements (PostgreSQL would also have ended it for idling in that
 * transaction). Workers are not connected at either time, so the run never needs more connections.
 */
export async function onOwnConnection<T>(target: Target, watchdog: Watchdog, fn: (db: Session) => Promise<T>): Promise<T> {
  const db = await target.connect()
  try {
    return await fn(db)
  } finally {
    await settleWithin(db.close(), watchdog.graceMs)
  }
}

/** `fn` with a connection of its own to a scenario's second database, or with none when it has none. */
export function onOwnSecond<T>(second: Target | undefined, watchdog: Watchdog, fn: (db2: Session | undefined) => Promise<T>): Promise<T> {
  return second ? onOwnConnection(second, watchdog, fn) : fn(undefined)
}
