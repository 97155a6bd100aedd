import { describe, expect, it } from 'vitest'
import { Chalk } from 'chalk'
import type { RunResult } from '../../src/run-result.js'
import { renderRunTable } from '../../src/report/table.js'
import { styleFor } from '../../src/report/style.js'

const latency = { mean: 1.5, p50: 1.2, p95: 3.4, p99: 5.6, max: 9.1 }
const none = { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 }
const result: RunResult = {
  scenario: 'double-booking',
  strategy: 'none',
  expect: 'unsafe',
  isolation: 'read committed',
  db: { dialect: 'postgres', server: 'PostgreSQL 15.20', url: 'postgres://postgres:***@127.0.0.1:5432/postgres', embedded: false, schema: 'racebench_double_booking_0a1b2c3d', kept: false },
  workers: 8,
  iterations: 50,
  durationLimitMs: null,
  thinkMs: 10,
  seed: 42,
  params: { rooms: 5, nights: 5 },
  outcomes: { ok: 30, rejected: 365, conflict: 0, error: 5, unknown: 0 },
  retries: 0,
  errorsByClass: { serialization: 0, deadlock: 0, 'lock-timeout': 0, unique: 0, connection: 0, other: 5 },
  errorSamples: ['relation "bookings" does not exist'],
  durationMs: 1280,
  opsPerSec: 312.5,
  latencyMs: latency,
  latencyMsByOutcome: { ok: latency, rejected: latency, conflict: none, error: latency, unknown: none },
  locks: { acquired: 395, notAcquired: 5, lost: 2, waitMs: { mean: 0.8, p50: 0.3, p95: 2.5, p99: 7.25, max: 40 } },
  redis: { server: 'Redis 7.0.15', url: 'redis://127.0.0.1:6379' },
  reads: 1234,
  readErrors: 0,
  observations: { 'partial read': { count: 3, samples: ['document 4: 2 of 5 chunks'] } },
  invariants: [
    { name: 'no double booking', held: false, detail: 'room 3 on night 2 has 4 active bookings' },
    { name: 'active bookings = ok outcomes', held: true, detail: '30 active bookings, 30 acknowledged' },
  ],
  violations: 1,
}

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
