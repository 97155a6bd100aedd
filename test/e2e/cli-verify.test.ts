import { describe, expect, it } from 'vitest'
import { embeddedDirs, runCli, type CliRun } from '../support/cli.js'

/**
 * `racebench verify` refuses bad input before any server is started or touched: one line on stderr,
 * exit 2, nothing on stdout. No --db is given: a check that came too late would start an embedded server.
 */
function expectUsageLine(run: CliRun): string {
  expect(run.code).toBe(2)
  expect(run.stdout).toBe('')
  const lines = run.stderr.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(run.stderr).not.toMatch(/\n\s+at |Warning/)
  return lines[0]!
}

describe('racebench verify: bad input', () => {
  it('an unknown scenario lists the valid ones', async () => {
    const before = embeddedDirs().length
    const line = expectUsageLine(await runCli(['verify', '--scenarios', 'lost-update,lost-updat']))
    expect(line).toBe(
      "racebench: unknown scenario 'lost-updat' (did you mean lost-update?); valid: double-booking, double-payment, duplicate-chunk-insert, hold-confirm-release, lost-update, payment-saga, position-sync, status-transition, or a path to a scenario file",
    )
    expect(embeddedDirs().length).toBeLessThanOrEqual(before)
  })

  it('an unknown strategy lists those of the chosen scenarios', async () => {
    const line = expectUsageLine(await runCli(['verify', '--scenarios', 'lost-update', '--strategies', 'none,optimstic']))
    expect(line).toBe(
      "racebench: unknown strategy 'optimstic' (did you mean optimistic?) for lost-update; valid: none, atomic, pessimistic, optimistic, serializable, redis-lock, redlock",
    )
  })

  it('a strategy no scenario has, across every scenario', async () => {
    const line = expectUsageLine(await runCli(['verify', '--strategies', 'hope']))
    expect(line).toMatch(/^racebench: unknown strategy 'hope' in the chosen scenarios; valid: none, pessimistic, optimistic, .*, redis-lock, .*$/)
  })

  it('--repeat 0', async () => {
    expect(expectUsageLine(await runCli(['verify', '--repeat', '0']))).toBe("racebench: --repeat must be a whole number from 1 to 1000, got '0'")
  })

  it('every bad value on one line: numbers, and a --db that is no database URL (password masked)', async () => {
    const line = expectUsageLine(await runCli(['verify', '--repeat', 'x', '-w', '0', '--db', 'postgres://postgres@127.0.0.1:5432/postgres', '--db', 'http://u:hunter2@x/y']))
    expect(line).toMatch(
      /^racebench: --repeat must be a whole number from 1 to 1000, got 'x'; --workers must be a whole number from 1 to 10000, got '0'; --db 'http:\/\/u:\*\*\*@x\/y' is not a database URL racebench knows/,
    )
    expect(line).not.toContain('hunter2')
  })
})
