import { defineScenario, Conflict, type StrategyOutcome, withAdvisoryLock, withRedisLock, safeUnlessHolderStalls, withRedlock, withFencedRedisLock, acknowledgedVerdict, plural, wholeNumberIn } from '../src/scenario/building-blocks.js'
import { addOneActiveBookingPerSlotIndex, addSlotFences, book, checkThenBook, writeFence, LOCK_ROOM, params, safeUnlessPostgresRepeatableRead, slotNumber, slotTaken, type Slot } from './double-booking/bookings.js'
import { sendAndResend } from './double-booking/idempotency-key.js'
import { lockOutsideTransaction, longHeldLock } from './double-booking/anti-patterns.js'

export default defineScenario({
  name: 'double-booking',
  summary: 'Guests book (room, night) slots: check the slot is free, then insert (check-then-act, TOCTOU).',
  story:
    'A hotel booking API checked that a room was free for a night, then inserted the booking. Under load two ' +
    'requests for the same slot both passed the check before either inserted, and two guests arrived to one room. ' +
    'The check and the act must be made atomic: by a lock, a version check, a constraint, or serializable isolation.',
  schema: 'double-booking.sql',
  params,
  validate: (p) => [
    ...wholeNumberIn('rooms', p.rooms, 1, 10_000),
    ...wholeNumberIn('nights', p.nights, 1, 10_000),
    ...wholeNumberIn('callMs', p.callMs, 0, 60_000),
  ],
  pickKey: (rng, p): Slot => ({ room: 1 + rng.int(p.rooms), night: 1 + rng.int(p.nights) }),
  // `room 2 night 3`; a partial slot shows only what it names (`room 2`).
  showKey: ({ room, night }) => [room === undefined ? '' : `room ${room}`, night === undefined ? '' : `night ${night}`].filter(Boolean).join(' '),

  strategies: {
    none: {
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: 'SELECT to check the slot, pause, INSERT: separate statements, nothing stops two guests passing the check.',
      // With --isolation serializable the runner makes it one SERIALIZABLE transaction, and the engine
      // catches the crossing itself (measured, 16 workers on one slot: 1 booking and 15 conflicts,
      // as serialization failures on PostgreSQL and deadlocks on InnoDB). It does not retry.
      expect: ({ isolation, oneTransaction }) => (oneTransaction && isolation === 'serializable' ? 'safe' : 'unsafe'),
      run: checkThenBook,
    },
    pessimistic: {
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: "In a transaction, SELECT … FOR UPDATE the room's row, then check and insert: bookings of a room queue up.",
      expect: safeUnlessPostgresRepeatableRead,
      ownsTransaction: true,
      run: (ctx) =>
        ctx.transaction(async () => {
          await ctx.lockWait(() => ctx.db.query(LOCK_ROOM, [ctx.key.room]))
          return checkThenBook(ctx)
        }),
    },
    optimistic: {
      summary: "Read the room's version, check, then insert and bump the version if unchanged; 0 rows → roll back, retry.",
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) =>
        ctx.retry(async (): Promise<StrategyOutcome> => {
          const { rows } = await ctx.db.query<{ version: number }>('SELECT version FROM rooms WHERE id = $1', [ctx.key.room])
          const version = rows[0]?.version
          if (await slotTaken(ctx)) return 'rejected'
          await ctx.think()
          return ctx.transaction(async (): Promise<StrategyOutcome> => {
            await book(ctx)
            const bumped = await ctx.db.query('UPDATE rooms SET version = version + 1 WHERE id = $1 AND version = $2', [ctx.key.room, version])
            if (bumped.rowCount === 0) throw new Conflict(`room ${ctx.key.room} changed since it was read`)
            return 'ok'
          })
        }),
    },
    unique: {
      summary: 'A partial unique index on active bookings per slot: the second insert fails with a duplicate key (a conflict).',
      expect: 'safe',
      prepare: addOneActiveBookingPerSlotIndex,
      // A duplicate key is the answer, not retried; a certification failure on a Galera cluster (1213)
      // is retried, and the second look finds the slot taken.
      run: (ctx) => ctx.retry(() => checkThenBook(ctx)),
    },
    serializable: {
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: 'The naive check-then-insert under SERIALIZABLE isolation, retried on serialization failure.',
      expect: 'safe',
      isolation: 'serializable',
      ownsTransaction: true,
      run: (ctx) => ctx.retry(() => ctx.transaction(() => checkThenBook(ctx))),
    },
    advisory: {
      needs: ['advisoryLocks'],
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: 'An advisory lock on the slot (pg_advisory_xact_lock; GET_LOCK on MySQL), then check and insert.',
      expect: safeUnlessPostgresRepeatableRead,
      ownsTransaction: true,
      run: (ctx) => withAdvisoryLock(ctx, slotNumber(ctx), () => checkThenBook(ctx)),
    },
    'redis-lock': {
      summary: 'A Redis lease lock on the slot (SET NX PX, released by compare-and-delete), then check and insert.',
      // Safe while every operation finishes within --lock-ttl; a lease that expires first lets a second worker in.
      expect: safeUnlessHolderStalls,
      requires: ['redis'],
      // The lock must outlive the commit: released before it, the next holder could check before the
      // booking is visible (measured with --isolation, when a wrapping transaction committed later).
      ownsTransaction: true,
      run: (ctx) => withRedisLock(ctx, `slot:${slotNumber(ctx)}`, () => ctx.transaction(() => checkThenBook(ctx))),
    },
    redlock: {
      notReplayable: "Redlock's per-node timeouts count wall time, so a SET held back for its turn would count as a node that did not answer",
      summary: 'Redlock over every --redis node (a quorum of SET NX PX grants with time left, released on all), then check and insert.',
      // As redis-lock: safe while every operation finishes within --lock-ttl, now with a minority of nodes down.
      expect: safeUnlessHolderStalls,
      requires: ['redis'],
      ownsTransaction: true,
      run: (ctx) => withRedlock(ctx, `slot:${slotNumber(ctx)}`, () => ctx.transaction(() => checkThenBook(ctx))),
    },
    'redis-lock-fenced': {
      summary: 'redis-lock plus a fencing token (INCR at acquisition) the booking transaction writes first (token < ours, or refused): a holder that paused past its lease is refused.',
      // Safe even when a holder outlives its lease (--nemesis pause-worker): the later holder's token is already written.
      expect: 'safe',
      requires: ['redis'],
      ownsTransaction: true,
      prepare: addSlotFences,
      run: (ctx) =>
        withFencedRedisLock(ctx, `slot:${slotNumber(ctx)}`, (token) =>
          ctx.transaction(async () => {
            await writeFence(ctx, token)
            return checkThenBook(ctx)
          }),
        ),
    },
    'idempotency-key': {
      summary: "Each request is re-sent under the same key: claim it, book (a unique index guards the slot), store the answer; the copy gets it.",
      expect: 'safe',
      ownsTransaction: true,
      prepare: addOneActiveBookingPerSlotIndex,
      run: sendAndResend,
    },
    'lock-outside-transaction': {
      summary: "Anti-pattern: SELECT … FOR UPDATE the room in autocommit, so the lock is gone before the check and the insert.",
      // It opens no transaction, whatever --isolation says: every statement commits, and its lock ends, on its own.
      expect: 'unsafe',
      ownsTransaction: true,
      run: lockOutsideTransaction,
    },
    'long-held-lock': {
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: 'Anti-pattern: pessimistic plus an external call (--param callMs) made while the room stays locked: safe, but slow.',
      expect: safeUnlessPostgresRepeatableRead,
      ownsTransaction: true,
      run: longHeldLock,
    },
  },

  invariants: {
    'no double booking': async ({ db }) => {
      const { rows } = await db.query<{ room_id: number; night: number; n: number }>(
        `SELECT room_id, night, count(*) AS n FROM bookings WHERE status = 'active'
         GROUP BY room_id, night HAVING count(*) > 1 ORDER BY n DESC, room_id, night`,
      )
      if (rows.length === 0) {
        const { rows: totals } = await db.query<{ slots: number }>(
          `SELECT count(*) AS slots FROM (SELECT DISTINCT room_id, night FROM bookings WHERE status = 'active') AS booked`,
        )
        return { held: true, detail: `${plural(totals[0]?.slots ?? 0, 'slot')} booked, none twice` }
      }
      const worst = rows.slice(0, 3).map((r) => `room ${r.room_id} on night ${r.night} has ${r.n} active bookings`)
      const more = rows.length > 3 ? ` (${rows.length} slots double-booked in all)` : ''
      const broken = rows.map((r) => ({ key: { room: r.room_id, night: r.night }, detail: `${r.n} active bookings` }))
      return { held: false, detail: worst.join('; ') + more, broken }
    },
    // A request is its guest (`guest-3-17`): a copy of it that booked again shows here.
    'active bookings = ok outcomes': async ({ db, outcomes }) => {
      const { rows } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM bookings WHERE status = 'active'`)
      return acknowledgedVerdict(rows[0]?.n ?? 0, outcomes, { found: 'active bookings', lost: 'acknowledged bookings lost' })
    },
  },
})
