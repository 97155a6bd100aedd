import { Redis } from 'ioredis'
import { describe, expect, it } from 'vitest'
import { runScenario, UsageError, type RunResult } from '../../src/index.js'
import { openRedis } from '../../src/engines/redis/redis.js'
import { probeRedis, REDIS_URL, sqlTargets } from '../support/services.js'

const redis = await probeRedis()
const TARGETS = (await sqlTargets()).filter((db) => db.probe.available)

async function keysOf(result: RunResult): Promise<string[]> {
  const client = new Redis(REDIS_URL)
  try {
    return await client.keys(`${result.db.schema}:*`)
  } finally {
    client.disconnect()
  }
}

describe.skipIf(!redis.available)('redis-lock', () => {
  for (const db of TARGETS) {
    const oneSlot = (extra: object = {}) =>
      runScenario({ scenario: 'double-booking', strategy: 'redis-lock', db: db.url, redis: REDIS_URL, workers: 16, iterations: 10, params: { rooms: 1, nights: 1 }, ...extra })

    it(`${db.name}: holds the invariant, shows what the lock cost, and deletes its keys`, async () => {
      // 160 operations queue for one lock: a generous timeout, so a loaded machine cannot turn a wait into a miss.
      const result = await oneSlot({ timeout: '60s' })
      expect(result.invariants.filter((i) => !i.held)).toEqual([])
      expect(result.outcomes.ok).toBe(1)
      expect(result.redis?.server).toMatch(/^Redis \d/)
      expect(result.locks).toMatchObject({ acquired: 160, notAcquired: 0, lost: 0 })
      expect(result.locks?.waitMs.max).toBeGreaterThan(0)
      expect(await keysOf(result)).toEqual([])
    })

    it(`${db.name}: the lock covers the commit, whatever --isolation says`, async () => {
      for (const isolation of ['read-committed', 'repeatable-read', 'read-committed', 'repeatable-read']) {
        const result = await oneSlot({ isolation })
        expect(result.invariants.filter((i) => !i.held)).toEqual([])
      }
    })

    // The known danger of lease locks: the lease (20 ms) runs out while its holder still works
    // (thinks 100 ms), a second worker takes the "same" lock, and both book. Compare-and-delete
    // keeps each from freeing the other's lock, but cannot undo the overlap.
    it(`${db.name}: a lease that expires mid-operation lets two workers in, and the result shows it`, async () => {
      const result = await oneSlot({ lockTtl: '20ms', think: 100, iterations: 3 })
      expect(result.locks?.lost).toBeGreaterThan(0)
      expect(result.violations).toBeGreaterThan(0)
      expect(result.invariants.find((i) => i.name === 'no double booking')?.detail).toMatch(/^room 1 on night 1 has \d+ active bookings$/)
      expect(await keysOf(result)).toEqual([])
    })
  }

  it("close() deletes every key under the run's namespace, and nothing else", async () => {
    const target = await openRedis(REDIS_URL, 'racebench_test_cleanup', { timeoutMs: 1_000, log: () => {}, warn: () => {} })
    const client = new Redis(REDIS_URL)
    try {
      await client.set(target.key('lock:1'), 'left behind')
      await client.set(target.key('other'), 'left behind')
      await client.set('racebench_test_cleanup_neighbour', 'not ours')
      await target.close()
      expect(await client.keys('racebench_test_cleanup:*')).toEqual([])
      expect(await client.get('racebench_test_cleanup_neighbour')).toBe('not ours')
    } finally {
      await client.del('racebench_test_cleanup_neighbour')
      client.disconnect()
    }
  })

  it('with no --redis and nothing at the default address, says how to give one (exit 2)', async () => {
    const error = await openRedis(undefined, 'racebench_test', { timeoutMs: 1_000, log: () => {}, warn: () => {}, defaultUrl: 'redis://127.0.0.1:1' }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).message).toBe(
      'this strategy needs Redis and none answered at redis://127.0.0.1:1 (connect ECONNREFUSED 127.0.0.1:1); give one with --redis redis://host:6379',
    )
    expect((error as UsageError).exitCode).toBe(2)
  })
})

if (!redis.available) it.skip(`redis-lock: ${redis.reason}`, () => {})
