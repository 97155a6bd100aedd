import { plural } from '../../check/plural.js'
import { whyNothingWasTested } from '../../check/nothing-tested.js'
import { formatDuration } from '../../duration.js'
import { OUTCOMES } from '../../history/outcome.js'
import type { LatencySummary } from '../../metrics/latency.js'
import type { RunResult } from '../../run-result.js'
import { formatMs, formatNumber, formatShare, OUTCOME_COLORS, totalOf } from './format.js'
import { html, type Html } from './html.js'

/** What the run was asked to do and where: every setting that shapes the numbers below it. */
export function settingsSection(r: RunResult): Html {
  const server = `${r.db.server}${r.db.embedded ? ' (embedded)' : ''}`
  const work = r.iterations !== null ? ['iterations', `${r.iterations} per worker`] : ['duration', formatDuration(r.durationLimitMs ?? 0)]
  const params = Object.entries(r.params)
  const rows: [string, Html | string][] = [
    ['scenario', r.scenario],
    ['strategy', html`${r.strategy} <span class="muted">(declared ${r.expect})</span>`],
    ['isolation', r.isolation],
    ['server', html`${server} <span class="muted">· ${r.db.dialect}</span>`],
    ['database', html`<code>${r.db.url}</code>`],
    ...(r.redis ? [['redis', html`${r.redis.server} <code>${r.redis.url}</code>`] as [string, Html]] : []),
    ['schema', html`<code>${r.db.schema}</code> ${r.db.kept ? 'kept' : 'dropped'}`],
    ['workers', String(r.workers)],
    [work[0]!, work[1]!],
    ['think', `${r.thinkMs} ms`],
    ['seed', String(r.seed)],
    ['params', params.length === 0 ? html`<span class="muted">none</span>` : html`${params.map(([name, value], i) => html`${i > 0 ? ', ' : ''}<code>${name}=${String(value)}</code>`)}`],
    ['took', `${formatDuration(Math.round(r.durationMs))} (connecting ${formatDuration(Math.round(r.connectMs))})`],
  ]
  return html`<dl class="settings">${rows.map(([name, value]) => html`<dt>${name}</dt><dd>${value}</dd>`)}</dl>`
}

/** One row per outcome with its share and latency, the total, then what else the run counted. */
export function outcomesSection(r: RunResult): Html {
  const total = totalOf(r.outcomes)
  const rows = OUTCOMES.map((outcome) => {
    const count = r.outcomes[outcome]
    return html`<tr><td><span class="swatch" style="background:${OUTCOME_COLORS[outcome]}"></span>${outcome}</td><td class="num">${count}</td><td class="num">${formatShare(count, total)}</td>${latencyCells(count, r.latencyMsByOutcome[outcome])}</tr>`
  })
  const all = html`<tr class="total"><td>all</td><td class="num">${total}</td><td class="num">${formatShare(total, total)}</td>${latencyCells(total, r.latencyMs)}</tr>`
  const head = html`<tr><th>outcome</th><th class="num">count</th><th class="num">share</th><th class="num">mean ms</th><th class="num">p50 ms</th><th class="num">p95 ms</th><th class="num">p99 ms</th><th class="num">max ms</th></tr>`
  return html`<div class="scroll"><table class="outcomes"><thead>${head}</thead><tbody>${rows}${all}</tbody></table></div>${notes(r, total)}`
}

function latencyCells(count: number, latency: LatencySummary | undefined): Html {
  const cells = count === 0 || !latency ? ['–', '–', '–', '–', '–'] : [latency.mean, latency.p50, latency.p95, latency.p99, latency.max].map(formatMs)
  return html`${cells.map((cell) => html`<td class="num">${cell}</td>`)}`
}

function notes(r: RunResult, total: number): Html {
  const lines: Html[] = [
    html`${plural(total, 'operation')} in ${formatDuration(Math.round(r.durationMs))} · <strong>${formatNumber(r.opsPerSec)} ops/s</strong> · mean ${formatMs(r.latencyMs.mean)} ms · ${plural(r.retries, 'retry', 'retries')}`,
  ]
  if (r.locks) {
    const { acquired, notAcquired, lost, waitMs } = r.locks
    const missed = [notAcquired > 0 ? `, ${notAcquired} not acquired within the timeout` : '', lost > 0 ? html`, <span class="bad">${lost} expired before release</span>` : '']
    lines.push(html`locks: ${acquired} acquired${missed} · wait p50 ${formatMs(waitMs.p50)} · p95 ${formatMs(waitMs.p95)} · p99 ${formatMs(waitMs.p99)} · max ${formatMs(waitMs.max)} ms`)
  }
  if (r.reads > 0 || r.readErrors > 0) lines.push(html`readers: ${plural(r.reads, 'read')}${r.readErrors > 0 ? html`, <span class="bad">${r.readErrors} failed</span>` : ''}`)
  for (const [name, { count, samples }] of Object.entries(r.observations)) {
    lines.push(html`observed ${name} ×${count}${samples[0] ? html`, e.g. <code>${samples[0]}</code>` : ''}`)
  }
  const errors = Object.entries(r.errorsByClass).filter(([, count]) => count > 0)
  if (errors.length > 0) lines.push(html`database errors: ${errors.map(([name, count]) => `${name} ${count}`).join(', ')}`)
  for (const sample of r.errorSamples) lines.push(html`<span class="bad">error:</span> <code>${sample}</code>`)
  return html`${lines.map((line) => html`<p>${line}</p>`)}`
}

/** Broken keys listed under a violated invariant; the rest are counted. */
const KEYS_SHOWN = 10

/** ✔ held / ✘ violated per invariant, with its detail and the keys it found broken. */
export function invariantsSection(r: RunResult): Html {
  const items = r.invariants.map((invariant) => {
    const keys = invariant.broken.slice(0, KEYS_SHOWN).map((b) => html`<li><code>${b.key}</code>: ${b.detail}</li>`)
    const more = invariant.broken.length > KEYS_SHOWN ? html`<li>and ${plural(invariant.broken.length - KEYS_SHOWN, 'more broken key')}</li>` : ''
    const list = keys.length > 0 ? html`<ul class="keys">${keys}${more}</ul>` : ''
    const mark = invariant.held ? html`<span class="good">✔ held</span>` : html`<span class="bad">✘ violated</span>`
    return html`<li>${mark} <strong>${invariant.name}</strong>: ${invariant.detail}${list}</li>`
  })
  if (items.length === 0) return html`<p class="muted">The scenario checks no invariant.</p>`
  return html`<ul class="verdicts">${items}</ul>`
}

/** The run's answer in one line, as the table's last line says it. */
export function runVerdict(r: RunResult, expectViolation: boolean): Html {
  const count = r.invariants.length
  if (r.nothingTested) {
    const why = whyNothingWasTested(r.outcomes) ?? 'no operation got past an error'
    return html`<p class="banner warn">✘ ${why}: nothing was tested</p>`
  }
  if (r.violations === 0) {
    const held = count === 1 ? '✔ the 1 invariant held' : `✔ all ${count} invariants held`
    return expectViolation ? html`<p class="banner bad">${held} <span class="note">— but a violation was expected (--expect violation)</span></p>` : html`<p class="banner good">${held}</p>`
  }
  const violated = `✘ ${r.violations} of ${plural(count, 'invariant')} violated`
  if (expectViolation) return html`<p class="banner good">${violated} <span class="note">— as expected (--expect violation)</span></p>`
  const note = r.expect === 'unsafe' ? `as expected: '${r.strategy}' is unsafe` : `'${r.strategy}' is meant to be safe`
  return html`<p class="banner bad">${violated} <span class="note">(${note})</span></p>`
}
