// What every double-booking strategy builds on: the slot, its check, its booking, the naive handler.
import { Conflict, unsafeWhenSnapshotPrecedesLocks, type StrategyContext, type PrepareContext as AnyPrepareContext } from '../../src/scenario/building-blocks.js'

/** `callMs`: how long the external call of `long-held-lock` takes; no other strategy reads it. */
export const params = { rooms: 5, nights: 5, callMs: 20 }
export type Slot = { readonly room: number; readonly night: number }
export type Ctx = StrategyContext<typeof params, Slot>

/**
 * A lock taken inside a REPEATABLE READ transaction protects nothing in PostgreSQL: the snapshot is
 * taken when the locking statement starts, before the lock is granted, so the check that follows
 * cannot see the booking the previous lock holder committed (measured: 16 bookings for one slot).
 * InnoDB differs: a locking read (FOR UPDATE) does not fix the snapshot, the first plain SELECT after
 * it does, and MySQL's GET_LOCK is taken before the transaction starts; both stay safe there.
 */
export const safeUnlessPostgresRepeatableRead = unsafeWhenSnapshotPrecedesLocks

const SLOT_TAKEN = `SELECT 1 FROM bookings WHERE room_id = $1 AND night = $2 AND status = 'active' LIMIT 1`
const BOOK = `INSERT INTO bookings (room_id, night, guest) VALUES ($1, $2, $3)`
export const LOCK_ROOM = 'SELECT id FROM rooms WHERE id = $1 FOR UPDATE'

export async function slotTaken({ db, key }: Ctx): Promise<boolean> {
  return (await db.query(SLOT_TAKEN, [key.room, key.night])).rowCount > 0
}

/** The guest is the request: `guest-3-17` is worker 3's 17th operation, whatever it is replayed as. */
export function guestOf({ worker, iteration }: Ctx): string {
  return `guest-${worker}-${iteration}`
}

export async function book(ctx: Ctx): Promise<void> {
  await ctx.db.query(BOOK, [ctx.key.room, ctx.key.night, guestOf(ctx)])
}

/** The slot as one number, 0-based: lock keys. */
export function slotNumber({ key, params }: Ctx): number {
  return (key.room - 1) * params.nights + (key.night - 1)
}

/** The naive handler every strategy builds on: check the slot is free, pause, book it. */
export async function checkThenBook(ctx: Ctx): Promise<'ok' | 'rejected'> {
  if (await slotTaken(ctx)) return 'rejected'
  await ctx.think()
  await book(ctx)
  return 'ok'
}

/** One fencing row per slot, token 0: `redis-lock-fenced` moves it up with every booking it makes. */
export async function addSlotFences({ db, params: p }: AnyPrepareContext<typeof params>): Promise<void> {
  await db.query(`CREATE TABLE slot_fences (room_id INT NOT NULL, night INT NOT NULL, token BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (room_id, night))`)
  const slots: string[] = []
  for (let room = 1; room <= p.rooms; room++) for (let night = 1; night <= p.nights; night++) slots.push(`(${room}, ${night}, 0)`)
  await db.query(`INSERT INTO slot_fences (room_id, night, token) VALUES ${slots.join(', ')}`)
}

/**
 * The storage's check of a fencing token (Kleppmann): the slot's token moves up to ours only if ours is
 * higher. 0 rows: a later lock holder already wrote, so this one outlived its lease: a conflict. It must
 * be the transaction's first write, before the check: its row lock then keeps the slot until commit, so
 * the check and the booking it decides are judged under one token. Checked only at the booking, it
 * let a stale holder that woke first book, and the later holder, whose check had seen the slot free,
 * book too (measured: 3 double bookings in 20 runs).
 */
export async function writeFence(ctx: Ctx, token: number): Promise<void> {
  const { rowCount } = await ctx.db.query('UPDATE slot_fences SET token = $3 WHERE room_id = $1 AND night = $2 AND token < $3', [ctx.key.room, ctx.key.night, token])
  if (rowCount === 0) throw new Conflict(`fencing token ${token} is stale: a later holder of the slot's lock already wrote`)
}

/** At most one active booking per slot, enforced by the database: the `unique` strategy's guarantee. */
export async function addOneActiveBookingPerSlotIndex({ db, engine }: AnyPrepareContext<typeof params>): Promise<void> {
  await db.query(engine.uniqueWhere({ table: 'bookings', index: 'bookings_one_active_per_slot', columns: ['room_id', 'night'], where: `status = 'active'` }))
}
