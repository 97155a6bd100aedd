import { describe, expect, it } from 'vitest'
import { runCli, expectOneLine } from '../support/cli.js'


describe('exit code 2: usage errors name the valid choices', () => {
  it('unknown scenario', async () => {
    const run = await runCli(['run', 'doubel-booking'])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).toContain("unknown scenario 'doubel-booking' (did you mean double-booking?); valid: double-booking")
  })

  it('unknown strategy', async () => {
    const run = await runCli(['run', 'double-booking', '--strategy', 'hope'])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).toContain("unknown strategy 'hope' for double-booking; valid: none, pessimistic, optimistic, unique, serializable, advisory, redis-lock")
  })

  it('bad values, all at once', async () => {
    const run = await runCli(['run', 'double-booking', '--workers', '0', '--think', 'soon', '--param', 'rooms=0'])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).toContain('--workers must be a whole number from 1 to 10000')
    expect(run.stderr).toContain("--think must be a time")
  })

  it('bad params name the valid ones', async () => {
    const unknown = await runCli(['run', 'double-booking', '--param', 'floors=3'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain("double-booking has no param 'floors'; its params are: rooms, nights")
    const zero = await runCli(['run', 'double-booking', '--param', 'rooms=0'])
    expect(zero.code).toBe(2)
    expect(zero.stderr).toContain('--param rooms must be a whole number from 1 to 10000, got 0')
  })

  it('unknown option and bad isolation come from commander, one line each', async () => {
    const option = await runCli(['run', 'double-booking', '--wokers', '3'])
    expect(option.code).toBe(2)
    expect(option.stderr).toMatch(/^racebench: unknown option '--wokers'/)
    const isolation = await runCli(['run', 'double-booking', '--isolation', 'snapshot'])
    expect(isolation.code).toBe(2)
    expect(isolation.stderr).toContain('read-committed, repeatable-read, serializable')
  })

  it('a database URL racebench does not speak', async () => {
    const run = await runCli(['run', 'double-booking', '--db', 'oracle://scott:tiger@db:1521/x'])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).not.toContain('tiger')
  })
})

describe('exit code 3: the target cannot be reached or prepared', () => {
  it('names host and port and masks the password', async () => {
    const run = await runCli(['run', 'double-booking', '--db', 'postgres://alice:hunter2@127.0.0.1:1/app'])
    expect(run.code).toBe(3)
    expectOneLine(run)
    expect(run.stderr).toContain('127.0.0.1:1')
    expect(run.stderr).toContain('postgres://alice:***@127.0.0.1:1/app')
    expect(run.stderr).toContain('connection refused')
    expect(run.stderr).not.toContain('hunter2')
  })

  it('masks the password under --debug too', async () => {
    const run = await runCli(['run', 'double-booking', '--debug', '--db', 'postgres://alice:hunter2@127.0.0.1:1/app'])
    expect(run.code).toBe(3)
    expect(run.stderr).not.toContain('hunter2')
  })
})

describe('list and help', () => {
  it('list prints every scenario with its strategies and summaries', async () => {
    const run = await runCli(['list'])
    expect(run.code).toBe(0)
    for (const strategy of ['none', 'pessimistic', 'optimistic', 'unique', 'serializable', 'advisory']) {
      expect(run.stdout).toMatch(new RegExp(`^  ${strategy}\\s+(safe|unsafe)\\s+\\S`, 'm'))
    }
  })

  it('--help exits 0', async () => {
    const run = await runCli(['run', '--help'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('--strategy')
  })
})
