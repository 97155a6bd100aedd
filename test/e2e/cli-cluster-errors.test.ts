import { describe, expect, it } from 'vitest'
import { runCli, expectOneLine } from '../support/cli.js'
import { PG_URL, probePostgres, probeRedis, REDIS_URL } from '../support/services.js'

// Bad input around several nodes, a second database and the nemesis: one line each, a documented exit
// code, and nothing created anywhere.
const postgres = await probePostgres()
const redis = await probeRedis()


describe('exit 2: a nemesis, nodes or a second database the run cannot use', () => {
  it('a nemesis spec that does not parse names the valid forms', async () => {
    const run = await runCli(['run', 'lost-update', '--nemesis', 'kill-conections:10%', '--db', PG_URL])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).toContain("--nemesis 'kill-conections:10%': unknown fault 'kill-conections' (did you mean kill-connections?)")
    expect(run.stderr).toContain('valid forms: kill-connections:P%[/EVERY]')
  })

  it('pause-redis with a strategy that uses no Redis', async () => {
    const run = await runCli(['run', 'lost-update', '--strategy', 'atomic', '--nemesis', 'pause-redis:100ms', '--db', PG_URL])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).toContain("--nemesis pause-redis needs Redis, and strategy 'atomic' uses none")
  })

  it('--db nodes of two engines', async () => {
    const run = await runCli(['run', 'lost-update', '--db', PG_URL, '--db', 'mysql://root@127.0.0.1:3306/test'])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).toContain('--db nodes must all be one engine (one cluster), got postgres and mysql URLs')
  })

  it('explain refuses what it cannot replay step by step: two databases, Redlock', async () => {
    const saga = await runCli(['explain', 'payment-saga', '--strategy', 'saga-log', '--db', PG_URL])
    expect(saga.code).toBe(2)
    expectOneLine(saga)
    expect(saga.stderr).toContain("explain replays operations on one database, and 'payment-saga' spans two (jobs too): use racebench run")
    const redlock = await runCli(['explain', 'double-booking', '--strategy', 'redlock', '--db', PG_URL])
    expect(redlock.code).toBe(2)
    expectOneLine(redlock)
    expect(redlock.stderr).toContain("explain cannot replay strategy 'redlock' step by step: Redlock's per-node timeouts count wall time")
  })

  it('--db2 for a scenario with one database', async () => {
    const run = await runCli(['run', 'lost-update', '--db2', PG_URL, '--db', PG_URL])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).toContain("--db2 is for scenarios with a second database; 'lost-update' has none")
  })
})

describe.skipIf(!postgres.available)('exit 3: a node that is down at the start', () => {
  it('names the node, masks its password, and runs nothing', async () => {
    const down = 'postgres://postgres:s3cret@127.0.0.1:1/postgres'
    const run = await runCli(['run', 'lost-update', '--strategy', 'atomic', '--db', PG_URL, '--db', down])
    expect(run.code).toBe(3)
    expectOneLine(run)
    expect(run.stderr).toMatch(/^racebench: --db node 2 of 2: /)
    expect(run.stderr).toContain('127.0.0.1:1')
    expect(run.stderr).not.toContain('s3cret')
  })
})

describe.skipIf(!postgres.available || !redis.available)('exit 3: a Redis node that is down at the start', () => {
  it('names the node, and runs nothing', async () => {
    const run = await runCli(['run', 'double-booking', '--strategy', 'redlock', '--db', PG_URL, '--redis', REDIS_URL, '--redis', 'redis://127.0.0.1:1'])
    expect(run.code).toBe(3)
    expect(expectOneLine(run)).toMatch(/^racebench: --redis node 2 of 2: cannot reach Redis at 127\.0\.0\.1:1 /)
  })
})
