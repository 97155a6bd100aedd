import type { Redis } from 'ioredis'

/**
 * What CLIENT PAUSE holds back (Redis 6.2+). `ALL`: every command of every client, the caller's
 * included, as when Redis itself stalls (fork, swap, a long script). `WRITE`: only commands that may
 * write (and every EVAL), as during a failover; reads such as GET and PTTL still answer.
 */
export type RedisPauseMode = 'ALL' | 'WRITE'

/**
 * Pauses Redis's clients for `ms` with `CLIENT PAUSE ms ALL` (or WRITE). Resolves as soon as Redis
 * accepts it: the pause goes on for `ms` on the server, and the commands clients send meanwhile run,
 * in order, when it ends. A key's TTL keeps running through the pause (measured on Redis 7.0: a key
 * whose PX passed during a WRITE pause reads as gone, though Redis deletes it only afterwards), so a
 * pause longer than a lock's TTL lets the lock lapse while its holder's extend or release waits: the
 * race this fault is for.
 */
export async function pauseRedis(client: Redis, ms: number, mode: RedisPauseMode = 'ALL'): Promise<void> {
  if (!(Number.isInteger(ms) && ms > 0)) throw new RangeError(`the pause must be a whole number of ms above 0, not ${ms}`)
  await client.call('CLIENT', 'PAUSE', String(ms), mode)
}
