import { existsSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { deadPid, EmbeddedRoot, postgresFixture, runNamespace, testSlug, type NamespaceFixture } from '../support/clean-fixtures.js'
import { runCli } from '../support/cli.js'
import { probePostgres } from '../support/services.js'

/**
 * `racebench clean` as a user runs it. Every run is given a private TMPDIR, so the embedded folders it
 * sees (and removes) are this test's alone, never those of a run going on elsewhere on the machine.
 */
describe('racebench clean: embedded leftovers', () => {
  const fixture = new EmbeddedRoot()
  const clean = (...args: string[]) => runCli(['clean', ...args], { TMPDIR: fixture.root })
  afterAll(() => fixture.dispose())

  it('lists by default, removes with --yes, and keeps a live run', async () => {
    const stale = fixture.folder({ owner: await deadPid() })
    const live = fixture.folder({ owner: process.pid })

    const dryRun = await clean()
    expect(dryRun.code).toBe(0)
    expect(dryRun.stderr).toBe('')
    expect(dryRun.stdout).toContain(`leftover: embedded folder ${stale} (owner PID`)
    expect(dryRun.stdout).toContain(`in use, kept: embedded folder ${live} (owner racebench PID ${process.pid} is running)`)
    expect(dryRun.stdout.trimEnd().split('\n').at(-1)).toBe('1 leftover; run again with --yes to remove them')
    expect(existsSync(stale)).toBe(true)

    const done = await clean('--yes')
    expect(done.code).toBe(0)
    expect(done.stdout).toContain(`removed: embedded folder ${stale}`)
    expect(done.stdout.trimEnd().split('\n').at(-1)).toBe('removed 1 leftover')
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(live)).toBe(true)

    const again = await clean('--yes')
    expect(again.code).toBe(0)
    expect(again.stdout.trimEnd().split('\n').at(-1)).toBe('nothing to clean')
  })

  it('--json prints one document of what it found', async () => {
    const stale = fixture.folder({ owner: await deadPid() })
    const run = await clean('--json')
    expect(run.code).toBe(0)
    const report = JSON.parse(run.stdout)
    expect(report).toMatchObject({ dryRun: true, removed: 0, failed: 0 })
    expect(report.items).toContainEqual(expect.objectContaining({ kind: 'embedded folder', name: stale, state: 'leftover' }))
    await clean('--yes')
  })
})

describe('racebench clean: bad input and unreachable servers, one line each', () => {
  const expectOneLine = (run: { stdout: string; stderr: string }) => {
    expect(run.stdout).toBe('')
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toMatch(/^racebench: /)
  }
  const fixture = new EmbeddedRoot()
  const clean = (...args: string[]) => runCli(['clean', ...args], { TMPDIR: fixture.root })
  afterAll(() => fixture.dispose())

  it('exit 3 for a server that does not answer, password masked, nothing removed', async () => {
    const stale = fixture.folder({ owner: await deadPid() })
    const run = await clean('--yes', '--db', 'postgres://alice:hunter2@127.0.0.1:1/app')
    expect(run.code).toBe(3)
    expectOneLine(run)
    expect(run.stderr).toContain('postgres://alice:***@127.0.0.1:1/app')
    expect(run.stderr).not.toContain('hunter2')
    expect(existsSync(stale)).toBe(true)
  })

  it('exit 2 for a URL it does not speak, or an unknown option', async () => {
    const db = await clean('--db', 'oracle://scott:tiger@db:1521/x')
    expect(db.code).toBe(2)
    expectOneLine(db)
    expect(db.stderr).not.toContain('tiger')
    const redis = await clean('--redis', 'http://127.0.0.1:6379')
    expect(redis.code).toBe(2)
    expectOneLine(redis)
    const option = await clean('--force')
    expect(option.code).toBe(2)
  })
})

const pgProbe = await probePostgres()

describe.skipIf(!pgProbe.available)(`racebench clean --db ${pgProbe.reason}`, () => {
  const slug = testSlug()
  const embedded = new EmbeddedRoot()
  let db: NamespaceFixture
  const clean = (...args: string[]) => runCli(['clean', '--db', db.url, ...args], { TMPDIR: embedded.root })

  beforeAll(async () => {
    db = await postgresFixture(slug)
  })
  afterAll(async () => {
    await db?.dispose()
    embedded.dispose()
  })

  it('warns about a schema it could not drop, drops the others, and exits 3', async () => {
    const refused = runNamespace(slug)
    const stale = runNamespace(slug)
    await db.create(refused, { droppable: false })
    await db.create(stale)

    const dryRun = await clean()
    expect(dryRun.code).toBe(0)
    expect(dryRun.stdout).toMatch(new RegExp(`^leftover: schema ${stale} on PostgreSQL at [^ ]+, database ${slug}_db \\(1 table, no connection\\)$`, 'm'))
    expect(dryRun.stdout).toContain('2 leftovers; run again with --yes to remove them')

    const done = await clean('--yes')
    expect(done.code).toBe(3)
    expect(done.stderr).toMatch(new RegExp(`^racebench: warning: could not remove schema ${refused} on .*must be owner`))
    expect(done.stderr.trim().split('\n')).toHaveLength(1)
    expect(done.stdout).toContain(`removed: schema ${stale}`)
    expect(done.stdout.trimEnd().split('\n').at(-1)).toBe('removed 1 of 2 leftovers; 1 could not be removed (see the warnings above)')
    expect(await db.exists(stale)).toBe(false)
    expect(await db.exists(refused)).toBe(true)
  })
})
