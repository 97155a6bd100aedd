import { plural, type InvariantContext, type Params, type Verdict } from '../../src/scenario/building-blocks.js'
import { statements } from './statements.js'

type Slot = { readonly room: number; readonly night: number }
type Check = (ctx: InvariantContext<Params>) => Promise<Verdict<Slot>>

/** The first three of a list of findings, and how many there are in all. */
function summarise(lines: readonly string[], what: string): string {
  return lines.slice(0, 3).join('; ') + (lines.length > 3 ? ` (${lines.length} ${what} in all)` : '')
}

/** At most one HELD-or-CONFIRMED hold per slot: two guests never both hold or own one room for one night. */
export const oneLiveHoldPerSlot: Check = async ({ db, engine }) => {
  const { rows } = await db.query<{ room_id: number; night: number; n: number }>(statements(engine).liveTwice)
  if (rows.length === 0) return { held: true, detail: 'no slot has more than one HELD or CONFIRMED hold' }
  const lines = rows.map((r) => `room ${r.room_id} on night ${r.night} has ${r.n} HELD or CONFIRMED holds`)
  const broken = rows.map((r) => ({ key: { room: Number(r.room_id), night: Number(r.night) }, detail: `${r.n} HELD or CONFIRMED holds` }))
  return { held: false, detail: summarise(lines, 'slots'), broken }
}

/** No CONFIRMED hold whose confirm came at or after its expiry (`confirmed_at` and `expires_at` are both the server's clock). */
export const noConfirmAfterExpiry: Check = async ({ db, engine }) => {
  const { rows } = await db.query<{ room_id: number; night: number; guest: string; late_ms: number | string; was_expired: number | string }>(statements(engine).confirmedLate)
  if (rows.length === 0) return { held: true, detail: 'every CONFIRMED hold was confirmed before it expired' }
  const late = (r: (typeof rows)[number]) => `${Number(r.late_ms)} ms after it expired${Number(r.was_expired) ? ' (it had been marked EXPIRED)' : ''}`
  const lines = rows.map((r) => `${r.guest}'s hold on room ${r.room_id} night ${r.night} was confirmed ${late(r)}`)
  const broken = rows.map((r) => ({ key: { room: Number(r.room_id), night: Number(r.night) }, detail: `${r.guest}'s hold confirmed ${late(r)}` }))
  return { held: false, detail: summarise(lines, 'late confirms'), broken }
}

/**
 * Every hold ends CONFIRMED, CANCELLED or EXPIRED: none is still HELD although it had expired when
 * the expirer last finished a sweep. Judged against that sweep, not against the time of the check:
 * the expirer stops with the workers, so a hold that expired after its last pass (a guest who failed
 * between hold and confirm, late in the run) is nobody's fault yet, and sweeping here would hide an
 * expirer that misses holds.
 */
export const noHoldLeftHeld: Check = async ({ db, engine }) => {
  const sql = statements(engine)
  const { rows } = await db.query<{ room_id: number; night: number; guest: string; overdue_ms: number | string }>(sql.leftHeld)
  const { rows: counts } = await db.query<{ status: string; n: number | string }>(sql.statusCounts)
  const { rows: passes } = await db.query<{ passes: number | string; swept: number | string }>(sql.passes)
  const count = (status: string) => Number(counts.find((c) => c.status === status)?.n ?? 0)
  const tally = `${count('CONFIRMED')} CONFIRMED, ${count('CANCELLED')} CANCELLED, ${count('EXPIRED')} EXPIRED, ${count('HELD')} HELD`
  const swept = Number(passes[0]?.swept ?? 0) > 0
  const ran = `the expirer made ${plural(Number(passes[0]?.passes ?? 0), 'pass', 'passes')}`
  if (rows.length === 0) {
    return { held: true, detail: swept ? `${tally}; ${ran}, none left a hold HELD past its expiry` : `${tally}; the expirer never finished a pass` }
  }
  const lines = rows.map((r) => `${r.guest}'s hold on room ${r.room_id} night ${r.night} was still HELD ${Number(r.overdue_ms)} ms past its expiry at the last sweep`)
  const broken = rows.map((r) => ({ key: { room: Number(r.room_id), night: Number(r.night) }, detail: `${r.guest}'s hold left HELD past its expiry` }))
  return { held: false, detail: `${summarise(lines, 'holds')} (${ran})`, broken }
}
