import { Chalk } from 'chalk'
import type { Trace } from '../../history/trace.js'
import { renderTimeline } from '../timeline.js'
import { html, type Html } from './html.js'

/** Plain text: the page gives the timeline its monospace box, colour would only add escape codes. */
const PLAIN = new Chalk({ level: 0 })

/**
 * How the first violation happened, as the terminal draws it (one column per worker, one row per
 * step), and any further broken keys the run traced, folded away.
 */
export function timelineSection(traces: readonly Trace[]): Html {
  const [first, ...rest] = traces
  if (!first) return html``
  const more = rest.map((trace) => html`<details><summary>how it happened on ${trace.key} (${trace.invariant})</summary>${timeline(trace)}</details>`)
  return html`${timeline(first)}${more}`
}

function timeline(trace: Trace): Html {
  return html`<pre class="timeline">${renderTimeline(trace, PLAIN, { width: 120 })}</pre>`
}
