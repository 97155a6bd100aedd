import { didYouMean } from '../did-you-mean.js'
import { UsageError } from '../errors.js'
import { METRICS, type MetricUnit } from './metrics.js'
import type { Threshold } from './threshold.js'

const OPERATORS = ['<=', '>=', '==', '!=', '<', '>'] as const
/** `p99 < 50ms`: a metric name, an operator, a value (spaces allowed around the operator). */
const SHAPE = /^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*(.+?)\s*$/

/**
 * Parses every `--threshold` before the run starts, and collects every problem into one line: a
 * malformed expression, an unknown metric (listing the valid ones), a value in the wrong unit.
 */
export function parseThresholds(expressions: readonly string[]): Threshold[] {
  const problems: string[] = []
  const thresholds: Threshold[] = []
  for (const expression of expressions) {
    const parsed = parseOne(expression)
    if (typeof parsed === 'string') problems.push(parsed)
    else thresholds.push(parsed)
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '))
  return thresholds
}

function parseOne(expression: string): Threshold | string {
  const match = SHAPE.exec(expression)
  if (!match) return `--threshold '${expression}' is not METRIC OP VALUE, like p99<50ms, conflict_rate<5% or errors==0 (operators: ${OPERATORS.join(' ')})`
  const [, name, op, text] = match as unknown as [string, string, Threshold['op'], string]
  const metric = METRICS[name.toLowerCase()]
  if (!metric) {
    const names = Object.keys(METRICS)
    return `--threshold '${expression}': unknown metric '${name}'${didYouMean(name, names)}; metrics: ${names.join(', ')}`
  }
  const value = valueIn(metric.unit, text)
  if (value === undefined) return `--threshold '${expression}': '${text}' is not ${UNIT_WORDS[metric.unit]}`
  return { expression: expression.trim(), metric: name.toLowerCase(), op, value }
}

const TIME_UNITS_MS: Readonly<Record<string, number>> = { us: 0.001, µs: 0.001, ms: 1, s: 1_000 }

const UNIT_WORDS: Record<MetricUnit, string> = {
  ms: 'a time, like 50ms, 1.5s or 50 (ms)',
  rate: 'a share, like 5% or 0.05',
  'ops/s': 'a number of operations per second, like 500',
  count: 'a whole number, like 0 or 100',
}

/** The value in the metric's unit: ms for times, a fraction for shares; undefined when it is not one. */
function valueIn(unit: MetricUnit, text: string): number | undefined {
  switch (unit) {
    case 'ms': {
      // Not parseDuration: a latency bound can be a fraction of a millisecond (p50<0.5ms).
      const time = /^(\d+(?:\.\d+)?)\s*(us|µs|ms|s)?$/.exec(text)
      return time ? Number(time[1]) * TIME_UNITS_MS[time[2] ?? 'ms']! : undefined
    }
    case 'rate': {
      const percent = /^(\d+(?:\.\d+)?)\s*%$/.exec(text)
      if (percent) return Number(percent[1]) / 100
      return /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : undefined
    }
    case 'ops/s':
      return /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : undefined
    case 'count':
      return /^\d+$/.test(text) ? Number(text) : undefined
  }
}
