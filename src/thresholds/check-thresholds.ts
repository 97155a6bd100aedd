import type { RunResult } from '../run-result.js'
import { METRICS, showMetricValue } from './metrics.js'
import type { Threshold, ThresholdResult } from './threshold.js'

const PASSES: Record<Threshold['op'], (measured: number, bound: number) => boolean> = {
  '<': (m, b) => m < b,
  '<=': (m, b) => m <= b,
  '>': (m, b) => m > b,
  '>=': (m, b) => m >= b,
  '==': (m, b) => m === b,
  '!=': (m, b) => m !== b,
}

/**
 * Checks each threshold on the runs (one, or `--repeat N`): it passes only if it passes on every run,
 * and shows the value of the run that did worst (the first run that failed it, else the one closest
 * to failing), so a flaky p99 cannot hide behind a good average.
 */
export function checkThresholds(thresholds: readonly Threshold[], runs: readonly RunResult[]): ThresholdResult[] {
  return thresholds.map((threshold) => {
    const metric = METRICS[threshold.metric]!
    const values = runs.map((run) => metric.of(run))
    const passes = (value: number) => PASSES[threshold.op](value, threshold.value)
    const failed = values.find((value) => !passes(value))
    // For `<` and `<=` the worst passing value is the largest, for `>` and `>=` the smallest.
    const worst = failed ?? (threshold.op.startsWith('<') ? Math.max(...values) : threshold.op.startsWith('>') ? Math.min(...values) : values[0]!)
    return {
      expression: threshold.expression,
      metric: threshold.metric,
      measured: worst,
      shown: showMetricValue(metric.unit, worst),
      passed: failed === undefined,
    }
  })
}
