import { OUTCOMES, type Outcome } from '../../history/outcome.js'
import type { SeriesPoint } from '../../history/time-series.js'
import type { RunResult } from '../../run-result.js'
import { barChart } from './bar-chart.js'
import { formatMs, formatNumber, OUTCOME_COLORS, totalOf } from './format.js'
import { html, type Html } from './html.js'
import { lineChart, type Line } from './line-chart.js'

/**
 * The latency profile of each outcome that happened: mean, p50, p95, p99 and max as bars. The run
 * keeps no raw histogram, only these percentiles; the charts share one scale, so a slow outcome
 * looks slow next to a fast one.
 */
export function latencyCharts(r: RunResult, prefix = ''): Html {
  const happened = OUTCOMES.filter((outcome) => r.outcomes[outcome] > 0)
  if (happened.length === 0) return html`<p class="muted">No operation completed: there is no latency to show.</p>`
  const max = Math.max(...happened.map((outcome) => r.latencyMsByOutcome[outcome]?.max ?? 0))
  const charts = happened.map((outcome) => latencyChart(r, outcome, max, prefix))
  return html`<div class="charts">${charts}</div>`
}

function latencyChart(r: RunResult, outcome: Outcome, max: number, prefix: string): Html {
  const latency = r.latencyMsByOutcome[outcome] ?? { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 }
  const color = OUTCOME_COLORS[outcome]
  const bars = (['mean', 'p50', 'p95', 'p99', 'max'] as const).map((name) => ({ label: name, value: latency[name], color, shown: `${formatMs(latency[name])} ms` }))
  const title = `Latency of ${r.outcomes[outcome]} ${outcome} operations: p50 ${formatMs(latency.p50)} ms, p99 ${formatMs(latency.p99)} ms, max ${formatMs(latency.max)} ms`
  const chart = barChart({ name: `${prefix}latency-${outcome}`, title, unit: 'milliseconds', bars, max })
  return html`<figure><figcaption><span class="swatch" style="background:${color}"></span>${outcome} · ${r.outcomes[outcome]} operations</figcaption>${chart}</figure>`
}

/**
 * The run over time, one point per interval (`--interval`): completed operations per second by
 * outcome, and the latency of what completed in each interval. An interval in which nothing
 * completed has no latency: its point is left out rather than drawn at 0.
 */
export function seriesCharts(r: RunResult, prefix = ''): Html {
  const points = r.series?.points ?? []
  const interval = r.series?.intervalMs ?? 0
  const x = points.map((p) => p.t + p.seconds / 2)
  const xMax = Math.max(0, ...points.map((p) => p.t + p.seconds), r.durationMs / 1000)
  const pointNames = points.map((p) => `${formatNumber(p.t, 3)}–${formatNumber(p.t + p.seconds, 3)} s`)
  const common = { x, xMax, pointNames, xLabel: 'seconds since the start' }
  const seen = OUTCOMES.filter((outcome) => points.some((p) => p.outcomes[outcome] > 0))
  const perOutcome: Line[] = seen.map((outcome) => ({ name: outcome, color: OUTCOME_COLORS[outcome], values: points.map((p) => rate(p, p.outcomes[outcome])) }))
  const throughput = lineChart({
    ...common,
    name: `${prefix}throughput`,
    title: `Operations per second over the run, per ${interval} ms interval, by outcome (${points.length} intervals)`,
    yLabel: 'ops/s',
    lines: [{ name: 'all', color: '#546e7a', values: points.map((p) => p.opsPerSec), dashed: true }, ...perOutcome],
  })
  const completed = (p: SeriesPoint) => totalOf(p.outcomes) > 0
  const latency = lineChart({
    ...common,
    name: `${prefix}latency-over-time`,
    title: `p50 and p99 latency of the operations completed in each ${interval} ms interval`,
    yLabel: 'ms',
    lines: [
      { name: 'p99', color: '#c62828', values: points.map((p) => (completed(p) ? p.p99 : null)) },
      { name: 'p50', color: '#1565c0', values: points.map((p) => (completed(p) ? p.p50 : null)), dashed: true },
    ],
  })
  const charts = [figure('throughput', throughput), figure('latency per interval', latency)]
  if (points.some((p) => p.retries > 0 || p.lockWaits > 0)) {
    const waits = lineChart({
      ...common,
      name: `${prefix}retries-over-time`,
      title: `Retries and lock waits in each ${interval} ms interval`,
      yLabel: 'count',
      lines: [
        { name: 'retries', color: '#e07b00', values: points.map((p) => p.retries) },
        { name: 'lock waits', color: '#546e7a', values: points.map((p) => p.lockWaits), dashed: true },
      ],
    })
    charts.push(figure('retries and lock waits', waits))
  }
  return html`<div class="charts">${charts}</div>`
}

function figure(caption: string, chart: Html): Html {
  return html`<figure><figcaption>${caption}</figcaption>${chart}</figure>`
}

/** Operations per second in an interval; 0 for an interval of no length. */
function rate(point: SeriesPoint, count: number): number {
  return point.seconds > 0 ? Math.round((count / point.seconds) * 10) / 10 : 0
}
