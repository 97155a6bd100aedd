import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { cleanLeftovers } from '../../src/clean/clean-leftovers.js'
import { findEmbeddedLeftovers } from '../../src/clean/embedded-leftovers.js'
import type { CleanItem } from '../../src/clean/finding.js'
import { isRunNamespace } from '../../src/clean/namespace-pattern.js'
import { stopServer } from '../../src/clean/stop-server.js'
import { openRedis } from '../../src/engines/redis/redis.js'
import {
  deadPid,
  EmbeddedRoot,
  exitOf,
  hasExited,
  mysqlFixture,
  postgresFixture,
  runNamespace,
  testSlug,
  type NamespaceFixture,
} from '../support/clean-fixtures.js'
import { probeMysql, probePostgres, probeRedis, REDIS_URL } from '../support/services.js'

const stateOf = (items: readonly CleanItem[], name: string) => items.find((item) => item.name === name)?.state

describe('the namespace pattern', () => {
  it("matches exactly the names runs make, and nothing else named racebench_", () => {
    expect(isRunNamespace('racebench_double_booking_3f9a0c1e')).toBe(true)
    expect(isRunNamespace('racebench_scenario_00000000')).toBe(true)
    for (const name of ['racebench_not_ours', 'public', 'racebench_double_booking_3F9A0C1E', 'racebench__3f9a0c1e', 'racebench_x_3f9a0c1e_old', 'xracebench_x_3f9a0c1e']) {
      expect(isRunNamespace(name), name).toBe(false)
    }
  })
})

describe('clean: embedded folders', () => {
  let fixture: EmbeddedRoot
  const survey = () => findEmbeddedLeftovers({ root: fixture.root })
  const clean = (yes: boolean) => cleanLeftovers({ yes, embeddedRoot: fixture.root })

  beforeAll(() => {
    fixture = new EmbeddedRoot()
  })
  afterAll(() => fixture.dispose())

  it('lists the folder of an owner that is gone, removes it with yes, and keeps the one whose owner runs', async () => {
    const stale = fixture.folder({ owner: await deadPid() })
    const live = fixture.folder({ owner: process.pid })

    const dryRun = await clean(false)
    expect(stateOf(dryRun.items, stale)).toBe('leftover')
    expect(stateOf(dryRun.items, live)).toBe('in use')
    expect(existsSync(stale)).toBe(true)

    const done = await clean(true)
    expect(stateOf(done.items, stale)).toBe('removed')
    expect(stateOf(done.items, live)).toBe('in use')
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(live)).toBe(true)
  })

  it('takes an owner PID now used by another program for gone', async () => {
    const other = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      const dir = fixture.folder({ owner: other.pid })
      expect(survey().find((f) => f.name === dir)?.state).toBe('leftover')
    } finally {
      other.kill('SIGKILL')
    }
  })

  it('never touches a fresh folder without owner.json (a run creating it), but lists an old one', async () => {
    const fresh = fixture.folder()
    const old = fixture.folder({ ageMs: 10 * 60_000 })
    const findings = survey()
    expect(findings.find((f) => f.name === fresh)?.state).toBe('in use')
    expect(findings.find((f) => f.name === old)?.state).toBe('leftover')
  })

  it('ignores anything not named exactly as an embedded folder, and symlinks', () => {
    const target = join(fixture.root, 'elsewhere')
    mkdirSync(target)
    const names = ['racebench-pg-template', 'racebench-pg-abc', 'racebench-pg-abc1234']
    for (const name of names) mkdirSync(join(fixture.root, name))
    symlinkSync(target, join(fixture.root, 'racebench-pg-Link01'))
    const seen = survey().map((f) => f.name)
    for (const name of [...names, 'racebench-pg-Link01']) expect(seen).not.toContain(join(fixture.root, name))
  })

  it("stops a leftover folder's server before removing it, and never signals a live run's", async () => {
    const stale = fixture.folder({ owner: await deadPid() })
    const live = fixture.folder({ owner: process.pid })
    const staleServer = await fixture.fakeServer(join(stale, 'data'))
    const liveServer = await fixture.fakeServer(join(live, 'data'))

    const dryRun = survey()
    expect(dryRun.find((f) => f.name === stale)?.detail).toContain(`its server PID ${staleServer.pid} is still running`)
    expect(hasExited(staleServer)).toBe(false)

    const done = await clean(true)
    expect(done.items.find((item) => item.name === stale)).toMatchObject({ state: 'removed', note: `stopped its server PID ${staleServer.pid}` })
    await exitOf(staleServer)
    expect(staleServer.signalCode).toBe('SIGINT')
    expect(existsSync(stale)).toBe(false)
    expect(hasExited(liveServer)).toBe(false)
    liveServer.kill('SIGKILL')
  })

  it("never signals a PID in postmaster.pid that is not that folder's server", async () => {
    const stale = fixture.folder({ owner: await deadPid() })
    const bystander = spawn('sleep', ['60'], { stdio: 'ignore' })
    try {
      writeFileSync(join(stale, 'data', 'postmaster.pid'), `${bystander.pid}\n${join(stale, 'data')}\n`)
      const done = await clean(true)
      expect(stateOf(done.items, stale)).toBe('removed')
      expect(hasExited(bystander)).toBe(false)
    } finally {
      bystander.kill('SIGKILL')
    }
  })

  it('lists a server whose folder is already gone, and stops it', async () => {
    const gone = join(fixture.root, 'racebench-pg-Gone01')
    const server = await fixture.fakeServer(join(gone, 'data'))
    const done = await clean(true)
    expect(done.items.find((item) => item.name === `PID ${server.pid}`)).toMatchObject({ kind: 'embedded server', state: 'removed' })
    await exitOf(server)
  })

  it('kills a server that ignores the fast shutdown', async () => {
    const stale = fixture.folder({ owner: await deadPid() })
    const server = await fixture.fakeServer(join(stale, 'data'), { ignoreSigint: true })
    await stopServer(server.pid!, stale, { graceMs: 200, killWaitMs: 5_000 })
    await exitOf(server)
    expect(server.signalCode).toBe('SIGKILL')
  })
})

const ENGINES = [
  { name: 'postgres', probe: await probePostgres(), fixture: postgresFixture },
  { name: 'mariadb', probe: await probeMysql(), fixture: mysqlFixture },
] as const

for (const engine of ENGINES) {
  describe.skipIf(!engine.probe.available)(`${engine.name}: clean --db ${engine.probe.reason}`, () => {
    const slug = testSlug()
    const embedded = new EmbeddedRoot()
    let db: NamespaceFixture
    const closers: (() => Promise<void>)[] = []
    const clean = (yes: boolean) => cleanLeftovers({ db: db.url, yes, embeddedRoot: embedded.root })

    beforeAll(async () => {
      db = await engine.fixture(slug)
    })
    afterEach(async () => {
      for (const close of closers.splice(0)) await close()
    })
    afterAll(async () => {
      await db?.dispose()
      embedded.dispose()
    })

    it('lists a stale namespace and leaves it; keeps one a live run uses; never lists names not made by a run', async () => {
      const stale = runNamespace(slug)
      const live = runNamespace(slug)
      const notOurs = [`racebench_${slug}_not_ours`, `racebench_${slug}_0123ABCD`]
      for (const name of [stale, live, ...notOurs]) await db.create(name)
      closers.push(await db.connectAsRun(live))

      const report = await clean(false)
      expect(report.items.find((item) => item.name === stale)).toMatchObject({ state: 'leftover', detail: '1 table, no connection' })
      expect(report.items.find((item) => item.name === live)).toMatchObject({ state: 'in use', detail: '1 connection' })
      const listed = report.items.map((item) => item.name)
      for (const name of [...notOurs, 'public']) expect(listed).not.toContain(name)
      expect(await db.exists(stale)).toBe(true)

      const done = await clean(true)
      expect(stateOf(done.items, stale)).toBe('removed')
      expect(stateOf(done.items, live)).toBe('in use')
      expect(await db.exists(stale)).toBe(false)
      for (const name of [live, ...notOurs]) expect(await db.exists(name)).toBe(true)
    })

    it('carries on past a namespace the server refuses to drop, and says so', async () => {
      const refused = runNamespace(slug)
      const stale = runNamespace(slug)
      await db.create(refused, { droppable: false })
      await db.create(stale)

      const done = await clean(true)
      expect(done.items.find((item) => item.name === refused)).toMatchObject({ state: 'failed', note: expect.stringMatching(/denied|must be owner/i) })
      expect(stateOf(done.items, stale)).toBe('removed')
      expect(await db.exists(refused)).toBe(true)
      expect(await db.exists(stale)).toBe(false)
    })

    it.runIf(engine.name === 'mariadb')("drops nothing when it cannot see other users' connections", async () => {
      const stale = runNamespace(slug)
      await db.create(stale)
      await db.admin(`REVOKE PROCESS ON *.* FROM '${slug}'@'%'`)
      try {
        const done = await clean(true)
        expect(done.items.find((item) => item.name === stale)).toMatchObject({ state: 'unsure', detail: expect.stringContaining('PROCESS privilege') })
        expect(await db.exists(stale)).toBe(true)
      } finally {
        await db.admin(`GRANT PROCESS ON *.* TO '${slug}'@'%'`)
      }
    })
  })
}

const redisProbe = await probeRedis()

describe.skipIf(!redisProbe.available)(`Redis: clean --redis ${redisProbe.reason}`, () => {
  // A database of its own, so no other test's keys are ever in view.
  const url = new URL('/13', REDIS_URL).toString()
  const slug = testSlug()
  const noEmbeddedRoot = join(tmpdir(), `${slug}-none`)
  let redis: Redis

  beforeAll(async () => {
    redis = new Redis(url)
  })
  afterAll(async () => {
    const keys = await redis.keys(`racebench_${slug}_*`)
    if (keys.length > 0) await redis.del(...keys)
    redis.disconnect()
  })

  it('deletes the keys of a namespace no client uses, keeps those of a live run, ignores the rest', async () => {
    const stale = runNamespace(slug)
    const live = runNamespace(slug)
    const notOurs = `racebench_${slug}_not_ours`
    for (const ns of [stale, live, notOurs]) await redis.set(`${ns}:lock:1`, 'x')
    await redis.set(`${stale}:lock:2`, 'x')
    // A live run's own connection, as racebench opens it.
    const run = await openRedis(url, live, { timeoutMs: 2_000, log: () => {}, warn: () => {} })
    const client = await run.connect()
    try {
      const dryRun = await cleanLeftovers({ redis: url, yes: false, embeddedRoot: noEmbeddedRoot })
      expect(dryRun.items.find((item) => item.name === `${stale}:*`)).toMatchObject({
        state: 'leftover',
        detail: '2 keys, no client',
        where: expect.stringMatching(/^Redis at .*, db 13$/),
      })
      expect(dryRun.items.find((item) => item.name === `${live}:*`)).toMatchObject({ state: 'in use', detail: expect.stringMatching(/^\d+ clients?$/) })
      expect(dryRun.items.map((item) => item.name)).not.toContain(`${notOurs}:*`)

      const done = await cleanLeftovers({ redis: url, yes: true, embeddedRoot: noEmbeddedRoot })
      expect(done.items.find((item) => item.name === `${stale}:*`)).toMatchObject({ state: 'removed', note: 'deleted 2 keys' })
      expect(await redis.exists(`${stale}:lock:1`, `${stale}:lock:2`)).toBe(0)
      expect(await redis.exists(`${live}:lock:1`, `${notOurs}:lock:1`)).toBe(2)
    } finally {
      client.disconnect()
      await run.close()
      await redis.del(`${notOurs}:lock:1`)
    }
  })
})
