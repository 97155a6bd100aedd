import { plural } from '../../check/plural.js'
import type { RunResult } from '../../run-result.js'
import type { RepeatedVerdict, RunReport } from '../reporter.js'
import { barChart } from './bar-chart.js'
import { formatMs, formatNumber, VERDICT_COLORS } from './format.js'
import { html, type Html } from './html.js'
import { runDetails } from './run-details.js'
import { runVerdict } from './run-sections.js'
import { thresholdsSection } from './thresholds-section.js'

/**
 * `racebench run`: one run in full; for `--repeat N`, how often each invariant broke, a line per
 * run, and in full the first run that violated an invariant (the one worth reading), else the last.
 */
export function runReportBody(report: RunReport): Html {
  const runs = report.runs
  const last = runs[runs.length - 1]
  if (!last) return html`<h1>racebench run</h1><p class="banner warn">The report holds no run.</p>`
  if (runs.length === 1) {
    return html`${heading(last)}${runVerdict(last, report.expectViolation)}${thresholdsSection(report.thresholds)}${runDetails(last)}`
  }
  const firstViolating = runs.findIndex((r) => r.violations > 0)
  const index = firstViolating >= 0 ? firstViolating : runs.length - 1
  const chosen = runs[index]!
  const why = chosen.violations > 0 ? 'the first that violated an invariant' : 'the last; none violated an invariant'
  return html`${heading(last)}${repeatVerdict(runs, report.expectViolation)}${thresholdsSection(report.thresholds)}
<h2>Across ${runs.length} runs</h2>${repeatedSection(report.repeated ?? [])}${runsTable(runs, index)}
<h2 class="run-title">Run ${index + 1} of ${runs.length} <span class="muted">(${why})</span></h2>${runVerdict(chosen, report.expectViolation)}
${runDetails(chosen)}`
}

function heading(r: RunResult): Html {
  const server = `${r.db.server}${r.db.embedded ? ' (embedded)' : ''}${r.redis ? ` + ${r.redis.server}` : ''}`
  return html`<h1>racebench run · ${r.scenario}</h1><p class="sub">strategy <strong>${r.strategy}</strong> (${r.expect}) · ${server} · ${r.isolation}</p>`
}

function repeatVerdict(runs: readonly RunResult[], expectViolation: boolean): Html {
  const violated = runs.filter((r) => r.violations > 0).length
  const n = runs.length
  if (violated === 0) {
    const text = `✔ every invariant held in all ${n} runs`
    return expectViolation ? html`<p class="banner bad">${text} <span class="note">— but a violation was expected (--expect violation)</span></p>` : html`<p class="banner good">${text}</p>`
  }
  const text = `✘ an invariant was violated in ${violated} of ${n} runs`
  return html`<p class="banner ${expectViolation ? 'good' : 'bad'}">${text}${expectViolation ? html` <span class="note">— as expected (--expect violation)</span>` : ''}</p>`
}

/** `k of N runs violated` per invariant, as a table and as bars of the rate. */
function repeatedSection(repeated: readonly RepeatedVerdict[]): Html {
  if (repeated.length === 0) return html``
  const rows = repeated.map(
    (v) => html`<tr><td>${v.violated > 0 ? html`<span class="bad">✘</span>` : html`<span class="good">✔</span>`} ${v.name}</td><td class="num">${v.violated} of ${plural(v.runs, 'run')} violated</td><td class="num">${formatNumber(v.rate * 100)}%</td></tr>`,
  )
  const chart = barChart({
    name: 'repeated',
    title: `Share of runs in which each invariant was violated: ${repeated.map((v) => `${v.name} ${v.violated} of ${v.runs}`).join('; ')}`,
    unit: '% of runs violated',
    max: 100,
    bars: repeated.map((v) => ({ label: v.name, value: v.rate * 100, color: v.violated > 0 ? VERDICT_COLORS.violated : VERDICT_COLORS.held, shown: `${v.violated} of ${v.runs}` })),
  })
  return html`<div class="scroll"><table><thead><tr><th>invariant</th><th class="num">violated</th><th class="num">rate</th></tr></thead><tbody>${rows}</tbody></table></div><figure>${chart}</figure>`
}

function runsTable(runs: readonly RunResult[], shown: number): Html {
  const rows = runs.map((r, i) => {
    const verdict = r.violations > 0 ? html`<span class="bad">✘ ${r.violations} violated</span>` : html`<span class="good">✔ held</span>`
    const o = r.outcomes
    return html`<tr${i === shown ? html` class="total"` : ''}><td class="num">${i + 1}</td><td class="num">${o.ok}</td><td class="num">${o.rejected}</td><td class="num">${o.conflict}</td><td class="num">${o.error}</td><td class="num">${o.unknown}</td><td class="num">${r.retries}</td><td class="num">${formatNumber(r.opsPerSec)}</td><td class="num">${formatMs(r.latencyMs.p99)}</td><td>${verdict}</td></tr>`
  })
  const head = html`<tr><th class="num">run</th><th class="num">ok</th><th class="num">rejected</th><th class="num">conflict</th><th class="num">error</th><th class="num">unknown</th><th class="num">retries</th><th class="num">ops/s</th><th class="num">p99 ms</th><th>invariants</th></tr>`
  return html`<div class="scroll"><table class="runs"><thead>${head}</thead><tbody>${rows}</tbody></table></div>`
}
