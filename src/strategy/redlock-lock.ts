import { randomBytes } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Params, StrategyContext } from '../scenario/define-scenario.js'
import { Conflict } from '../scenario/strategy-signals.js'
import { acquireRedlockWithin, redlockNodeTimeoutMs, releaseRedlock } from './redlock.js'

/**
 * Runs `fn` while holding a Redlock on `name` over every `--redis` node: a quorum of `SET NX PX` grants
 * with time left (validity), retried with backoff until `--timeout` (then a conflict), released on
 * every node. Each acquisition's votes and validity go on its `lock` event (the table shows them). A
 * lock whose validity ran out before `fn` finished, or that a quorum no longer held at release, counts
 * as lost: another worker may have held it meanwhile.
 */
export async function withRedlock<T>(ctx: StrategyContext<Params, unknown>, name: string, fn: () => Promise<T>): Promise<T> {
  const redis = ctx.redis
  if (!redis) throw new Error("withRedlock needs a strategy that declares requires: ['redis']")
  const { nodes } = redis
  const key = redis.key(`lock:${name}`)
  const token = `${ctx.worker}:${ctx.iteration}:${randomBytes(6).toString('hex')}`
  const options = { ttlMs: redis.lockTtlMs }

  const acquisition = await ctx.lockWait(
    async () => {
      const attempt = await acquireRedlockWithin(nodes, key, token, options, { deadlineMs: ctx.timeoutMs, backoff: ctx.backoff })
      if (!attempt.acquired) throw new Conflict(`redlock ${key} not acquired within ${ctx.timeoutMs} ms (last attempt: ${attempt.votes} of ${nodes.length} nodes, ${attempt.quorum} needed)`)
      return attempt
    },
    (got) => ({ votes: got.votes, quorum: got.quorum, nodes: nodes.length, validityMs: Math.round(got.validityMs * 10) / 10 }),
  )
  const heldFrom = performance.now()
  try {
    return await fn()
  } finally {
    const stillHeld = await releaseRedlock(nodes, key, token, redlockNodeTimeoutMs(options))
    if (stillHeld < acquisition.quorum || performance.now() - heldFrom > acquisition.validityMs) ctx.lockLost()
    else ctx.lockReleased()
  }
}
