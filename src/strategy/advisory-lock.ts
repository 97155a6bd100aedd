import type { Params, StrategyContext } from '../scenario/define-scenario.js'
import { Conflict } from '../scenario/strategy-signals.js'

/**
 * Runs `fn` in a transaction while holding an advisory lock on (runId, key), so one operation per
 * key runs at a time. The lock is namespaced by the run, so concurrent runs on one server never share it.
 * - PostgreSQL: `pg_advisory_xact_lock`, taken inside the transaction and released by COMMIT/ROLLBACK;
 *   the wait is bounded by lock_timeout.
 * - MySQL/MariaDB: `GET_LOCK` is held by the session, not the transaction, so it is taken before the
 *   transaction starts and released in `finally`, even when the operation fails.
 * A lock not acquired within `--timeout` ends the operation as a conflict.
 */
export async function withAdvisoryLock<T>(ctx: StrategyContext<Params, unknown>, key: number, fn: () => Promise<T>): Promise<T> {
  const lock = ctx.engine.advisoryLock
  if (lock.scope === 'transaction') {
    return ctx.transaction(async () => {
      await ctx.lockWait(() => ctx.db.query(lock.acquire, [ctx.runId, key]))
      return fn()
    })
  }
  // A session lock is taken before the transaction and released after it, so it covers the commit.
  const { rows } = await ctx.lockWait(() => ctx.db.query<{ got: number | null }>(lock.acquire, [ctx.runId, key, Math.ceil(ctx.timeoutMs / 1_000)]))
  if (rows[0]?.got !== 1) throw new Conflict(`advisory lock racebench_${ctx.runId}_${key} not acquired within ${ctx.timeoutMs} ms`)
  try {
    return await ctx.transaction(fn)
  } finally {
    const released = await ctx.db.query(lock.release, [ctx.runId, key]).then(
      () => true,
      () => false,
    )
    if (released) ctx.lockReleased()
  }
}
