// Two ways to get pessimistic locking wrong, kept as strategies a workshop can show.
import { setTimeout as sleep } from 'node:timers/promises'
import { checkThenBook, LOCK_ROOM, type Ctx } from './bookings.js'

/**
 * `FOR UPDATE` outside a transaction: in autocommit the statement is its own transaction, so the row
 * lock is released the moment the SELECT returns, before the check and long before the insert. It
 * owns its transaction handling (it opens none), so even `--isolation` leaves every statement on its
 * own and the race stays open.
 */
export async function lockOutsideTransaction(ctx: Ctx): Promise<'ok' | 'rejected'> {
  await ctx.lockWait(() => ctx.db.query(LOCK_ROOM, [ctx.key.room]))
  ctx.note('lock released', `room ${ctx.key.room}'s lock ended with its autocommit SELECT`)
  return checkThenBook(ctx)
}

/**
 * `pessimistic` plus an external call (a payment provider, an e-mail) of --param callMs made while the
 * room's row is locked: still correct, but every booking of the room waits for the calls of all the
 * bookings queued before it, so throughput falls to about one booking attempt per callMs per room.
 */
export function longHeldLock(ctx: Ctx): Promise<'ok' | 'rejected'> {
  return ctx.transaction(async () => {
    await ctx.lockWait(() => ctx.db.query(LOCK_ROOM, [ctx.key.room]))
    const outcome = await checkThenBook(ctx)
    ctx.note('external call', `${ctx.params.callMs} ms call made while room ${ctx.key.room} stays locked`)
    await sleep(ctx.params.callMs)
    return outcome
  })
}
