import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { PG_URL, probePostgres, probeRedis, REDIS_URL } from '../support/services.js'

const postgres = await probePostgres()
const redis = await probeRedis()

describe.skipIf(!postgres.available)('racebench compare', () => {
  it('lines strategies up with the same seed, and exits 0 when each behaved as declared', async () => {
    const run = await runCli(['compare', 'double-booking', '--db', PG_URL, '--strategies', 'none,unique,optimistic', '--seed', '11', '-n', '20'])
    expect(run.stderr).toMatch(/^(racebench: running [^\n]+\n){3}$/) // off a terminal: only a start line per strategy
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/^compare double-booking · PostgreSQL [\d.]+$/m)
    expect(run.stdout).toContain('seed 11')
    expect(run.stdout).toMatch(/│ none\s+│ unsafe │ read committed │.*│ ✘ 1 violated\s+│/)
    expect(run.stdout).toMatch(/│ unique\s+│ safe\s+│ read committed │.*│ ✔ held\s+│/)
    // The fastest strategy that held is the 1.00× reference.
    expect(run.stdout).toMatch(/│ (unique|optimistic)\s+│.*│\s+1\.00× │/)
    expect(run.stdout).toMatch(/^ {2}✘ none: no double booking: /m)
    // Where to see how it broke: the first broken key, and the run that draws its timeline.
    expect(run.stdout).toMatch(/^ {4}first broken key: room \d+ night \d+ \(\d+ active bookings\); see how it broke: racebench run double-booking --strategy none --seed 11, with the same options$/m)
    expect(run.stdout.match(/first broken key/g)).toHaveLength(1)
    expect(run.stdout).toContain('✔ every strategy behaved as it declares')
  })

  it('says, under each strategy, how many faults --nemesis injected into its run', async () => {
    const run = await runCli(['compare', 'lost-update', '--db', PG_URL, '--strategies', 'atomic,optimistic', '--nemesis', 'kill-connections:25%/50ms', '-n', '20', '--seed', '4'])
    expect(run.code).toBe(0) // both safe strategies held: a killed connection is an error or unknown, never a lost update
    expect(run.stdout).toMatch(/^ {2}atomic: nemesis kill-connections ×[1-9]\d*$/m)
    expect(run.stdout).toMatch(/^ {2}optimistic: nemesis kill-connections ×[1-9]\d*$/m)
  })

  it('--history is refused: it records one run, and compare makes several', async () => {
    const run = await runCli(['compare', 'double-booking', '--db', PG_URL, '--history', 'h.jsonl'])
    expect(run.code).toBe(2)
    expect(run.stderr.trim()).toBe('racebench: --history records one run: use `racebench run <scenario> --strategy <name> --history FILE` for the strategy you want to see')
  })

  it('--json prints an array of run results, one per strategy, all with the same seed', async () => {
    const run = await runCli(['compare', 'double-booking', '--db', PG_URL, '--strategies', 'none,pessimistic', '--json', '-n', '10'])
    expect(run.code).toBe(0)
    const results = JSON.parse(run.stdout)
    expect(results.map((r: { strategy: string }) => r.strategy)).toEqual(['none', 'pessimistic'])
    expect(results[0].seed).toBe(results[1].seed)
    expect(results[0].db.schema).not.toBe(results[1].db.schema)
  })

  it('declares the REPEATABLE READ caveat, so a lock that protects nothing there still behaves as declared', async () => {
    const run = await runCli(['compare', 'double-booking', '--db', PG_URL, '--strategies', 'pessimistic', '--isolation', 'repeatable-read', '-w', '16', '-p', 'rooms=1', '-p', 'nights=1', '-n', '5'])
    expect(run.stdout).toMatch(/│ pessimistic\s+│ unsafe │ repeatable read │.*✘ 1 violated/)
    expect(run.code).toBe(0)
  })

  it.skipIf(!redis.available)('exits 1 when a strategy declared safe violates an invariant', async () => {
    const args = ['compare', 'double-booking', '--db', PG_URL, '--redis', REDIS_URL, '--strategies', 'redis-lock,unique']
    const run = await runCli([...args, '--lock-ttl', '20ms', '--think', '100', '-w', '16', '-p', 'rooms=1', '-p', 'nights=1', '-n', '3'])
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('✘ declared safe but violated an invariant: redis-lock')
  })

  it('an unknown strategy is exit 2, before anything runs', async () => {
    const run = await runCli(['compare', 'double-booking', '--db', PG_URL, '--strategies', 'none,hope'])
    expect(run.code).toBe(2)
    expect(run.stderr).toContain("unknown strategy 'hope' for double-booking; valid: none, pessimistic")
    expect(run.stdout).toBe('')
  })
})

if (!postgres.available) it.skip(`compare: ${postgres.reason}`, () => {})
