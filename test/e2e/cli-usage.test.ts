import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { runCli, type CliRun } from '../support/cli.js'
import { PG_URL, probePostgres } from '../support/services.js'

const postgres = await probePostgres()

/** A usage error: exit 2, one line on stderr, nothing on stdout, no stack trace, no Node warning. */
function expectUsageLine(run: CliRun): string {
  expect(run.code).toBe(2)
  expect(run.stdout).toBe('')
  const lines = run.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^racebench: /)
  expect(run.stderr).not.toMatch(/\n\s+at |Warning/)
  return lines[0]!
}

describe('an unknown command or option names the closest one and the valid ones', () => {
  it('a mistyped command', async () => {
    const line = expectUsageLine(await runCli(['rn', 'double-booking']))
    expect(line).toMatch(/^racebench: unknown command 'rn' \(did you mean run\?\); commands: run, compare, list, explain\b/)
  })

  it("a mistyped option of run, with run's options", async () => {
    const line = expectUsageLine(await runCli(['run', 'double-booking', '--wokers', '3']))
    expect(line).toMatch(/^racebench: unknown option '--wokers' \(did you mean --workers\?\); options of run: --strategy, --db, .*--workers, .*--help$/)
  })

  it('an option nothing resembles still lists the valid ones', async () => {
    const line = expectUsageLine(await runCli(['compare', 'double-booking', '-x']))
    expect(line).toMatch(/^racebench: unknown option '-x'; options of compare: .*--strategies/)
  })

  it('an unknown option before any command', async () => {
    const line = expectUsageLine(await runCli(['--wokers']))
    expect(line).toMatch(/^racebench: unknown option '--wokers'; options: --version, --help; commands: run, compare, list, explain/)
  })

  it('a missing scenario shows the usage and the built-in scenarios', async () => {
    const line = expectUsageLine(await runCli(['run']))
    expect(line).toBe(
      "racebench: missing required argument 'scenario'; usage: racebench run [options] <scenario>; built-in scenarios: double-booking, double-payment, duplicate-chunk-insert, hold-confirm-release, lost-update, payment-saga, position-sync, status-transition, or a path to a scenario file",
    )
  })

  it('a bad --isolation is one line with the valid levels; any spelling of a valid one is taken', async () => {
    const line = expectUsageLine(await runCli(['run', 'double-booking', '--isolation', 'snapshot']))
    expect(line).toBe("racebench: --isolation 'snapshot' is not one of: read-committed, repeatable-read, serializable")
    // Spelled as SQL: accepted (only the bad iteration count is reported).
    const spelled = expectUsageLine(await runCli(['run', 'double-booking', '--isolation', 'READ COMMITTED', '-n', '0']))
    expect(spelled).toMatch(/^racebench: --iterations must be a whole number from 1 to \d+, got '0'$/)
  })
})

describe('values past what timers and servers take are refused, with the range', () => {
  it('--duration, --think, --timeout and --lock-ttl, all named in one line', async () => {
    // Before: the run never ended, a 1 ms pause with a TimeoutOverflowWarning each, a 1 ms connect timeout.
    const times = [
      ['--duration', '999999999h', '1ms to 24h'],
      ['--think', '999999999h', '0 to 1h'],
      ['--timeout', '999999h', '1ms to 1h'],
      ['--lock-ttl', '999999999h', '1ms to 24h'],
    ] as const
    const line = expectUsageLine(await runCli(['run', 'double-booking', ...times.flatMap(([option, value]) => [option, value])]))
    for (const [option, , range] of times) expect(line).toContain(`${option} must be a time from ${range}, like 500ms, 10s or 2m (a bare number is`)
    for (const [, value] of times) expect(line).toContain(`got '${value}'`)
  })

  it('every bad number at once, before anything starts', async () => {
    const line = expectUsageLine(await runCli(['run', 'double-booking', '--iterations', '1e3', '--workers', '0x10', '--seed', '', '--max-retries', '-1']))
    for (const option of ['--iterations', '--workers', '--seed', '--max-retries']) expect(line).toContain(`${option} must be a whole number`)
  })
})

describe('help and README agree', () => {
  it('every time option reads <time>, and every default is shown bare', async () => {
    const help = await runCli(['run', '--help'])
    expect(help.code).toBe(0)
    for (const option of ['--lock-ttl', '--duration', '--think', '--timeout']) expect(help.stdout).toContain(`${option} <time>`)
    expect(help.stdout).not.toMatch(/default: ["[]/)
    expect(help.stdout).toMatch(/\(default:\s+10s\)/)
    expect(help.stdout).toMatch(/\(default:\s+8\)/)
  })

  it("the README's options of run are the help's", async () => {
    const help = (await runCli(['run', '--help'])).stdout
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const table = readme.slice(readme.indexOf('## Options of `racebench run'))
    const flags = [...table.matchAll(/^\| `([^`]+)` \|/gm)].map((match) => match[1]!)
    expect(flags).toContain('--lock-ttl <time>')
    for (const flag of flags) expect(help).toContain(flag)
  })
})

describe.skipIf(!postgres.available)('off a terminal, a run says what it is doing', () => {
  it('one start line on stderr, and stdout holds only the JSON', async () => {
    const run = await runCli(['run', 'double-booking', '-s', 'unique', '--db', PG_URL, '-n', '2', '-w', '1', '--json'])
    expect(run.code).toBe(0)
    expect(run.stderr).toMatch(/^racebench: running double-booking \(unique\) with 1 worker × 2 iterations on PostgreSQL [\d.]+\n$/)
    expect(JSON.parse(run.stdout).strategy).toBe('unique')
  })
})

if (!postgres.available) it.skip(`start line: ${postgres.reason}`, () => {})
