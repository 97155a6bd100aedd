import type { RunResult } from '../../run-result.js'
import { html, type Html } from './html.js'
import { latencyCharts, seriesCharts } from './run-charts.js'
import { invariantsSection, outcomesSection, settingsSection } from './run-sections.js'
import { timelineSection } from './timeline-section.js'

export interface DetailsOptions {
  /** Prefixed to each chart's name, so charts of several runs on one page stay apart. */
  readonly prefix?: string
  /** `h2` for a run that is the page, `h3` inside a comparison's strategy. */
  readonly heading?: 'h2' | 'h3'
}

/** Everything about one run: settings, invariants and how the first broke, outcomes, latency, the run over time. */
export function runDetails(r: RunResult, { prefix = '', heading = 'h2' }: DetailsOptions = {}): Html {
  const h = (text: string) => (heading === 'h2' ? html`<h2>${text}</h2>` : html`<h3>${text}</h3>`)
  const timeline = r.traces.length > 0 ? html`${h('How the first violation happened')}${timelineSection(r.traces)}` : ''
  return html`${h('Settings')}${settingsSection(r)}
${h('Invariants')}${invariantsSection(r)}
${timeline}
${h('Outcomes')}${outcomesSection(r)}
${h('Latency by outcome')}${latencyCharts(r, prefix)}
${h('Over the run')}${seriesCharts(r, prefix)}
`
}
