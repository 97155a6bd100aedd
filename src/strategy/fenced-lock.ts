import type { Params, StrategyContext } from '../scenario/define-scenario.js'
import { nextFencingToken } from './fencing.js'
import { withRedisLock } from './redis-lock.js'

/**
 * The Redis lease lock of `withRedisLock`, plus a fencing token: `INCR` on the lock's own counter right
 * after acquiring, handed to `fn`, which must have the database check it on write (see fencing.ts): a
 * holder that paused past its lease then finds a higher token already written, and its write is refused.
 */
export async function withFencedRedisLock<T>(ctx: StrategyContext<Params, unknown>, name: string, fn: (token: number) => Promise<T>): Promise<T> {
  const redis = ctx.redis
  if (!redis) throw new Error("withFencedRedisLock needs a strategy that declares requires: ['redis']")
  return withRedisLock(ctx, name, async () => fn(await nextFencingToken(redis.client, redis.key(`fence:${name}`))))
}
