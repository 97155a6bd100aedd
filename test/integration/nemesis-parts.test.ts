import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync } from 'node:fs'
import net from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { Redis } from 'ioredis'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { killWorkerConnections } from '../../src/nemesis/kill-connections.js'
import { pauseRedis } from '../../src/nemesis/pause-redis.js'
import { startNemesis, type FaultEvent, type NemesisActions, type NemesisClock } from '../../src/nemesis/scheduler.js'
import { parseNemesis } from '../../src/nemesis/spec.js'
import { rewriteUrlThroughProxy, startTcpProxy } from '../../src/nemesis/tcp-proxy.js'
import { createRng } from '../../src/runner/rng.js'
import { classifyError } from '../../src/engines/classify.js'
import { MysqlSession } from '../../src/engines/mysql/mysql-session.js'
import { PostgresSession } from '../../src/engines/postgres/postgres-session.js'
import { freePort } from '../../src/engines/embedded/embedded-port.js'
import { MYSQL_URL, PG_URL, probe, probeMysql, probePostgres } from '../support/services.js'

const postgres = await probePostgres()
const mariadb = await probeMysql()

/** The error a promise rejects with (the test fails if it resolves). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise
  } catch (error) {
    return error
  }
  throw new Error('expected a rejection')
}

/** Waits until `condition` holds; bounded by attempts, so a broken condition fails rather than hangs. */
async function until(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 200; attempt++) {
    if (await condition()) return
    await delay(20)
  }
  throw new Error(`gave up waiting until ${what}`)
}

const address = (url: string) => {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port) }
}

describe('rewriteUrlThroughProxy', () => {
  it('keeps user, password, database and parameters, and replaces host and port', () => {
    expect(rewriteUrlThroughProxy('postgres://alice:s3cr%40t@db.example:6543/shop?sslmode=disable&host=/tmp', 40001)).toBe(
      'postgres://alice:s3cr%40t@127.0.0.1:40001/shop?sslmode=disable',
    )
    expect(rewriteUrlThroughProxy('mysql://root@127.0.0.1:3306/test', 40002)).toBe('mysql://root@127.0.0.1:40002/test')
    expect(rewriteUrlThroughProxy('mariadb://u:p@[::1]/test', 40003)).toBe('mariadb://u:p@127.0.0.1:40003/test')
  })
})

describe.skipIf(!postgres.available)('tcp proxy: PostgreSQL', () => {
  it('carries a connection, and resetAll() makes its next query fail as a connection error', async () => {
    const proxy = await startTcpProxy(address(PG_URL))
    const client = new pg.Client({ connectionString: rewriteUrlThroughProxy(PG_URL, proxy.port) })
    const idleErrors: unknown[] = []
    client.on('error', (error) => idleErrors.push(error))
    try {
      await client.connect()
      expect((await client.query<{ port: number }>('SELECT inet_server_port() AS port')).rows[0]?.port).toBe(address(PG_URL).port)
      expect(proxy.connectionCount()).toBe(1)
      expect(proxy.resetAll()).toBe(1)
      expect(proxy.connectionCount()).toBe(0)
      const error = await rejection(client.query('SELECT 1'))
      expect(classifyError(error)).toBe('connection')
      await until(async () => idleErrors.length > 0, 'pg reports the reset')
      expect(idleErrors.map(classifyError)).not.toContain('other')
    } finally {
      await client.end().catch(() => {})
      await proxy.close()
    }
  })

  it('delays a round trip by at least the latency, and keeps a large answer intact and in order', async () => {
    const proxy = await startTcpProxy(address(PG_URL))
    const client = new pg.Client({ connectionString: rewriteUrlThroughProxy(PG_URL, proxy.port) })
    client.on('error', () => {})
    // About 1.3 MB: more than the proxy queues before pausing the server side, so backpressure is exercised.
    const big = `SELECT string_agg(i::text, ',' ORDER BY i) AS s FROM generate_series(1, 200000) i`
    try {
      await client.connect()
      const direct = (await client.query<{ s: string }>(big)).rows[0]?.s
      proxy.setLatencyMs(40)
      const started = performance.now()
      await client.query('SELECT 1')
      // A lower bound only: 40 ms each way, so at least 40 ms in all, however slow the machine.
      expect(performance.now() - started).toBeGreaterThanOrEqual(40)
      expect((await client.query<{ s: string }>(big)).rows[0]?.s).toBe(direct)
      // Lowered while nothing is queued, and again mid-stream: bytes never overtake each other.
      const pending = client.query<{ s: string }>(big)
      proxy.setLatencyMs(0)
      expect((await pending).rows[0]?.s).toBe(direct)
      expect(direct?.length).toBeGreaterThan(1_000_000)
      // A clean close under latency: the pair goes once both sides have closed.
      proxy.setLatencyMs(20)
      await client.end()
      await until(async () => proxy.connectionCount() === 0, 'the proxy forgets the closed pair')
    } finally {
      await client.end().catch(() => {})
      await proxy.close()
    }
  })

  it('survives an upstream that refuses: the client gets an error, the process goes on', async () => {
    const closed = net.createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as net.AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    const proxy = await startTcpProxy({ host: '127.0.0.1', port })
    const client = new pg.Client({ connectionString: rewriteUrlThroughProxy(PG_URL, proxy.port), connectionTimeoutMillis: 5_000 })
    client.on('error', () => {})
    try {
      const error = await rejection(client.connect())
      expect(classifyError(error)).toBe('connection')
      await until(async () => proxy.connectionCount() === 0, 'the proxy forgets the failed pair')
    } finally {
      await client.end().catch(() => {})
      await proxy.close()
    }
  })
})

describe.skipIf(!mariadb.available)('tcp proxy: MariaDB', () => {
  it('carries a mysql2 connection, and resetAll() makes its next query fail as a connection error', async () => {
    const proxy = await startTcpProxy(address(MYSQL_URL))
    const connection = await mysql.createConnection({ uri: rewriteUrlThroughProxy(MYSQL_URL, proxy.port) })
    connection.on('error', () => {})
    try {
      const [rows] = await connection.query('SELECT @@port AS port')
      expect((rows as { port: number }[])[0]?.port).toBe(address(MYSQL_URL).port)
      expect(proxy.resetAll()).toBe(1)
      const error = await rejection(connection.query('SELECT 1'))
      expect(classifyError(error)).toBe('connection')
    } finally {
      connection.destroy()
      await proxy.close()
    }
  })
})

describe.skipIf(!postgres.available)('killWorkerConnections: PostgreSQL', () => {
  const mine = `nemesis_kill_${randomBytes(4).toString('hex')}`
  const other = `${mine}_other`
  const open = async (namespace: string) => {
    const client = new pg.Client({ connectionString: PG_URL, application_name: `racebench worker ${namespace}` })
    client.on('error', () => {})
    await client.connect()
    return client
  }
  const count = async (admin: PostgresSession, namespace: string) =>
    (await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [`racebench worker ${namespace}`])).rows[0]?.n

  it("kills ceil(share × count) of one namespace's workers, never the caller, never another namespace's", async () => {
    const workers = await Promise.all([open(mine), open(mine), open(mine)])
    const others = await Promise.all([open(other), open(other)])
    // The caller carries the very same application_name: it must still never kill itself.
    const adminClient = await open(mine)
    const admin = new PostgresSession(adminClient)
    try {
      expect(await killWorkerConnections(admin, mine, 0.5, createRng(7))).toEqual({ killed: 2, of: 3 })
      await until(async () => (await count(admin, mine)) === 2, 'two backends are gone') // one worker + the caller
      const outcomes = await Promise.all(workers.map((client) => client.query('SELECT 1').then(() => 'alive', (error: unknown) => classifyError(error))))
      expect(outcomes.sort()).toEqual(['alive', 'connection', 'connection'])
      expect(await killWorkerConnections(admin, mine, 1, createRng(7))).toEqual({ killed: 1, of: 1 })
      for (const client of others) expect((await client.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }])
      expect(await count(admin, other)).toBe(2)
      expect((await admin.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }])
      expect(await killWorkerConnections(admin, `${mine}_none`, 0.1, createRng(7))).toEqual({ killed: 0, of: 0 })
    } finally {
      await Promise.all([...workers, ...others].map((client) => client.end().catch(() => {})))
      await admin.close()
    }
  })
})

describe.skipIf(!mariadb.available)('killWorkerConnections: MariaDB', () => {
  const mine = `nemesis_kill_${randomBytes(4).toString('hex')}`
  const other = `${mine}_other`
  const base = new URL(MYSQL_URL)
  const open = (database: string) =>
    mysql.createConnection({ host: base.hostname, port: Number(base.port || 3306), user: decodeURIComponent(base.username) || 'root', password: decodeURIComponent(base.password) || undefined, database })
  let setup: mysql.Connection
  beforeAll(async () => {
    setup = await mysql.createConnection({ uri: MYSQL_URL })
    await setup.query(`CREATE DATABASE \`${mine}\``)
    await setup.query(`CREATE DATABASE \`${other}\``)
  })
  afterAll(async () => {
    await setup.query(`DROP DATABASE IF EXISTS \`${mine}\``)
    await setup.query(`DROP DATABASE IF EXISTS \`${other}\``)
    await setup.end()
  })
  const inDatabase = async (database: string) =>
    ((await setup.query('SELECT count(*) AS n FROM information_schema.processlist WHERE db = ?', [database]))[0] as { n: number }[])[0]?.n

  it("kills the connections whose database is the namespace, never the caller, never another namespace's", async () => {
    const workers = await Promise.all([open(mine), open(mine), open(mine), open(mine)])
    const others = await Promise.all([open(other), open(other)])
    for (const connection of [...workers, ...others]) connection.on('error', () => {})
    // The caller sits in the namespace too, as the run's admin connection does.
    const admin = new MysqlSession(await open(mine))
    try {
      expect(await killWorkerConnections(admin, mine, 0.25, createRng(3))).toEqual({ killed: 1, of: 4 })
      await until(async () => Number(await inDatabase(mine)) === 4, 'one connection is gone')
      expect(await killWorkerConnections(admin, mine, 1, createRng(3))).toEqual({ killed: 3, of: 3 })
      await until(async () => Number(await inDatabase(mine)) === 1, 'only the caller is left')
      for (const connection of workers) expect(classifyError(await rejection(connection.query('SELECT 1')))).toBe('connection')
      for (const connection of others) expect((await connection.query('SELECT 1 AS x'))[0]).toEqual([{ x: 1 }])
      expect(Number(await inDatabase(other))).toBe(2)
      expect((await admin.query('SELECT 1 AS x')).rows).toEqual([{ x: 1 }])
    } finally {
      for (const connection of [...workers, ...others]) connection.destroy()
      await admin.close()
    }
  })
})

/**
 * A Redis server of our own, on a free loopback port: CLIENT PAUSE stops every client of a server, and
 * the shared one serves other test runs. Stopped by its PID.
 */
const privateRedis = await (async () => {
  let child: ChildProcess | undefined
  let folder = ''
  let url = ''
  const service = await probe('redis-server (private, for CLIENT PAUSE)', async () => {
    const port = await freePort()
    folder = mkdtempSync(join(tmpdir(), 'racebench-nemesis-redis-'))
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder], { stdio: 'ignore' })
    const exited = new Promise<never>((_, reject) => {
      child!.once('error', reject)
      child!.once('exit', (code) => reject(new Error(`redis-server exited with ${code}`)))
    })
    exited.catch(() => {})
    url = `redis://127.0.0.1:${port}`
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 })
    client.on('error', () => {})
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await Promise.race([client.connect().then(() => client.ping()), exited])
          break
        } catch (error) {
          if (attempt > 100 || child!.exitCode !== null) throw error
          client.disconnect()
          await delay(50)
        }
      }
    } catch (error) {
      // Never answered: stop it here, as the tests that would stop it are skipped.
      if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM')
      rmSync(folder, { recursive: true, force: true })
      throw error
    } finally {
      client.disconnect()
    }
  })
  return {
    service,
    url,
    stop() {
      if (child?.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGTERM')
      if (folder) rmSync(folder, { recursive: true, force: true })
    },
  }
})()


describe.skipIf(!privateRedis.service.available)('pauseRedis', () => {
  afterAll(() => privateRedis.stop())
  const serverMs = async (client: Redis) => {
    const [seconds, micros] = await client.time()
    return Number(seconds) * 1_000 + Number(micros) / 1_000
  }

  it('ALL: a SET sent during the pause runs after it, in the order sent, by the server clock', async () => {
    const [pauser, writer, reader] = [new Redis(privateRedis.url), new Redis(privateRedis.url), new Redis(privateRedis.url)]
    try {
      await reader.set('k', 'before')
      const before = await serverMs(pauser)
      await pauseRedis(pauser, 300)
      const write = writer.pipeline().set('k', 'during').time().exec()
      const read = writer.get('k').then(() => reader.get('k'))
      const [, [, time]] = (await write) as [unknown, [unknown, [string, string]]]
      // The server's own clock: the SET's answer came after the pause's end (no client timing involved).
      expect(Number(time[0]) * 1_000 + Number(time[1]) / 1_000).toBeGreaterThanOrEqual(before + 300)
      expect(await read).toBe('during')
    } finally {
      for (const client of [pauser, writer, reader]) client.disconnect()
    }
  })

  it('WRITE: reads answer during the pause while the SET waits, and the SET lands when it ends', async () => {
    const [pauser, writer, reader] = [new Redis(privateRedis.url), new Redis(privateRedis.url), new Redis(privateRedis.url)]
    try {
      await reader.set('w', 'before')
      await pauseRedis(pauser, 20_000, 'WRITE')
      let written = false
      const write = writer.set('w', 'during').then(() => (written = true))
      // Redis counts a postponed client as blocked: once it does, the SET has arrived and is held back.
      await until(async () => /blocked_clients:1\r?\n/.test(await reader.info('clients')), 'the SET is postponed')
      expect(await reader.get('w')).toBe('before')
      expect(written).toBe(false)
      await pauser.call('CLIENT', 'UNPAUSE')
      await write
      expect(await reader.get('w')).toBe('during')
    } finally {
      await pauser.call('CLIENT', 'UNPAUSE').catch(() => {})
      for (const client of [pauser, writer, reader]) client.disconnect()
    }
  })

  it('refuses a pause that is not a whole positive number of ms', async () => {
    const client = new Redis(privateRedis.url, { lazyConnect: true })
    await expect(pauseRedis(client, 0)).rejects.toThrow(RangeError)
    await expect(pauseRedis(client, 1.5)).rejects.toThrow(RangeError)
    client.disconnect()
  })
})

/** Timers that move only when the test says so. */
class FakeClock implements NemesisClock {
  now = 0
  #next = 0
  readonly #timers = new Map<number, { at: number; callback: () => void }>()
  setTimeout(callback: () => void, ms: number): unknown {
    const id = ++this.#next
    this.#timers.set(id, { at: this.now + ms, callback })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number)
  }
  get pending(): number {
    return this.#timers.size
  }
  /** Runs every timer due up to `time`, in time order, letting the promises they start settle in between. */
  async advanceTo(time: number): Promise<void> {
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve))
      let first: [number, { at: number; callback: () => void }] | undefined
      for (const entry of this.#timers) if (entry[1].at <= time && (first === undefined || entry[1].at < first[1].at)) first = entry
      if (first === undefined) break
      this.#timers.delete(first[0])
      this.now = first[1].at
      first[1].callback()
    }
    this.now = time
  }
}

describe('startNemesis', () => {
  const fakeActions = (calls: string[], overrides: Partial<NemesisActions> = {}): NemesisActions => ({
    killConnections: async (share) => (calls.push(`kill ${share}`), `killed 1 of 4`),
    pauseRedis: async (ms) => (calls.push(`pause-redis ${ms}`), `paused ${ms}ms`),
    resetConnections: async () => (calls.push('reset'), 'reset 4 connections'),
    setLatency: async (ms) => (calls.push(`latency ${ms}`), `latency ${ms}ms`),
    pauseWorker: async (ms) => (calls.push(`pause-worker ${ms}`), `worker 2 stalled`),
    ...overrides,
  })
  const run = async (seed: number) => {
    const clock = new FakeClock()
    const calls: string[] = []
    const events: (FaultEvent & { at: number })[] = []
    const specs = ['kill-connections:50%/100ms', 'pause-redis:30ms/100ms', 'reset/50ms', 'latency:20ms', 'pause-worker:10ms/200ms'].map(parseNemesis)
    const nemesis = startNemesis(specs, fakeActions(calls), { rng: createRng(seed), onFault: (event) => events.push({ ...event, at: clock.now }), clock })
    await nemesis.ready
    await clock.advanceTo(999)
    const stopping = nemesis.stop()
    await clock.advanceTo(1_100) // lets a pause under way at stop reach its end
    await stopping
    const afterStop = calls.length
    await clock.advanceTo(5_000)
    expect(calls.length).toBe(afterStop) // nothing fires after stop
    expect(clock.pending).toBe(0)
    return { calls, events }
  }

  it('fires each spec once per interval from a seeded offset, pairs every start with an end, and stops cleanly', async () => {
    const { calls, events } = await run(42)
    const count = (call: string) => calls.filter((c) => c === call).length
    // Within [0, 1000): a first firing inside the first interval, then one per interval.
    expect(count('kill 0.5')).toBe(10)
    expect(count('pause-redis 30')).toBe(10)
    expect(count('reset')).toBe(20)
    expect(count('pause-worker 10')).toBe(5)
    expect(calls[0]).toBe('latency 20')
    expect(calls.at(-1)).toBe('latency 0')
    expect(events[0]).toMatchObject({ kind: 'latency', phase: 'start', detail: 'latency 20ms', at: 0 })
    expect(events.at(-1)).toMatchObject({ kind: 'latency', phase: 'end', detail: 'latency 0ms' })
    const firstKill = events.find((e) => e.kind === 'kill-connections')!
    expect(firstKill.at).toBeLessThan(100)
    expect(firstKill).toMatchObject({ spec: 'kill-connections:50%/100ms', phase: 'start', detail: 'kill 50% of connections' })
    // Every start is followed by its end; a pause's end comes its length after its start.
    for (const kind of ['kill-connections', 'pause-redis', 'reset', 'pause-worker'] as const) {
      const phases = events.filter((e) => e.kind === kind)
      expect(phases.map((e) => e.phase)).toEqual(phases.flatMap((_, i) => (i % 2 === 0 ? ['start'] : ['end'])))
    }
    const pauses = events.filter((e) => e.kind === 'pause-redis')
    for (let i = 0; i < pauses.length; i += 2) expect(pauses[i + 1]!.at - pauses[i]!.at).toBe(30)
    expect(pauses[1]).toMatchObject({ phase: 'end', detail: 'paused 30ms' })
  })

  it('repeats itself for one seed and moves the first firings for another', async () => {
    const a = await run(1)
    const b = await run(1)
    const c = await run(2)
    expect(b.events).toEqual(a.events)
    expect(c.events.map((e) => e.at)).not.toEqual(a.events.map((e) => e.at))
  })

  it('reports a failing fault as fail and keeps going; skips a turn while the same fault is still under way', async () => {
    const clock = new FakeClock()
    const calls: string[] = []
    const events: FaultEvent[] = []
    let release: () => void = () => {}
    let resets = 0
    const actions = fakeActions(calls, {
      killConnections: async () => {
        throw new Error('permission denied to terminate process')
      },
      // The first reset hangs until released: the turns that come meanwhile are skipped, not stacked.
      resetConnections: () => (++resets === 1 ? new Promise((resolve) => (release = () => resolve('reset 4 connections'))) : Promise.resolve('reset 0 connections')),
    })
    const nemesis = startNemesis(['kill-connections:10%/100ms', 'reset/100ms'].map(parseNemesis), actions, { rng: createRng(5), onFault: (e) => events.push(e), clock })
    await clock.advanceTo(550)
    expect(events.filter((e) => e.kind === 'kill-connections' && e.phase === 'fail')).toHaveLength(5)
    expect(events.find((e) => e.phase === 'fail')?.detail).toBe('permission denied to terminate process')
    expect(resets).toBe(1)
    release()
    await clock.advanceTo(750)
    expect(resets).toBe(3)
    const stopping = nemesis.stop()
    await clock.advanceTo(800)
    await stopping
    expect(events.filter((e) => e.kind === 'reset').map((e) => e.phase)).toEqual(['start', 'end', 'start', 'end', 'start', 'end'])
  })

  it('reports a latency that cannot be set as fail, and then does not turn it off', async () => {
    const calls: string[] = []
    const events: FaultEvent[] = []
    const nemesis = startNemesis([parseNemesis('latency:5ms')], fakeActions(calls, { setLatency: async () => Promise.reject(new Error('no proxy')) }), {
      rng: createRng(1),
      onFault: (e) => events.push(e),
      clock: new FakeClock(),
    })
    await nemesis.ready
    await nemesis.stop()
    expect(events).toEqual([{ kind: 'latency', spec: 'latency:5ms', phase: 'fail', detail: 'no proxy' }])
  })
})
