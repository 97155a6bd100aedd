import type { Redis } from 'ioredis'

/**
 * Fencing tokens (Kleppmann, "How to do distributed locking"): a lock alone cannot stop a holder that
 * paused past its lease from writing after the next holder did. So each acquisition also draws a
 * number that only grows, and the database refuses a write carrying a number lower than one it has
 * already seen. The check is the storage's, not the lock's:
 *
 * ```sql
 * -- the guarded row has a column `fence bigint NOT NULL DEFAULT 0`
 * UPDATE rooms SET booked_by = $2, fence = $3 WHERE id = $1 AND fence < $3
 * ```
 *
 * 1 row: the write carried the newest token. 0 rows: a later holder already wrote, so this holder is
 * stale and its write must be treated as a conflict (never retried with the same token). With `<`, a
 * holder's second write to the same row under the same token also finds 0 rows: use `<=` where one
 * holder may write a row more than once.
 */

/**
 * The next fencing token: `INCR counterKey`, so every acquirer gets a number larger than all earlier
 * ones (1 for the first). Take it right after acquiring the lock and before the first write.
 */
export async function nextFencingToken(client: Redis, counterKey: string): Promise<number> {
  const token = await client.incr(counterKey)
  // INCR answers a 64-bit integer; past 2^53 a JavaScript number would compare tokens wrongly.
  if (!Number.isSafeInteger(token)) throw new Error(`fencing counter ${counterKey} reached ${token}, past what a token can compare exactly`)
  return token
}
