import type { ComparedStrategy } from '../../compare.js'
import type { CompareReport } from '../reporter.js'
import { runSettings } from '../run-settings.js'
import { barChart } from './bar-chart.js'
import { formatMs, formatNumber, OUTCOME_COLORS, VERDICT_COLORS } from './format.js'
import { html, type Html } from './html.js'
import { runDetails } from './run-details.js'
import { thresholdsSection } from './thresholds-section.js'

/**
 * `racebench compare`: the strategies side by side (a table, then throughput, p99 and conflicts as
 * bars, coloured by whether the strategy held every invariant), and each strategy's run in full,
 * folded away.
 */
export function compareReportBody(report: CompareReport): Html {
  const { comparison } = report
  const first = comparison.strategies[0]?.result
  const sub = first ? html`<p class="sub">${first.db.server}${first.db.embedded ? ' (embedded)' : ''} · ${runSettings(first).join(' · ')}</p>` : ''
  const surprises = comparison.strategies.filter((s) => !s.asDeclared).map((s) => s.strategy)
  const banner =
    surprises.length === 0
      ? html`<p class="banner good">✔ every strategy behaved as it declares <span class="note">(safe ones held every invariant)</span></p>`
      : html`<p class="banner bad">✘ declared safe but violated an invariant: ${surprises.join(', ')}</p>`
  const skipped = comparison.skipped.map((s) => html`<li>skipped <strong>${s.strategy}</strong>: ${s.reason}</li>`)
  const details = comparison.strategies.map(
    (s) => html`<details class="strategy"><summary>${s.strategy} — ${verdictText(s)}</summary>${runDetails(s.result, { prefix: `${s.strategy}:`, heading: 'h3' })}</details>`,
  )
  return html`<h1>racebench compare · ${comparison.scenario}</h1>${sub}${banner}${thresholdsSection(report.thresholds)}
<h2>Strategies side by side</h2>${strategyTable(comparison.strategies)}${violations(comparison.strategies)}${skipped.length > 0 ? html`<ul class="muted">${skipped}</ul>` : ''}
${charts(comparison.strategies)}
<h2>Each strategy</h2>${details}`
}

function verdictText(s: ComparedStrategy): string {
  const verdict = s.held ? '✔ held' : `✘ ${s.result.violations} violated`
  return `${verdict} · ${s.asDeclared ? 'as declared' : 'NOT as declared'} (${s.result.expect})`
}

function strategyTable(strategies: readonly ComparedStrategy[]): Html {
  // error and unknown columns only when some strategy had them, as in the terminal's table.
  const extra = (['error', 'unknown'] as const).filter((outcome) => strategies.some((s) => s.result.outcomes[outcome] > 0))
  const head = html`<tr><th>strategy</th><th>expect</th><th>isolation</th><th class="num">ok</th><th class="num">rejected</th><th class="num">conflict</th>${extra.map((o) => html`<th class="num">${o}</th>`)}<th class="num">retries</th><th class="num">ops/s</th><th class="num">vs fastest ✔</th><th class="num">p50 ms</th><th class="num">p99 ms</th><th>invariants</th></tr>`
  const rows = strategies.map(({ strategy, result: r, held, asDeclared, relativeThroughput }) => {
    const o = r.outcomes
    // An unsafe strategy that broke an invariant did what it declares: say so beside the ✘.
    const declared = asDeclared ? (held ? '' : html` <span class="muted">(as declared)</span>`) : html` <strong class="bad">declared safe!</strong>`
    const verdict = held ? html`<span class="good">✔ held</span>` : html`<span class="bad">✘ ${r.violations} violated</span>${declared}`
    const relative = relativeThroughput === null ? '–' : `${relativeThroughput.toFixed(2)}×`
    const counts = [o.ok, o.rejected, o.conflict, ...extra.map((outcome) => o[outcome]), r.retries]
    return html`<tr${asDeclared ? '' : html` class="unexpected"`}><td><strong>${strategy}</strong></td><td>${r.expect}</td><td>${r.isolation}</td>${counts.map((n) => html`<td class="num">${n}</td>`)}<td class="num">${formatNumber(r.opsPerSec)}</td><td class="num">${relative}</td><td class="num">${formatMs(r.latencyMs.p50)}</td><td class="num">${formatMs(r.latencyMs.p99)}</td><td class="wrap">${verdict}</td></tr>`
  })
  return html`<div class="scroll"><table class="strategies"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`
}

function violations(strategies: readonly ComparedStrategy[]): Html {
  const lines = strategies.flatMap(({ strategy, result }) =>
    result.invariants.filter((i) => !i.held).map((i) => html`<li><span class="bad">✘</span> <strong>${strategy}</strong>: ${i.name}: ${i.detail}</li>`),
  )
  return lines.length > 0 ? html`<ul class="verdicts">${lines}</ul>` : html``
}

function charts(strategies: readonly ComparedStrategy[]): Html {
  const color = (s: ComparedStrategy) => (s.held ? VERDICT_COLORS.held : VERDICT_COLORS.violated)
  const mark = (s: ComparedStrategy) => (s.held ? '✔' : '✘')
  const throughput = barChart({
    name: 'compare-throughput',
    title: `Throughput per strategy (ops/s): ${strategies.map((s) => `${s.strategy} ${formatNumber(s.result.opsPerSec)}`).join(', ')}`,
    unit: 'ops/s (green: held every invariant, red: violated one)',
    bars: strategies.map((s) => ({ label: s.strategy, value: s.result.opsPerSec, color: color(s), shown: `${formatNumber(s.result.opsPerSec)} ${mark(s)}` })),
  })
  const p99 = barChart({
    name: 'compare-p99',
    title: `p99 latency per strategy (ms): ${strategies.map((s) => `${s.strategy} ${formatMs(s.result.latencyMs.p99)}`).join(', ')}`,
    unit: 'p99 latency, ms',
    bars: strategies.map((s) => ({ label: s.strategy, value: s.result.latencyMs.p99, color: color(s), shown: `${formatMs(s.result.latencyMs.p99)} ${mark(s)}` })),
  })
  const contention = barChart({
    name: 'compare-conflicts',
    title: `Conflicts and retries per strategy: ${strategies.map((s) => `${s.strategy} ${s.result.outcomes.conflict} conflicts, ${s.result.retries} retries`).join('; ')}`,
    unit: 'count',
    integer: true,
    bars: strategies.flatMap((s) => [
      { label: `${s.strategy} conflicts`, value: s.result.outcomes.conflict, color: OUTCOME_COLORS.conflict },
      { label: `${s.strategy} retries`, value: s.result.retries, color: VERDICT_COLORS.neutral },
    ]),
  })
  const figure = (caption: string, chart: Html) => html`<figure><figcaption>${caption}</figcaption>${chart}</figure>`
  return html`<div class="charts">${figure('throughput', throughput)}${figure('p99 latency', p99)}${figure('conflicts and retries', contention)}</div>`
}
