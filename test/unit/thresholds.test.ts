import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import type { RunResult } from '../../src/run-result.js'
import { checkThresholds } from '../../src/thresholds/check-thresholds.js'
import { parseThresholds } from '../../src/thresholds/parse-threshold.js'

/** The parts of a run that thresholds read. */
function run(p99: number, counts: { ok: number; conflict: number; error?: number }, opsPerSec = 100, retries = 0): RunResult {
  const latency = { mean: p99 / 2, p50: p99 / 3, p95: p99 / 1.5, p99, max: p99 * 2 }
  return {
    outcomes: { ok: counts.ok, rejected: 0, conflict: counts.conflict, error: counts.error ?? 0, unknown: 0 },
    latencyMs: latency,
    latencyMsByOutcome: { ok: latency },
    opsPerSec,
    retries,
    violations: 0,
    locks: null,
  } as unknown as RunResult
}

describe('--threshold, parsed', () => {
  it('reads k6-style expressions in each metric’s unit', () => {
    expect(parseThresholds(['p99<50ms', 'p95 <= 1.5s', 'p50<500us', 'conflict_rate<5%', 'error_rate<=0.01', 'ops_per_s>500', 'errors==0', 'retries!=3'])).toEqual([
      { expression: 'p99<50ms', metric: 'p99', op: '<', value: 50 },
      { expression: 'p95 <= 1.5s', metric: 'p95', op: '<=', value: 1500 },
      { expression: 'p50<500us', metric: 'p50', op: '<', value: 0.5 },
      { expression: 'conflict_rate<5%', metric: 'conflict_rate', op: '<', value: 0.05 },
      { expression: 'error_rate<=0.01', metric: 'error_rate', op: '<=', value: 0.01 },
      { expression: 'ops_per_s>500', metric: 'ops_per_s', op: '>', value: 500 },
      { expression: 'errors==0', metric: 'errors', op: '==', value: 0 },
      { expression: 'retries!=3', metric: 'retries', op: '!=', value: 3 },
    ])
  })

  it('says every problem at once, in one line', () => {
    const attempt = () => parseThresholds(['p99<fast', 'latency<5ms', 'errors==1.5', 'p99'])
    expect(attempt).toThrow(UsageError)
    expect(attempt).toThrow(/'fast' is not a time.*unknown metric 'latency'.*'1.5' is not a whole number.*'p99' is not METRIC OP VALUE/)
  })
})

describe('--threshold, checked', () => {
  it('passes or fails on the measured value, shown in the metric’s unit', () => {
    const results = checkThresholds(parseThresholds(['p99<50ms', 'conflict_rate<5%', 'ops_per_s>500', 'errors==0']), [run(42.5, { ok: 90, conflict: 10 })])
    expect(results.map((r) => [r.expression, r.shown, r.passed])).toEqual([
      ['p99<50ms', '42.5 ms', true],
      ['conflict_rate<5%', '10%', false],
      ['ops_per_s>500', '100 ops/s', false],
      ['errors==0', '0', true],
    ])
  })

  it('a run with no operation has rates of 0, not NaN', () => {
    const [result] = checkThresholds(parseThresholds(['conflict_rate<5%']), [run(0, { ok: 0, conflict: 0 })])
    expect(result).toMatchObject({ measured: 0, passed: true })
  })

  it('over --repeat runs: fails if any run fails, and shows the worst run', () => {
    const runs = [run(10, { ok: 10, conflict: 0 }), run(80, { ok: 10, conflict: 0 }, 900), run(30, { ok: 10, conflict: 0 }, 300)]
    const [p99, throughput] = checkThresholds(parseThresholds(['p99<50ms', 'ops_per_s>50']), runs)
    expect(p99).toMatchObject({ measured: 80, passed: false })
    // Passing everywhere: the value closest to failing.
    expect(throughput).toMatchObject({ measured: 100, passed: true })
  })
})
