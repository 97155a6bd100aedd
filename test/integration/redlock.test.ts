import { randomBytes } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import pg from 'pg'
import type { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { nextFencingToken } from '../../src/strategy/fencing.js'
import { acquireRedlock, acquireRedlockWithin, releaseRedlock, type RedlockOptions } from '../../src/strategy/redlock.js'
import { connectNode, pauseNode, redisNodesForTest, unpauseNode } from '../support/redis-nodes.js'
import { PG_URL, probePostgres } from '../support/services.js'

// Five independent Redis masters of this file's own (ports 6490..6494), started by scripts/redis-nodes.sh.
const nodes = await redisNodesForTest(5, 6490)
const urls = nodes.probe.urls
const postgres = await probePostgres()

// A per-node timeout far above a loopback round trip, so only a paused node ever misses it.
const OPTIONS: RedlockOptions = { ttlMs: 30_000, nodeTimeoutMs: 500 }
const DRIFT_MS = OPTIONS.ttlMs * 0.01 + 2
// A pause outlives any test that forgets to end it by at most this long.
const PAUSE_SAFETY_MS = 60_000

/** One client's connections, one per node, as a separate process would hold them. */
type Acquirer = Redis[]

const keyPrefix = `redlock-test:${randomBytes(4).toString('hex')}`
let keyNumber = 0
const newKey = () => `${keyPrefix}:lock:${keyNumber++}`
const connected: Redis[] = []

async function acquirer(): Promise<Acquirer> {
  const clients = await Promise.all(urls.map((url) => connectNode(url)))
  connected.push(...clients)
  return clients
}

/** Waits until every command already sent on these connections has run (each node runs a connection's commands in order). */
async function drained(clients: Acquirer): Promise<void> {
  await Promise.all(clients.map((client) => client.ping()))
}

/** Which nodes hold `key`, read on connections of their own. */
async function holders(key: string, admin: Acquirer): Promise<(string | null)[]> {
  return Promise.all(admin.map((client) => client.get(key)))
}

describe.skipIf(!nodes.probe.available)(`Redlock over 5 Redis nodes ${nodes.probe.reason}`, () => {
  let a: Acquirer
  let b: Acquirer
  let admin: Acquirer

  beforeAll(async () => {
    ;[a, b, admin] = await Promise.all([acquirer(), acquirer(), acquirer()])
  })

  afterAll(async () => {
    await Promise.all(urls.map((url) => unpauseNode(url).catch(() => {})))
    if (admin) await Promise.all(admin.map(async (client) => client.del(...(await client.keys(`${keyPrefix}:*`)), `${keyPrefix}:none`)))
    for (const client of connected) client.disconnect()
    await nodes.stop()
  })

  it('(a) a second acquirer is refused while the lock is held, and acquires once it is released', async () => {
    const key = newKey()
    const first = await acquireRedlock(a, key, 'A', OPTIONS)
    expect(first).toMatchObject({ acquired: true, votes: 5, quorum: 3 })
    expect(first.validityMs).toBeGreaterThan(0)
    expect(first.perNode.map((vote) => vote.ok)).toEqual([true, true, true, true, true])

    const second = await acquireRedlock(b, key, 'B', OPTIONS)
    expect(second).toMatchObject({ acquired: false, votes: 0, quorum: 3 })
    // The refused acquirer's release is a compare-and-delete: the holder's keys stay.
    expect(await holders(key, admin)).toEqual(['A', 'A', 'A', 'A', 'A'])

    expect(await releaseRedlock(a, key, 'A')).toBe(5)
    const third = await acquireRedlock(b, key, 'B', OPTIONS)
    expect(third).toMatchObject({ acquired: true, votes: 5 })
    expect(await releaseRedlock(b, key, 'B')).toBe(5)
    expect(await holders(key, admin)).toEqual([null, null, null, null, null])
  })

  it('(b) with 2 of 5 nodes paused the lock is still acquired, and still excludes a second acquirer', async () => {
    const key = newKey()
    await Promise.all([pauseNode(urls[3]!, PAUSE_SAFETY_MS), pauseNode(urls[4]!, PAUSE_SAFETY_MS)])
    try {
      const first = await acquireRedlock(a, key, 'A', OPTIONS)
      expect(first).toMatchObject({ acquired: true, votes: 3, quorum: 3 })
      expect(first.validityMs).toBeGreaterThan(0)
      expect(first.perNode.slice(3)).toEqual([
        { node: 3, ok: false, error: 'no answer within 500 ms' },
        { node: 4, ok: false, error: 'no answer within 500 ms' },
      ])
      // A paused node holds its writes unanswered: the acquisition waited the timeout out, no longer.
      expect(first.elapsedMs).toBeGreaterThanOrEqual(490)

      const second = await acquireRedlock(b, key, 'B', OPTIONS)
      expect(second).toMatchObject({ acquired: false, votes: 0 })
    } finally {
      await Promise.all([unpauseNode(urls[3]!), unpauseNode(urls[4]!)])
    }
    await Promise.all([drained(a), drained(b)])
    // Resumed, the paused nodes ran both late SETs (one won NX) and B's release; A's release frees the rest.
    expect(await releaseRedlock(a, key, 'A')).toBeGreaterThanOrEqual(3)
    expect(await holders(key, admin)).toEqual([null, null, null, null, null])
  })

  it('(c) with 3 of 5 nodes paused the lock is refused, and nothing stays held once they resume', async () => {
    const key = newKey()
    const paused = [urls[2]!, urls[3]!, urls[4]!]
    await Promise.all(paused.map((url) => pauseNode(url, PAUSE_SAFETY_MS)))
    let refused
    try {
      refused = await acquireRedlock(a, key, 'A', OPTIONS)
      // The refusal released the 2 nodes that answered; the paused ones have SET and release queued.
      expect(await holders(key, admin.slice(0, 2))).toEqual([null, null])
    } finally {
      await Promise.all(paused.map((url) => unpauseNode(url)))
    }
    expect(refused).toMatchObject({ acquired: false, votes: 2, quorum: 3 })
    await drained(a)
    // The late SETs landed when the nodes resumed, and the release sent after them removed them.
    expect(await holders(key, admin)).toEqual([null, null, null, null, null])
  })

  it('(d) validity shrinks by the time the slowest node took to answer', async () => {
    const key = newKey()
    const options = { ...OPTIONS, nodeTimeoutMs: 10_000 }
    const fast = await acquireRedlock(a, key, 'A', options)
    expect(await releaseRedlock(a, key, 'A')).toBe(5)

    // Node 4 answers only once unpaused, 300 ms after the acquisition sent its SET: well within the timeout.
    await pauseNode(urls[4]!, PAUSE_SAFETY_MS)
    const pending = acquireRedlock(a, key, 'A', options)
    await delay(300)
    await unpauseNode(urls[4]!)
    const slow = await pending
    expect(await releaseRedlock(a, key, 'A')).toBe(5)

    expect(fast).toMatchObject({ acquired: true, votes: 5 })
    expect(slow).toMatchObject({ acquired: true, votes: 5 })
    for (const acquisition of [fast, slow]) {
      expect(acquisition.validityMs).toBeCloseTo(options.ttlMs - acquisition.elapsedMs - DRIFT_MS, 6)
    }
    // Timers may fire up to a millisecond early: 299, not 300.
    expect(slow.elapsedMs).toBeGreaterThanOrEqual(299)
    expect(slow.elapsedMs).toBeGreaterThan(fast.elapsedMs)
    expect(slow.validityMs).toBeLessThan(fast.validityMs)
  })

  it('(e) fencing tokens strictly increase across acquirers', async () => {
    const key = newKey()
    const counter = `${keyPrefix}:fence`
    const tokens: number[] = []
    for (const [client, token] of [[a, 'A'], [b, 'B'], [a, 'A2'], [b, 'B2']] as const) {
      const acquisition = await acquireRedlockWithin(client, key, token, OPTIONS, { deadlineMs: 5_000, backoff: () => delay(5) })
      expect(acquisition).toMatchObject({ acquired: true, attempts: 1 })
      tokens.push(await nextFencingToken(client[0]!, counter))
      expect(await releaseRedlock(client, key, token)).toBe(5)
    }
    expect(tokens).toEqual([1, 2, 3, 4])
  })

  it('acquireRedlockWithin retries until the holder releases, and gives up at its deadline', async () => {
    const key = newKey()
    await acquireRedlock(a, key, 'A', OPTIONS)
    let retries = 0
    const refused = await acquireRedlockWithin(b, key, 'B', OPTIONS, { deadlineMs: 0, backoff: async () => void retries++ })
    expect(refused).toMatchObject({ acquired: false, attempts: 1 })
    const waiting = acquireRedlockWithin(b, key, 'B', OPTIONS, {
      deadlineMs: 30_000,
      // Released by the holder during the second backoff: whatever the timing, B acquires on attempt 3.
      backoff: async (attempt) => {
        retries++
        if (attempt === 1) await releaseRedlock(a, key, 'A')
      },
    })
    expect(await waiting).toMatchObject({ acquired: true, attempts: 3 })
    expect(retries).toBe(2)
    expect(await releaseRedlock(b, key, 'B')).toBe(5)
  })

  it('refuses bad options in one line', async () => {
    await expect(acquireRedlock([], 'k', 't', OPTIONS)).rejects.toThrow('redlock needs at least one Redis node, got none')
    await expect(acquireRedlock(a, 'k', 't', { ttlMs: 0 })).rejects.toThrow("redlock's TTL must be a whole number of milliseconds ≥ 1, got 0")
    await expect(acquireRedlock(a, 'k', 't', { ttlMs: 100, nodeTimeoutMs: 100 })).rejects.toThrow(
      "redlock's per-node timeout must be above 0 and below the TTL (100 ms), got 100",
    )
    await expect(acquireRedlock(a, 'k', 't', { ttlMs: 100, driftFactor: 1 })).rejects.toThrow("redlock's drift factor must be from 0 to below 1, got 1")
  })

  it.skipIf(!postgres.available)(`(e) the fence column refuses a stale holder's write ${postgres.reason}`, async () => {
    const client = new pg.Client({ connectionString: PG_URL })
    await client.connect()
    try {
      // A temporary table: this connection's own, gone when it closes.
      await client.query('CREATE TEMP TABLE fenced (id int PRIMARY KEY, holder text, fence bigint NOT NULL DEFAULT 0)')
      await client.query("INSERT INTO fenced (id, holder) VALUES (1, 'nobody')")
      const counter = `${keyPrefix}:fence-sql`
      const stale = await nextFencingToken(a[0]!, counter)
      const newer = await nextFencingToken(b[0]!, counter)
      const write = (holder: string, token: number) =>
        client.query('UPDATE fenced SET holder = $2, fence = $3 WHERE id = $1 AND fence < $3', [1, holder, token])
      expect((await write('newer', newer)).rowCount).toBe(1)
      // The holder whose lease ran out writes last, with the older token: 0 rows, the write is refused.
      expect((await write('stale', stale)).rowCount).toBe(0)
      expect((await client.query('SELECT holder, fence FROM fenced')).rows).toEqual([{ holder: 'newer', fence: String(newer) }])
    } finally {
      await client.end()
    }
  })
})
