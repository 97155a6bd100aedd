import { Conflict, type Params, type StrategyContext } from '../scenario/define-scenario.js'

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
  if (ctx.dialect === 'postgres') {
    return ctx.transaction(async () => {
      await ctx.lockWait(() => ctx.db.query('SELECT pg_advisory_xact_lock($1::int, $2::int)', [ctx.runId, key]))
      return fn()
    })
  }
  const name = `racebench_${ctx.runId}_${key}`
  const { rows } = await ctx.lockWait(() => ctx.db.query<{ got: number | null }>('SELECT GET_LOCK($1, $2) AS got', [name, Math.ceil(ctx.timeoutMs / 1_000)]))
  if (rows[0]?.got !== 1) throw new Conflict(`advisory lock ${name} not acquired within ${ctx.timeoutMs} ms`)
  try {
    return await ctx.transaction(fn)
  } finally {
    const released = await ctx.db.query('SELECT RELEASE_LOCK($1)', [name]).then(
      () => true,
      () => false,
    )
    if (released) ctx.lockReleased()
  }
}
