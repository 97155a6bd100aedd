import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { InterruptedError, TargetError } from '../../src/errors.js'
import { runScenario } from '../../src/index.js'
import { openAll } from '../../src/runner/open-all.js'
import { startEmbeddedPostgres, type EmbeddedServer } from '../../src/engines/embedded/embedded.js'
import { namespaceFor } from '../../src/engines/namespace.js'
import { openTarget } from '../../src/engines/open-target.js'
import type { Session } from '../../src/engines/session.js'
import type { Target } from '../../src/engines/target.js'
import { runCli } from '../support/cli.js'
import { MYSQL_URL, PG_URL, probeMysql, probePostgres, queryOnce } from '../support/services.js'
import mysql from 'mysql2/promise'

const postgres = await probePostgres()
const mariadb = await probeMysql()

/** The one line a run that cannot fit must print, whatever the server's numbers. */
const CANNOT_FIT = (workers: number, engine: string, host: string) =>
  new RegExp(
    `^racebench: the run needs ${(workers + 1).toLocaleString('en-US')} connections \\(${workers.toLocaleString('en-US')} workers, 1 setup\\) ` +
      `but ${engine} at ${host.replace(/\./g, '\\.')} \\(.*\\) allows [\\d,]+ \\(max_connections [\\d,]+, .*in use by others\\): ` +
      'lower --workers or raise max_connections$',
  )

describe.skipIf(!postgres.available)(`a run bigger than ${postgres.name} allows`, () => {
  it('exits 3 with one line saying what it needs and what the server allows, having created nothing', async () => {
    const [settings] = await queryOnce<{ max: number }>(`SELECT current_setting('max_connections')::int AS max`)
    const workers = (settings?.max ?? 100) + 50
    const run = await runCli(['run', 'double-booking', '--workers', String(workers), '--db', PG_URL, '--debug'])
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    const errors = run.stderr.split('\n').filter((line) => /^racebench: (?!\[)/.test(line) && !/^racebench: (connecting|starting)/.test(line))
    expect(errors).toEqual([expect.stringMatching(CANNOT_FIT(workers, 'PostgreSQL', new URL(PG_URL).host))])
    // Refused before the schema, and before any worker connection was attempted.
    expect(run.stderr).not.toMatch(/created schema|too many clients|no free connections/)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })
})

describe.skipIf(!mariadb.available)(`a run bigger than ${mariadb.name} allows`, () => {
  it('exits 3 with one line saying what it needs and what the server allows, having created nothing', async () => {
    const connection = await mysql.createConnection({ uri: MYSQL_URL })
    const [rows] = await connection.query('SELECT @@max_connections AS max')
    await connection.end()
    const workers = Math.max(600, Number((rows as { max: number }[])[0]?.max) + 50)
    const run = await runCli(['run', 'double-booking', '--workers', String(workers), '--db', MYSQL_URL, '--debug'])
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    const errors = run.stderr.split('\n').filter((line) => /^racebench: (?!\[)/.test(line) && !/^racebench: (connecting|starting)/.test(line))
    expect(errors).toEqual([expect.stringMatching(CANNOT_FIT(workers, '(MySQL|MariaDB)', new URL(MYSQL_URL).host))])
    expect(run.stderr).not.toMatch(/created database|Too many connections|no free connections/)
  })
})

describe('opening connections on a server that refuses some (embedded, max_connections 100)', () => {
  let server: EmbeddedServer
  let target: Target
  beforeAll(async () => {
    server = await startEmbeddedPostgres({ workers: 1, log: () => {} })
    target = await openTarget(server.url, { namespace: namespaceFor('scale'), timeoutMs: 5_000, keep: false, workers: 1, log: () => {}, warn: () => {} })
  })
  afterAll(async () => {
    await target?.close()
    await server?.stop()
  })

  /** Worker connections the server still holds: every one opened must have been closed. */
  const workerConnectionsLeft = async (): Promise<number> => {
    // A closed connection's backend goes away just after the client sees the socket close.
    for (let attempt = 0; ; attempt++) {
      const { rows } = await target.admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name LIKE 'racebench worker %'`)
      const left = rows[0]?.n ?? -1
      if (left === 0 || attempt === 50) return left
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /** target.connect, counting how many connects are in flight at once and how many succeeded. */
  const countingOpener = () => {
    const seen = { inFlight: 0, maxInFlight: 0, opened: 0 }
    const open = async (): Promise<Session> => {
      seen.inFlight++
      seen.maxInFlight = Math.max(seen.maxInFlight, seen.inFlight)
      try {
        const session = await target.connect()
        seen.opened++
        return session
      } finally {
        seen.inFlight--
      }
    }
    return { seen, open }
  }

  it('opens at most `concurrency` at once, and when the server refuses mid-way closes every one it opened', async () => {
    const { seen, open } = countingOpener()
    const error = await openAll(130, open, (session) => session.close(), { concurrency: 8 }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    expect((error as TargetError).message).toMatch(/has no free connections: lower --workers/)
    expect(seen.maxInFlight).toBeLessThanOrEqual(8)
    // Refused mid-way: many were opened before the server said no.
    expect(seen.opened).toBeGreaterThan(50)
    expect(seen.opened).toBeLessThan(130)
    expect(await workerConnectionsLeft()).toBe(0)
  })

  it('stops opening once aborted, closes what it opened, and says it was interrupted', async () => {
    const { seen, open } = countingOpener()
    const controller = new AbortController()
    const abortAfterTen = async () => {
      const session = await open()
      if (seen.opened === 10) controller.abort()
      return session
    }
    const error = await openAll(80, abortAfterTen, (session) => session.close(), { concurrency: 4, signal: controller.signal }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(InterruptedError)
    // The ones in flight when it was aborted still finish; nothing new starts after.
    expect(seen.opened).toBeLessThanOrEqual(10 + 4)
    expect(await workerConnectionsLeft()).toBe(0)
  })

  it('counts, for a user who is not superuser, the reserved slots and the sessions of others it cannot see', async () => {
    await target.admin.query(`CREATE ROLE alice LOGIN PASSWORD 'alice-pw'; GRANT CREATE ON DATABASE postgres TO alice`)
    const asAlice = new URL(server.url)
    asAlice.username = 'alice'
    asAlice.password = 'alice-pw'
    const options = { namespace: namespaceFor('scale'), timeoutMs: 5_000, keep: false, workers: 97, log: () => {}, warn: () => {} }
    const error = await openTarget(asAlice.toString(), options).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(TargetError)
    // 100 − 3 reserved − this file's own setup connection (alice sees it with its backend_type hidden) = 96.
    expect((error as TargetError).message).toMatch(/needs 98 connections \(97 workers, 1 setup\) but .* allows 96 \(max_connections 100, 3 reserved for superusers, 1 in use by others\)/)
    const fits = await openTarget(asAlice.toString(), { ...options, workers: 95 })
    await fits.close()
  })

  it('hands back every connection, in order, when all open', async () => {
    const sessions = await openAll(40, () => target.connect(), (session) => session.close(), { concurrency: 8 })
    expect(sessions).toHaveLength(40)
    const pids = await Promise.all(sessions.map(async (session) => (await session.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]?.pid))
    expect(new Set(pids).size).toBe(40)
    await Promise.all(sessions.map((session) => session.close()))
    expect(await workerConnectionsLeft()).toBe(0)
  })
})

describe('a large run on the embedded server', () => {
  it('sizes the server for workers and readers: 100 workers and 64 readers complete', async () => {
    const result = await runScenario({ scenario: 'duplicate-chunk-insert', workers: 100, iterations: 1, think: 0, params: { readers: 64, documents: 20, chunks: 2 } })
    expect(result.workers).toBe(100)
    expect(Object.values(result.outcomes).reduce((sum, n) => sum + n, 0)).toBe(100)
    expect(result.outcomes.error).toBe(0)
    expect(result.connectMs).toBeGreaterThan(0)
    expect(result.db.embedded).toBe(true)
  })
})
