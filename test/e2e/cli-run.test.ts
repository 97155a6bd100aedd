import { afterAll, describe, expect, it } from 'vitest'
import { PG_URL, probePostgres } from '../support/services.js'
import { embeddedDirs, embeddedServers, privateTmpdir, runCli, startCli } from '../support/cli.js'

const postgres = await probePostgres()

describe('the default path: an embedded PostgreSQL', () => {
  const tmp = privateTmpdir('cli-run')
  afterAll(() => tmp.remove())
  /** What is left of this file's embedded servers: folders and processes. */
  const leftovers = async () => [...embeddedDirs(tmp.path), ...(await embeddedServers()).filter((line) => line.includes(tmp.path))]

  it('runs double-booking end to end, shows the race, and leaves nothing behind', async () => {
    const run = await runCli(['run', 'double-booking'], { TMPDIR: tmp.path })
    expect(run.stderr).toMatch(/^racebench: running [^\n]+\n$/) // off a terminal: only the start line
    expect(run.code).toBe(1) // `none`, the default strategy, violates the invariant
    expect(run.stdout).toMatch(/^double-booking · strategy none \(unsafe\) · PostgreSQL [\d.]+ \(embedded\) · read committed$/m)
    expect(run.stdout).toMatch(/^│ ok\s+│\s+\d+ │/m)
    expect(run.stdout).toMatch(/^ {2}✘ no double booking: room \d+ on night \d+ has \d+ active bookings/m)
    expect(run.stdout).toContain('✘ 1 of 2 invariants violated')
    expect(await leftovers()).toEqual([])
  })

  it('Ctrl-C stops the run, cleans up and exits 130', async () => {
    const { child, done } = startCli(['run', 'double-booking', '--duration', '60s', '--debug'], { TMPDIR: tmp.path })
    // Wait until the server is up and the workers run, then interrupt the CLI alone.
    await new Promise<void>((resolve) => {
      const onData = (chunk: Buffer) => {
        if (chunk.toString().includes('created schema')) {
          child.stderr?.off('data', onData)
          setTimeout(resolve, 500)
        }
      }
      child.stderr?.on('data', onData)
    })
    child.kill('SIGINT')
    const run = await done
    expect(run.code).toBe(130)
    expect(run.stderr).toContain('racebench: interrupted')
    expect(await leftovers()).toEqual([])
  })
})

describe.skipIf(!postgres.available)(`run against ${postgres.name}`, () => {
  // The machine's server trusts every password, so a password in the URL is accepted and unchecked:
  // exactly what lets us prove it never reaches the output.
  const url = PG_URL.replace('postgres@', 'postgres:s3cr3t-pw@')

  it('--json prints exactly the documented document, password masked', async () => {
    const run = await runCli(['run', 'double-booking', '--strategy', 'optimistic', '--db', url, '--json', '--seed', '42', '--debug'])
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(Object.keys(result)).toEqual(
      expect.arrayContaining([
        'scenario', 'strategy', 'isolation', 'db', 'workers', 'iterations', 'seed', 'params', 'outcomes', 'retries',
        'errorsByClass', 'durationMs', 'opsPerSec', 'latencyMs', 'invariants', 'violations', 'traces',
      ]),
    )
    expect(result).toMatchObject({
      scenario: 'double-booking',
      strategy: 'optimistic',
      isolation: 'read committed',
      db: { dialect: 'postgres', server: expect.stringMatching(/^PostgreSQL \d+/), url: expect.stringContaining('postgres:***@'), embedded: false },
      workers: 8,
      iterations: 50,
      seed: 42,
      params: { rooms: 5, nights: 5 },
      violations: 0,
    })
    expect(Object.keys(result.outcomes)).toEqual(['ok', 'rejected', 'conflict', 'error', 'unknown'])
    expect(Object.keys(result.errorsByClass)).toEqual(['serialization', 'deadlock', 'lock-timeout', 'unique', 'connection', 'other'])
    expect(Object.keys(result.latencyMs)).toEqual(['mean', 'p50', 'p95', 'p99', 'max'])
    // Fields are added, never renamed: `broken` and `offline` (issue 9) joined name, held and detail.
    expect(result.invariants).toEqual([
      { name: 'no double booking', held: true, detail: expect.any(String), broken: [], offline: false },
      { name: 'active bookings = ok outcomes', held: true, detail: expect.any(String), broken: [], offline: false },
    ])
    expect(result.traces).toEqual([])
    expect(run.stdout + run.stderr).not.toContain('s3cr3t-pw')
  })

  it('the table never shows the password either', async () => {
    const run = await runCli(['run', 'double-booking', '--strategy', 'unique', '--db', url, '--iterations', '5', '--debug'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('✔ all 2 invariants held')
    expect(run.stdout + run.stderr).not.toContain('s3cr3t-pw')
  })

  it('a database that does not exist is exit 3, masked', async () => {
    const run = await runCli(['run', 'double-booking', '--db', url.replace(/\/[^/]*$/, '/no_such_db')])
    expect(run.code).toBe(3)
    expect(run.stderr).toContain("database 'no_such_db' does not exist")
    expect(run.stderr).not.toContain('s3cr3t-pw')
  })
})

if (!postgres.available) it.skip(`run against a server: ${postgres.reason}`, () => {})
