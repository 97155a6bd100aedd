import { defineScenario, type StrategyContext, type StrategyOutcome, unsafeWhenSnapshotPrecedesLocks, withRedisLock, safeUnlessHolderStalls, withRedlock, wholeNumberIn } from '../src/scenario/building-blocks.js'
import { noConfirmAfterExpiry, noHoldLeftHeld, oneLiveHoldPerSlot } from './hold-confirm-release/invariants.js'
import { statements } from './hold-confirm-release/statements.js'

/**
 * A guest who confirms after one --think is well within `holdMs`; a slow guest (`slowPercent` of them)
 * walks away for `holdMs` more and comes back to an expired hold. `holdMs` is long beside a step so
 * `racebench explain`, which takes its time between steps, replays the same race every time.
 */
const params = { rooms: 2, nights: 3, holdMs: 500, cancelPercent: 20, slowPercent: 25, expirers: 1, sweepMs: 5 }
type Params = typeof params
type Slot = { readonly room: number; readonly night: number }
type Ctx = StrategyContext<Params, Slot>

/** As in double-booking: in PostgreSQL's REPEATABLE READ the snapshot predates the room lock, so the check misses the previous holder's hold. */
const safeUnlessPostgresRepeatableRead = unsafeWhenSnapshotPrecedesLocks

const guestOf = ({ worker, iteration }: Ctx) => `guest-${worker}-${iteration}`

/**
 * What this guest does after holding, 0-99, from its worker and operation numbers alone, so a seed
 * repeats a run (the context has no generator). 29 is coprime with 100: a worker's guests walk through
 * every value, and the first guest of workers 0 and 1 (explain's race) neither cancels nor dawdles.
 */
const habit = ({ worker, iteration }: Ctx) => ((worker + 1) * 7919 + (iteration + 1) * 104_729) % 100
const cancels = (ctx: Ctx) => habit(ctx) < ctx.params.cancelPercent
const isSlow = (ctx: Ctx) => habit(ctx) >= 100 - ctx.params.slowPercent

/** Marks the slot's expired holds EXPIRED (one statement): an expired hold must not keep the slot taken. */
async function expireStaleOnSlot(ctx: Ctx): Promise<void> {
  await ctx.db.query(statements(ctx.engine).expireStaleOnSlot, [ctx.key.room, ctx.key.night])
}

/** Check the slot is free, pause, hold it: true when this guest now holds the slot. */
async function checkThenHold(ctx: Ctx): Promise<boolean> {
  const sql = statements(ctx.engine)
  const { room, night } = ctx.key
  if ((await ctx.db.query(sql.slotTaken, [room, night])).rowCount > 0) return false
  await ctx.think()
  await ctx.db.query(sql.hold, [room, night, guestOf(ctx), ctx.params.holdMs])
  return true
}

/**
 * The hold phase of `none` and `unique`: expire the slot's stale holds, then check and hold in one
 * transaction, committed before the guest goes on to pay, as a two-phase booking must (the expirer and
 * the other guests see the hold). Expiring outside that transaction matters on InnoDB: inside it, the
 * UPDATE's gap locks on the slot would make two guests' inserts deadlock, and hide `none`'s race.
 */
async function expireThenHold(ctx: Ctx): Promise<boolean> {
  await expireStaleOnSlot(ctx)
  return ctx.transaction(() => checkThenHold(ctx))
}

/** `none`'s confirm: sets CONFIRMED whatever the hold became meanwhile. */
async function confirmBlindly(ctx: Ctx): Promise<boolean> {
  await ctx.db.query(statements(ctx.engine).confirmBlindly, [guestOf(ctx)])
  return true
}

/** HELD → CONFIRMED only while unexpired; refused, the guest marks its own expired hold EXPIRED. */
async function confirmIfStillHeld(ctx: Ctx): Promise<boolean> {
  const sql = statements(ctx.engine)
  if ((await ctx.db.query(sql.confirmIfStillHeld, [guestOf(ctx)])).rowCount > 0) return true
  await ctx.db.query(sql.expireOwnHold, [guestOf(ctx)])
  return false
}

/**
 * One guest: hold the slot, think it over (a slow guest for longer than the hold), then cancel or
 * confirm. A cancel is `ok` (the guest got what it asked for); a slot taken or a confirm refused is `rejected`.
 */
async function guest(ctx: Ctx, hold: (ctx: Ctx) => Promise<boolean>, confirm: (ctx: Ctx) => Promise<boolean>): Promise<StrategyOutcome> {
  if (!(await hold(ctx))) return 'rejected'
  await ctx.think()
  if (isSlow(ctx)) {
    ctx.note('away', `${guestOf(ctx)} comes back after ${ctx.params.holdMs} ms, when the hold has run out`)
    await sleep(ctx.params.holdMs)
  }
  if (cancels(ctx)) {
    await ctx.db.query(statements(ctx.engine).cancel, [guestOf(ctx)])
    return 'ok'
  }
  return (await confirm(ctx)) ? 'ok' : 'rejected'
}

/** The slot as one number, 0-based: lock keys. */
const slotNumber = ({ key, params: p }: Ctx) => (key.room - 1) * p.nights + (key.night - 1)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export default defineScenario({
  name: 'hold-confirm-release',
  summary: 'Guests hold a (room, night) slot, then confirm or cancel; an expirer marks stale holds EXPIRED (two-phase booking).',
  story:
    'A booking site let a guest hold a room for a few minutes while paying, then confirm. The hold was placed after ' +
    'checking the slot was free, and the confirm just set CONFIRMED. Two guests who checked at once both got a hold; a ' +
    'guest who paid after the hold ran out still got a CONFIRMED booking, sometimes on a slot the expirer had already ' +
    'released to someone else. The hold must be placed atomically (a lock, a unique index on live holds), and the confirm ' +
    'must be one conditional UPDATE on status and expiry, judged by the database clock the expirer also uses.',
  schema: 'hold-confirm-release.sql',
  params,
  validate: (p) => [
    ...wholeNumberIn('rooms', p.rooms, 1, 10_000),
    ...wholeNumberIn('nights', p.nights, 1, 10_000),
    // At most 5 s: a slow guest sleeps that long with no step, and the run's stall watchdog allows ~11 s.
    ...wholeNumberIn('holdMs', p.holdMs, 1, 5_000),
    ...wholeNumberIn('cancelPercent', p.cancelPercent, 0, 100),
    ...wholeNumberIn('slowPercent', p.slowPercent, 0, 100),
    ...wholeNumberIn('expirers', p.expirers, 0, 16),
    ...wholeNumberIn('sweepMs', p.sweepMs, 0, 60_000),
  ],
  pickKey: (rng, p): Slot => ({ room: 1 + rng.int(p.rooms), night: 1 + rng.int(p.nights) }),
  showKey: ({ room, night }) => [room === undefined ? '' : `room ${room}`, night === undefined ? '' : `night ${night}`].filter(Boolean).join(' '),

  readers: {
    summary: 'The expirer: every `sweepMs`, marks every HELD hold past its expiry EXPIRED, by the database clock.',
    count: (p) => p.expirers,
    read: async ({ db, engine, params: p }) => {
      await sleep(p.sweepMs)
      const sql = statements(engine)
      await db.query(sql.startPass)
      await db.query(sql.sweep)
      await db.query(sql.finishPass)
    },
  },

  strategies: {
    none: {
      summary: 'Check the slot, pause, INSERT the hold (one transaction); confirm with a plain UPDATE that re-checks neither status nor expiry.',
      // Whatever the isolation: a slow guest's confirm lands after its hold expired, and nothing stops it.
      // (SERIALIZABLE does stop two holds on one slot: the hold is one transaction at that level.)
      expect: 'unsafe',
      ownsTransaction: true,
      run: (ctx) => guest(ctx, expireThenHold, confirmBlindly),
    },
    'locked-hold': {
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: "Lock the room's row (FOR UPDATE), check, insert the hold; confirm with UPDATE … WHERE status = 'HELD' AND expires_at > now (0 rows → rejected).",
      expect: safeUnlessPostgresRepeatableRead,
      ownsTransaction: true,
      run: (ctx) =>
        guest(
          ctx,
          () =>
            ctx.transaction(async () => {
              await ctx.lockWait(() => ctx.db.query(statements(ctx.engine).lockRoom, [ctx.key.room]))
              await expireStaleOnSlot(ctx)
              return checkThenHold(ctx)
            }),
          confirmIfStillHeld,
        ),
    },
    unique: {
      summary: 'A unique index on HELD/CONFIRMED holds per slot (partial on PostgreSQL, a generated column on MySQL); the conditional confirm.',
      expect: 'safe',
      prepare: async ({ db, engine }) => {
        await db.query(engine.uniqueWhere({ table: 'holds', index: 'holds_one_live_per_slot', columns: ['room_id', 'night'], where: `status IN ('HELD', 'CONFIRMED')` }))
      },
      ownsTransaction: true,
      run: (ctx) => guest(ctx, expireThenHold, confirmIfStillHeld),
    },
    'redis-lock': {
      summary: 'A Redis lease lock on the slot around check and hold (released after the commit); the conditional confirm.',
      // Safe while every hold phase finishes within --lock-ttl.
      expect: safeUnlessHolderStalls,
      requires: ['redis'],
      ownsTransaction: true,
      run: (ctx) => guest(ctx, () => withRedisLock(ctx, `slot:${slotNumber(ctx)}`, () => ctx.transaction(async () => {
        await expireStaleOnSlot(ctx)
        return checkThenHold(ctx)
      })), confirmIfStillHeld),
    },
    redlock: {
      notReplayable: "Redlock's per-node timeouts count wall time, so a SET held back for its turn would count as a node that did not answer",
      summary: 'Redlock over every --redis node around check and hold (released after the commit); the conditional confirm.',
      // As redis-lock: safe while every hold phase finishes within --lock-ttl, now with a minority of nodes down.
      expect: safeUnlessHolderStalls,
      requires: ['redis'],
      ownsTransaction: true,
      run: (ctx) => guest(ctx, () => withRedlock(ctx, `slot:${slotNumber(ctx)}`, () => ctx.transaction(async () => {
        await expireStaleOnSlot(ctx)
        return checkThenHold(ctx)
      })), confirmIfStillHeld),
    },
  },

  invariants: {
    'at most one HELD or CONFIRMED hold per slot': oneLiveHoldPerSlot,
    'no hold confirmed after it expired': noConfirmAfterExpiry,
    'no hold left HELD past its expiry': noHoldLeftHeld,
  },
})
