import type { Engine } from '../../src/scenario/building-blocks.js'

/**
 * The scenario's SQL, written once with `{now}` for the server's clock at the statement's start
 * (`engine.clock`): it moves on between statements of one transaction, so a confirm inside a long
 * transaction still compares against the real time, and the time it stores is the one it compared.
 */
/** Every statement of the scenario on one engine. */
export function statements(engine: Engine) {
  const { clock } = engine
  const now = (sql: string) => sql.replaceAll('{now}', clock.now)
  return {
    /** Holds of the slot that expired but are still HELD: whoever looks at the slot next marks them EXPIRED first. */
    expireStaleOnSlot: now(`UPDATE holds SET status = 'EXPIRED', ended_at = {now} WHERE room_id = $1 AND night = $2 AND status = 'HELD' AND expires_at <= {now}`),
    slotTaken: `SELECT 1 FROM holds WHERE room_id = $1 AND night = $2 AND status IN ('HELD', 'CONFIRMED') LIMIT 1`,
    hold: `INSERT INTO holds (room_id, night, guest, held_at, expires_at) VALUES ($1, $2, $3, ${clock.now}, ${clock.plusMs('$4')})`,
    lockRoom: 'SELECT id FROM rooms WHERE id = $1 FOR UPDATE',
    /** `none`: whatever the hold became meanwhile (EXPIRED by the expirer, or expired and not yet marked). */
    confirmBlindly: now(`UPDATE holds SET status = 'CONFIRMED', confirmed_at = {now} WHERE guest = $1`),
    /** The safe confirm: only a hold still HELD and not expired; 0 rows means the hold is gone. */
    confirmIfStillHeld: now(`UPDATE holds SET status = 'CONFIRMED', confirmed_at = {now} WHERE guest = $1 AND status = 'HELD' AND expires_at > {now}`),
    /** A guest whose confirm was refused marks its own expired hold EXPIRED, rather than leave it to the expirer. */
    expireOwnHold: now(`UPDATE holds SET status = 'EXPIRED', ended_at = {now} WHERE guest = $1 AND status = 'HELD' AND expires_at <= {now}`),
    cancel: now(`UPDATE holds SET status = 'CANCELLED', ended_at = {now} WHERE guest = $1 AND status = 'HELD'`),

    // The expirer's pass, in three statements: record when it starts, sweep up to that time, then record
    // that the sweep finished. A pass that fails halfway never claims to have swept.
    startPass: now(`UPDATE expirer SET started_at = {now}, passes = passes + 1 WHERE id = 1`),
    sweep: now(`UPDATE holds SET status = 'EXPIRED', ended_at = {now} WHERE status = 'HELD' AND expires_at <= (SELECT started_at FROM expirer WHERE id = 1)`),
    finishPass: `UPDATE expirer SET swept_at = started_at WHERE id = 1`,

    // The invariants' reads.
    liveTwice: `SELECT room_id, night, count(*) AS n FROM holds WHERE status IN ('HELD', 'CONFIRMED')
      GROUP BY room_id, night HAVING count(*) > 1 ORDER BY n DESC, room_id, night`,
    /** `was_expired`: the hold had been marked EXPIRED (it has an end) before the confirm overwrote it. */
    confirmedLate: `SELECT room_id, night, guest, ${clock.msBetween('expires_at', 'confirmed_at')} AS late_ms,
      CASE WHEN ended_at IS NULL THEN 0 ELSE 1 END AS was_expired FROM holds
      WHERE status = 'CONFIRMED' AND confirmed_at >= expires_at ORDER BY late_ms DESC, id`,
    leftHeld: `SELECT h.room_id, h.night, h.guest, ${clock.msBetween('h.expires_at', 'e.swept_at')} AS overdue_ms
      FROM holds h JOIN expirer e ON e.id = 1
      WHERE h.status = 'HELD' AND h.expires_at <= e.swept_at ORDER BY overdue_ms DESC, h.id`,
    statusCounts: `SELECT status, count(*) AS n FROM holds GROUP BY status`,
    passes: `SELECT passes, CASE WHEN swept_at IS NULL THEN 0 ELSE 1 END AS swept FROM expirer WHERE id = 1`,
  }
}
