import type { ThresholdResult } from '../../thresholds/threshold.js'
import { html, type Html } from './html.js'

/** `--threshold`: each expression, what was measured, passed or failed. Nothing when none was given. */
export function thresholdsSection(thresholds: readonly ThresholdResult[]): Html {
  if (thresholds.length === 0) return html``
  const failed = thresholds.filter((t) => !t.passed).length
  const rows = thresholds.map(
    (t) => html`<tr><td><code>${t.expression}</code></td><td class="num">${t.shown}</td><td>${t.passed ? html`<span class="good">✔ passed</span>` : html`<span class="bad">✘ failed</span>`}</td></tr>`,
  )
  const summary = failed === 0 ? html`<p class="good">✔ every threshold passed</p>` : html`<p class="bad">✘ ${failed} of ${thresholds.length} thresholds failed</p>`
  return html`<h2>Thresholds</h2>${summary}<table><thead><tr><th>threshold</th><th class="num">measured</th><th>result</th></tr></thead><tbody>${rows}</tbody></table>`
}
