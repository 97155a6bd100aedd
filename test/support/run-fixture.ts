import type { Trace } from '../../src/history/trace.js'
import type { RunResult } from '../../src/run-result.js'

/**
 * A run result as a reporter gets it, made by hand for the reporters' unit tests (the integration
 * tests render real runs): double-booking's none, one invariant violated, one trace.
 */
const latency = { mean: 1.5, p50: 1.2, p95: 3.4, p99: 5.6, max: 9.1 }

export function run(overrides: Partial<RunResult> = {}): RunResult {
  return {
    scenario: 'double-booking',
    strategy: 'none',
    expect: 'unsafe',
    isolation: 'read committed',
    db: { dialect: 'postgres', server: 'PostgreSQL 15.20', url: 'postgres://postgres:***@127.0.0.1:5432/postgres', embedded: false, schema: 'racebench_x', kept: false },
    nodes: [{ url: 'postgres://postgres:***@127.0.0.1:5432/postgres', server: 'PostgreSQL 15.20', cluster: null, workers: 8, outcomes: { ok: 30, rejected: 370, conflict: 0, error: 0, unknown: 0 }, stoppedWorkers: 0 }],
    workers: 8,
    iterations: 50,
    durationLimitMs: null,
    thinkMs: 10,
    seed: 42,
    params: { rooms: 5, nights: 5 },
    outcomes: { ok: 30, rejected: 370, conflict: 0, error: 0, unknown: 0 },
    retries: 0,
    errorsByClass: { serialization: 0, deadlock: 0, 'lock-timeout': 0, unique: 0, connection: 0, other: 0 },
    errorSamples: [],
    durationMs: 1280,
    connectMs: 40,
    opsPerSec: 312.5,
    latencyMs: latency,
    latencyMsByOutcome: { ok: latency, rejected: latency, conflict: latency, error: latency, unknown: latency },
    locks: null,
    faults: [],
    redis: null,
    reads: 0,
    readErrors: 0,
    observations: {},
    invariants: [
      { name: 'no double booking', held: false, detail: 'room 3 on night 2 has 4 active bookings', broken: [], offline: false },
      { name: 'active bookings = ok outcomes', held: true, detail: '30 active bookings, 30 acknowledged', broken: [], offline: false },
    ],
    violations: 1,
    nothingTested: false,
    traces: [trace('no double booking', 'room 3 night 2')],
    series: { intervalMs: 1000, points: [] },
    ...overrides,
  }
}

export function trace(invariant: string, key: string, param = 'guest-1'): Trace {
  const operation = (worker: number, start: number) => ({
    worker,
    iteration: 0,
    key,
    start,
    end: start + 900,
    outcome: 'ok' as const,
    events: [{ t: start + 10, type: 'step' as const, worker, iteration: 0, sql: 'INSERT INTO bookings VALUES ($1)', params: [param], rows: 1, ms: 0.4 }],
    completion: { t: start + 900, type: 'ok' as const, worker, iteration: 0, key, ms: 0.9 },
  })
  return { invariant, key, detail: '2 active bookings', operations: [operation(1, 0), operation(2, 100)], dropped: 0 }
}
