import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Params, StrategyContext } from '../scenario/define-scenario.js'
import { Conflict } from '../scenario/strategy-signals.js'

/** Deletes the lock only if it still holds our token: a worker never frees a lock another one holds. */
const COMPARE_AND_DELETE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

/**
 * Runs `fn` while holding a Redis lease lock on `name`: `SET key token NX PX ttl`, retried with
 * backoff until `--timeout` (then the operation is a conflict), released with a Lua
 * compare-and-delete. A lease that expired before release is counted as lost: the known danger of
 * lease locks, since another worker may have held the "same" lock meanwhile.
 */
export async function withRedisLock<T>(ctx: StrategyContext<Params, unknown>, name: string, fn: () => Promise<T>): Promise<T> {
  const redis = ctx.redis
  if (!redis) throw new Error('withRedisLock needs a strategy that declares requires: [\'redis\']')
  const key = redis.key(`lock:${name}`)
  const token = `${ctx.worker}:${ctx.iteration}:${randomBytes(6).toString('hex')}`

  await ctx.lockWait(async () => {
    const deadline = performance.now() + ctx.timeoutMs
    for (let attempt = 0; ; attempt++) {
      if ((await redis.client.set(key, token, 'PX', redis.lockTtlMs, 'NX')) === 'OK') return
      if (performance.now() >= deadline) throw new Conflict(`redis lock ${key} not acquired within ${ctx.timeoutMs} ms`)
      await ctx.backoff(attempt)
    }
  })
  try {
    return await fn()
  } finally {
    const released = (await redis.client.eval(COMPARE_AND_DELETE, 1, key, token)) as number
    if (released === 0) ctx.lockLost()
    else ctx.lockReleased()
  }
}
