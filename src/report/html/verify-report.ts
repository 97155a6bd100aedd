import { plural } from '../../check/plural.js'
import { formatDuration } from '../../duration.js'
import type { VerifyCell, Verification } from '../../verify/verification.js'
import type { VerifyReport } from '../reporter.js'
import { totalOf } from './format.js'
import { html, type Html } from './html.js'

/** `racebench verify`: each cell's declared expectation against what its runs measured, one row a cell. */
export function verifyReportBody({ verification: v }: VerifyReport): Html {
  const ran = v.cells.filter((c) => c.verdict !== 'skipped').length
  const banner =
    v.mismatches === 0
      ? html`<p class="banner good">✔ all ${plural(ran, 'cell')} behaved as declared</p>`
      : html`<p class="banner bad">✘ ${v.mismatches} of ${plural(ran, 'cell')} did not behave as declared</p>`
  const settings = `${plural(v.repeat, 'run')} per cell · ${plural(v.workers, 'worker')} × ${plural(v.iterations, 'iteration')} · think ${v.thinkMs}ms · seed ${v.seed} · took ${formatDuration(Math.round(v.durationMs))}`
  const head = html`<tr><th>scenario</th><th>strategy</th><th>column</th><th>isolation</th><th>server</th><th>declared</th><th class="num">violated / runs</th><th class="num">operations</th><th>verdict</th></tr>`
  return html`<h1>racebench verify</h1><p class="sub">${settings}</p>${banner}
<h2>Engines</h2>${engines(v)}
<h2>Matrix</h2><div class="scroll"><table class="matrix"><thead>${head}</thead><tbody>${v.cells.map(cellRow)}</tbody></table></div>`
}

function engines(v: Verification): Html {
  const items = v.engines.map((e) => html`<li>${e.server}${e.embedded ? ' (embedded)' : ''} <code>${e.url}</code> <span class="muted">· default isolation ${e.defaultIsolation}</span></li>`)
  return html`<ul>${items}</ul>`
}

function cellRow(c: VerifyCell): Html {
  const ran = c.verdict !== 'skipped'
  const counts = ran ? `${c.violated} / ${c.runs}` : '–'
  const untested = c.untested > 0 ? html` <span class="warn">(${c.untested} tested nothing)</span>` : ''
  const operations = ran && c.outcomes ? String(totalOf(c.outcomes)) : '–'
  return html`<tr${c.verdict === 'unexpected' ? html` class="unexpected"` : ''}><td>${c.scenario}</td><td><strong>${c.strategy}</strong></td><td>${c.column}</td><td>${c.isolation}</td><td>${c.server}</td><td>${c.declared}</td><td class="num">${counts}${untested}</td><td class="num">${operations}</td><td class="wrap">${verdictOf(c)}</td></tr>`
}

function verdictOf(c: VerifyCell): Html {
  const why = c.reason ? html`<br><span class="muted">${c.reason}</span>` : ''
  if (c.verdict === 'as-declared') return html`<span class="good">✔ as declared</span>${why}`
  if (c.verdict === 'unexpected') return html`<span class="bad">✘ unexpected</span>${why}`
  return html`<span class="muted">skipped${c.reason ? `: ${c.reason}` : ''}</span>`
}
