import { describe, expect, it } from 'vitest'
import { Chalk } from 'chalk'
import type { RunResult } from '../../src/run-result.js'
import { renderRunTable } from '../../src/report/table.js'
import { styleFor } from '../../src/report/style.js'
import { renderExplanation, renderScenarioList } from '../../src/report/scenario-list.js'
import { showProgress } from '../../src/report/progress.js'
import { createRunEmitter } from '../../src/runner/events.js'
import { BUILTIN_SCENARIOS } from '../../src/scenario/builtin.js'
import { run, trace } from '../support/run-fixture.js'

const { default: doubleBooking } = await BUILTIN_SCENARIOS['double-booking']!()

const latency = { mean: 1.5, p50: 1.2, p95: 3.4, p99: 5.6, max: 9.1 }
const none = { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 }
const outcomes = { ok: 30, rejected: 365, conflict: 0, error: 5, unknown: 0 }
/** The shared fixture with errors, locks, Redis, readers and observations: every summary line shows. */
const result: RunResult = run({
  db: { dialect: 'postgres', server: 'PostgreSQL 15.20', url: 'postgres://postgres:***@127.0.0.1:5432/postgres', embedded: false, schema: 'racebench_double_booking_0a1b2c3d', kept: false },
  nodes: [{ url: 'postgres://postgres:***@127.0.0.1:5432/postgres', server: 'PostgreSQL 15.20', cluster: null, workers: 8, outcomes, stoppedWorkers: 0 }],
  outcomes,
  errorsByClass: { serialization: 0, deadlock: 0, 'lock-timeout': 0, unique: 0, connection: 0, other: 5 },
  errorSamples: ['relation "bookings" does not exist'],
  latencyMsByOutcome: { ok: latency, rejected: latency, conflict: none, error: latency, unknown: none },
  locks: { acquired: 395, notAcquired: 5, lost: 2, waitMs: { mean: 0.8, p50: 0.3, p95: 2.5, p99: 7.25, max: 40 } },
  redis: { server: 'Redis 7.0.15', url: 'redis://127.0.0.1:6379' },
  reads: 1234,
  observations: { 'partial read': { count: 3, samples: ['document 4: 2 of 5 chunks'] } },
  traces: [],
})

describe('renderRunTable', () => {
  const plain = renderRunTable(result, new Chalk({ level: 0 }))

  it('shows settings, a row per outcome, throughput, errors and each invariant', () => {
    expect(plain).toContain('double-booking · strategy none (unsafe) · PostgreSQL 15.20 + Redis 7.0.15 · read committed')
    expect(plain).toContain('8 workers × 50 iterations · think 10ms · seed 42 · rooms=5 · nights=5 · schema racebench_double_booking_0a1b2c3d dropped')
    expect(plain).toMatch(/│ ok\s+│\s+30 │\s+7\.5% │\s+1\.20 │\s+3\.40 │\s+5\.60 │\s+9\.10 │/)
    expect(plain).toMatch(/│ conflict\s+│\s+0 │\s+0\.0% │\s+– │/)
    expect(plain).toMatch(/│ all\s+│\s+400 │\s+100\.0% │/)
    expect(plain).toContain('400 operations in 1.28s · 312.5 ops/s · mean 1.50 ms · 0 retries')
    expect(plain).toContain('database errors: other 5')
    expect(plain).toContain('readers: 1234 reads')
    expect(plain).toContain('observed partial read ×3, e.g. document 4: 2 of 5 chunks')
    expect(plain).toContain('locks: 395 acquired, 5 not acquired within the timeout, 2 expired before release · wait p50 0.30 · p95 2.50 · p99 7.25 · max 40.0 ms')
    expect(plain).toContain('error: relation "bookings" does not exist')
    expect(plain).toContain('  ✘ no double booking: room 3 on night 2 has 4 active bookings')
    expect(plain).toContain('  ✔ active bookings = ok outcomes: 30 active bookings, 30 acknowledged')
    expect(plain).toContain("✘ 1 of 2 invariants violated (as expected: 'none' is unsafe)")
  })

  it('has no colour codes when plain, and colour when asked', () => {
    expect(plain).not.toMatch(/\x1b\[/)
    expect(renderRunTable(result, new Chalk({ level: 1 }))).toMatch(/\x1b\[/)
  })

  it('is plain when the stream is not a terminal or NO_COLOR is set', () => {
    expect(styleFor({ isTTY: false }, {}).level).toBe(0)
    expect(styleFor({ isTTY: true }, { NO_COLOR: '1' }).level).toBe(0)
    expect(styleFor({ isTTY: true }, {}).level).toBe(1)
  })
})

describe('counts in words', () => {
  const plain = new Chalk({ level: 0 })
  const one = { ...result.invariants[1]!, held: true }
  const single: RunResult = {
    ...result,
    workers: 1,
    iterations: 1,
    outcomes: { ok: 1, rejected: 0, conflict: 0, error: 0, unknown: 0 },
    retries: 1,
    reads: 1,
    invariants: [one],
    violations: 0,
  }

  it('says one invariant, one operation, one retry, one worker', () => {
    const text = renderRunTable(single, plain)
    expect(text).toContain('✔ the 1 invariant held')
    expect(text).not.toContain('all 1 invariants')
    expect(text).toContain('1 operation in 1.28s')
    expect(text).toContain('· 1 retry')
    expect(text).toContain('1 worker × 1 iteration · think 10ms')
    expect(text).toContain('readers: 1 read')
    expect(text).not.toMatch(/\b1 (operations|retries|workers|iterations|reads|invariants)\b/)
  })

  it('says one of one invariant violated', () => {
    const text = renderRunTable({ ...single, invariants: [{ ...one, held: false }], violations: 1 }, plain)
    expect(text).toContain("✘ 1 of 1 invariant violated (as expected: 'none' is unsafe)")
  })

  it('keeps the plural for many', () => {
    const text = renderRunTable({ ...result, invariants: result.invariants.map((i) => ({ ...i, held: true })), violations: 0 }, plain)
    expect(text).toContain('✔ all 2 invariants held')
    expect(text).toContain('400 operations in 1.28s')
  })
})

describe('explain', () => {
  const plain = new Chalk({ level: 0 })
  const text = renderExplanation(doubleBooking, plain)

  it('tells the story first, then each strategy with what it does, invariants, params and what to try', () => {
    const order = ['double-booking: ', '\nA hotel booking API', '\nstrategies', '\n  none (unsafe; safe at serializable)', '\ninvariants', '\n  no double booking', '\nparams: rooms=5 nights=5', '\ntry\n']
    const at = order.map((part) => text.indexOf(part))
    expect(at.every((index) => index >= 0)).toBe(true)
    expect(at).toEqual([...at].sort((a, b) => a - b))
    expect(text).toContain('  redis-lock (safe; unsafe under --nemesis pause-worker; needs redis)')
    expect(text).toMatch(/^ {2}racebench run double-booking -s none +# an unsafe strategy/m)
    expect(text).toMatch(/^ {2}racebench compare double-booking +# /m)
  })

  it('does not repeat the list', () => {
    const list = renderScenarioList([doubleBooking], plain)
    const listLines = list.split('\n').slice(1).filter((line) => line.trim())
    for (const line of listLines) expect(text).not.toContain(line)
  })

  it('names a scenario file as the user did', () => {
    expect(renderExplanation(doubleBooking, plain, './my-scenario.js')).toContain('racebench compare ./my-scenario.js')
  })
})

describe('progress off a terminal', () => {
  function capture(live: boolean, columns = 200) {
    const written: string[] = []
    const events = createRunEmitter()
    showProgress(events, { isTTY: live, columns, write: (text: string) => written.push(text) } as unknown as NodeJS.WriteStream, { live })
    return { events, written }
  }

  it('prints the running line once, and nothing else', () => {
    const { events, written } = capture(false)
    events.emit('phase', 'starting an embedded PostgreSQL')
    events.emit('phase', 'running double-booking (none) with 8 workers for 20s on PostgreSQL 15.19')
    events.emit('start', { workers: 8 })
    events.emit('tick', { elapsedMs: 1_000, completed: 10, outcomes: { ok: 1, rejected: 9, conflict: 0, error: 0, unknown: 0 }, retries: 0 })
    events.emit('phase', 'checking invariants')
    events.emit('phase', 'cleaning up')
    expect(written).toEqual(['racebench: running double-booking (none) with 8 workers for 20s on PostgreSQL 15.19\n'])
  })

  it('on a terminal, rewrites one line in place: before the first interval closes, counts so far', () => {
    const { events, written } = capture(true)
    events.emit('tick', { elapsedMs: 1_000, completed: 1, outcomes: { ok: 1, rejected: 0, conflict: 0, error: 0, unknown: 0 }, retries: 0, plannedMs: 20_000 })
    expect(written).toEqual(['\r\x1b[Kracebench: 1s of 20s · 1 ops · conflicts 0 · errors 0'])
  })

  it('then the last interval: ops/s and p99, conflicts, errors (unknown included), retries, and what is left', () => {
    const { events, written } = capture(true)
    const outcomes = { ok: 300, rejected: 0, conflict: 5, error: 1, unknown: 1 }
    const interval = { t: 1, seconds: 1, outcomes, opsPerSec: 512.4, p50: 2, p99: 12.3, retries: 4, lockWaits: 0, lockWaitMaxMs: 0 }
    events.emit('tick', { elapsedMs: 2_000, completed: 400, outcomes, retries: 4, interval, planned: 800 })
    expect(written).toEqual(['\r\x1b[Kracebench: 2s, 50% done, ~2s left · 512 ops/s · conflicts 5 · errors 2 · retries 4 · p99 12.3 ms'])
  })

  it('on a narrow terminal, cuts the line to its width, so it can still be rewritten', () => {
    const { events, written } = capture(true, 40)
    events.emit('phase', 'running double-booking (none) with 8 workers for 20s on PostgreSQL 15.19')
    expect(written).toHaveLength(1)
    expect(written[0]).toMatch(/^\r\x1b\[Kracebench: running double-booking/)
    expect(written[0]!.length).toBe('\r\x1b[K'.length + 39)
  })
})

describe('after the timelines', () => {
  const plain = new Chalk({ level: 0 })
  const brokenAt = (...keys: string[]) => keys.map((key) => ({ key, keyValue: key, detail: '2 active bookings' }))
  const [doubleBooked, counted] = run().invariants as [RunResult['invariants'][number], RunResult['invariants'][number]]
  /** Room 3 night 2 drawn; two more keys broken, one of them named by both invariants. */
  const broken: RunResult = run({
    invariants: [
      { ...doubleBooked, broken: brokenAt('room 3 night 2', 'room 1 night 1', 'room 2 night 4') },
      { ...counted, held: false, broken: brokenAt('room 1 night 1') },
    ],
    violations: 2,
    traces: [trace('no double booking', 'room 3 night 2')],
  })

  it('says how many more keys broke than were drawn, and the --show that draws them all', () => {
    const text = renderRunTable(broken, plain)
    expect(text).toContain('how it happened on room 3 night 2')
    expect(text.trimEnd().split('\n').slice(-2)).toEqual(['', '2 more broken keys: --show 3 to draw them all'])
  })

  it('says nothing more when every broken key was drawn, or none was (--show 0)', () => {
    const all = { ...broken, traces: ['room 3 night 2', 'room 1 night 1', 'room 2 night 4'].map((key) => trace('no double booking', key)) }
    expect(renderRunTable(all, plain)).not.toContain('more broken key')
    expect(renderRunTable({ ...broken, traces: [] }, plain)).not.toContain('more broken key')
  })

  it('asks for no more than --show takes', () => {
    const many = { ...broken, invariants: [{ ...doubleBooked, broken: brokenAt(...Array.from({ length: 150 }, (_, i) => `room ${i} night 1`)) }] }
    expect(renderRunTable(many, plain)).toContain('149 more broken keys: --show 100 to draw the first 100')
  })
})
