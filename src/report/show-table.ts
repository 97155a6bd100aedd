import type { ChalkInstance } from 'chalk'
import { plural } from '../check/plural.js'
import { describeWork } from '../config.js'
import { formatDuration } from '../duration.js'
import { OUTCOMES } from '../history/outcome.js'
import type { ShownHistory } from '../show-history.js'
import { moreBrokenKeysLine } from './more-broken-keys.js'
import { mark } from './style.js'
import { renderTimeline } from './timeline.js'

/**
 * `racebench show FILE` as a person reads it: the run's header line and settings, its outcome counts,
 * every invariant (saying which were checked again on the history and which are as the run recorded
 * them), and the timelines of the broken keys. Pure: history in, text out.
 */
export function renderShowTable(shown: ShownHistory, style: ChalkInstance, { width }: { readonly width: number }): string {
  const lines = [...header(shown, style), '', ...counts(shown), '', ...invariants(shown, style), '', verdict(shown, style), ...timelines(shown, style, width)]
  return lines.join('\n') + '\n'
}

/**
 * The `--json` document of `show`: the header as the file holds it, the counts its events add up to,
 * the verdicts (each with `rechecked`) and the traces, shaped as `run --json` shapes them.
 */
export function showJson(shown: ShownHistory): object {
  const { header, outcomes, retries, invariants, violations, traces } = shown
  return { header, outcomes, retries, invariants, violations, traces }
}

function header({ header: h, path }: ShownHistory, style: ChalkInstance): string[] {
  const stop = h.iterations !== null ? { iterations: h.iterations } : { durationMs: h.durationLimitMs ?? 0 }
  const params = Object.entries(h.params).map(([name, value]) => `${name}=${value}`)
  return [
    `${style.bold(h.scenario)} · strategy ${style.bold(h.strategy)}${h.expect ? ` (${h.expect})` : ''} · ${h.db.server}${h.db.embedded ? ' (embedded)' : ''} · ${h.isolation}`,
    style.dim([describeWork(h.workers, stop), `think ${h.thinkMs}ms`, `seed ${h.seed}`, ...params].join(' · ')),
    style.dim(`history ${path} · run started ${h.startedAt} · racebench ${h.racebench}`),
  ]
}

function counts(shown: ShownHistory): string[] {
  const total = OUTCOMES.reduce((sum, outcome) => sum + shown.outcomes[outcome], 0)
  const lines = [
    `${plural(total, 'operation')} in ${formatDuration(Math.round(shown.durationMs))} · ${OUTCOMES.map((outcome) => `${outcome} ${shown.outcomes[outcome]}`).join(' · ')} · ${plural(shown.retries, 'retry', 'retries')}`,
  ]
  const errors = Object.entries(shown.errorsByClass).filter(([, count]) => count > 0)
  if (errors.length > 0) lines.push(`database errors: ${errors.map(([name, count]) => `${name} ${count}`).join(', ')}`)
  return lines
}

function invariants(shown: ShownHistory, style: ChalkInstance): string[] {
  const lines = shown.invariants.map((i) => `  ${mark(style, i.held)} ${i.name}: ${i.detail} ${style.dim(i.rechecked ? '(checked again on the history)' : '(as the run recorded it: it reads the final state)')}`)
  return [style.bold('invariants'), ...lines]
}

function verdict(shown: ShownHistory, style: ChalkInstance): string {
  const count = shown.invariants.length
  if (shown.violations === 0) return style.green(count === 1 ? '✔ the 1 invariant held' : `✔ all ${count} invariants held`)
  return style.red(`✘ ${shown.violations} of ${plural(count, 'invariant')} violated`)
}

/** The broken keys' timelines; a line when there are none to draw, or more than were asked for. */
function timelines(shown: ShownHistory, style: ChalkInstance, width: number): string[] {
  if (shown.violations === 0 || shown.show === 0) return []
  if (shown.traces.length === 0) return ['', style.dim('no timeline: no operation in this history touched a key the violated invariants name')]
  const drawn = shown.traces.flatMap((trace) => ['', renderTimeline(trace, style, { width }).replace(/\n$/, '')])
  const more = moreBrokenKeysLine(shown.invariants, shown.traces.length, style)
  return more === undefined ? drawn : [...drawn, '', more]
}
