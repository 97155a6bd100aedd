import { OUTCOMES } from '../history/outcome.js'
import type { RunResult } from '../run-result.js'

/** How a metric's values are written and shown: a threshold's value is read in the same unit. */
export type MetricUnit = 'ms' | 'rate' | 'ops/s' | 'count'

export interface Metric {
  readonly unit: MetricUnit
  readonly summary: string
  readonly of: (result: RunResult) => number
}

const operations = (r: RunResult) => OUTCOMES.reduce((sum, outcome) => sum + r.outcomes[outcome], 0)
/** A share of the run's operations, 0 when there were none (nothing to be a share of). */
const share = (count: (r: RunResult) => number) => (r: RunResult) => {
  const total = operations(r)
  return total === 0 ? 0 : count(r) / total
}

/**
 * Every metric a `--threshold` can name, read off a run's result: k6's names where k6 has one
 * (`p(99)` is written `p99` here), snake_case as k6 writes them. Latencies are of every operation,
 * whatever its outcome; rates are shares of all operations, written `5%` or `0.05`.
 */
export const METRICS: Readonly<Record<string, Metric>> = {
  p50: { unit: 'ms', summary: 'median latency of every operation', of: (r) => r.latencyMs.p50 },
  p95: { unit: 'ms', summary: '95th-percentile latency', of: (r) => r.latencyMs.p95 },
  p99: { unit: 'ms', summary: '99th-percentile latency', of: (r) => r.latencyMs.p99 },
  max: { unit: 'ms', summary: 'slowest operation', of: (r) => r.latencyMs.max },
  mean: { unit: 'ms', summary: 'mean latency', of: (r) => r.latencyMs.mean },
  ok_p99: { unit: 'ms', summary: '99th-percentile latency of the operations that succeeded', of: (r) => r.latencyMsByOutcome.ok.p99 },
  lock_wait_p99: { unit: 'ms', summary: '99th-percentile wait to acquire a lock (0 without locks)', of: (r) => r.locks?.waitMs.p99 ?? 0 },
  ops_per_s: { unit: 'ops/s', summary: 'operations completed per second', of: (r) => r.opsPerSec },
  operations: { unit: 'count', summary: 'operations completed', of: operations },
  ok: { unit: 'count', summary: 'operations that succeeded', of: (r) => r.outcomes.ok },
  rejected: { unit: 'count', summary: 'operations refused by the business rule', of: (r) => r.outcomes.rejected },
  conflicts: { unit: 'count', summary: 'operations that lost to a concurrent one (after retries)', of: (r) => r.outcomes.conflict },
  errors: { unit: 'count', summary: 'operations that failed unexpectedly, unknown outcomes included', of: (r) => r.outcomes.error + r.outcomes.unknown },
  retries: { unit: 'count', summary: 'retries made', of: (r) => r.retries },
  violations: { unit: 'count', summary: 'invariants violated', of: (r) => r.violations },
  locks_not_acquired: { unit: 'count', summary: 'locks given up on after waiting --timeout', of: (r) => r.locks?.notAcquired ?? 0 },
  ok_rate: { unit: 'rate', summary: 'share of operations that succeeded', of: share((r) => r.outcomes.ok) },
  rejected_rate: { unit: 'rate', summary: 'share of operations rejected', of: share((r) => r.outcomes.rejected) },
  conflict_rate: { unit: 'rate', summary: 'share of operations that ended in conflict', of: share((r) => r.outcomes.conflict) },
  error_rate: { unit: 'rate', summary: 'share of operations that ended in error or unknown', of: share((r) => r.outcomes.error + r.outcomes.unknown) },
  retry_rate: { unit: 'rate', summary: 'retries per operation', of: share((r) => r.retries) },
}

/** A value as a person reads it: `42.1 ms`, `3.2%`, `512 ops/s`, `7`. */
export function showMetricValue(unit: MetricUnit, value: number): string {
  const tidy = (n: number) => String(Math.round(n * 1000) / 1000)
  switch (unit) {
    case 'ms':
      return `${tidy(value)} ms`
    case 'rate':
      return `${tidy(value * 100)}%`
    case 'ops/s':
      return `${tidy(value)} ops/s`
    case 'count':
      return tidy(value)
  }
}
