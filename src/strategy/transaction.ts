import type { IsolationLevel } from '../config.js'
import type { Session } from '../engines/session.js'

/** Runs `fn` in one transaction: commits when it returns, rolls back when it throws. */
export async function inTransaction<T>(db: Session, isolation: IsolationLevel | undefined, fn: () => Promise<T>): Promise<T> {
  await db.begin(isolation)
  try {
    const result = await fn()
    await db.commit()
    return result
  } catch (error) {
    await db.rollback()
    throw error
  }
}
