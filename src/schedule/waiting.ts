import type { Session } from '../engines/session.js'
import { blockersOf } from './lock-waits.js'

/**
 * The sessions that session `sessionId` waits for on a lock right now ([] when it is not waiting).
 * The lock manager answers through `blockersOf`. MySQL's and MariaDB's user locks (GET_LOCK, what the
 * `advisory` strategy takes there) are not InnoDB locks and no lock-wait view lists them: a session
 * waiting on one shows the state `User lock` (MySQL 8: `Waiting for user level lock`), and in a
 * scheduled run the only other session that can hold the run's own lock names is another worker.
 */
export async function waitingFor(probe: Session, sessionId: number, otherWorkers: readonly number[]): Promise<number[]> {
  const blockers = await blockersOf(probe, sessionId)
  if (blockers.length > 0 || probe.dialect !== 'mysql') return blockers
  const { rows } = await probe.query<{ state: string | null }>('SELECT STATE AS state FROM information_schema.PROCESSLIST WHERE ID = $1', [sessionId])
  const state = rows[0]?.state ?? ''
  return /user (level )?lock/i.test(state) ? [...otherWorkers] : []
}
