import type { ChalkInstance } from 'chalk'
import type { StepResult } from '../spec/define-spec.js'
import type { SpecEvent } from '../spec/drive-permutation.js'
import type { PermutationResult } from '../spec/run-permutations.js'
import type { SpecRunResult } from '../spec/run-spec.js'
import { mark } from './style.js'
import { renderTimeline } from './timeline.js'

/** At most this many rows of a step's answer are shown. */
const ROWS_SHOWN = 4

/** `id=1 value=10; id=2 value=20`, `1 row`, or the error: what a step answered, in one line. */
export function stepAnswer(result: StepResult): string {
  if (result.error) return `error (${result.error.class}${result.error.code ? ` ${result.error.code}` : ''}): ${result.error.message}`
  if (result.rows.length === 0) return result.rowCount > 0 ? `${result.rowCount} row${result.rowCount === 1 ? '' : 's'}` : 'ok'
  const rows = result.rows.slice(0, ROWS_SHOWN).map((row) => Object.entries(row).map(([k, v]) => `${k}=${v === null ? 'null' : String(v)}`).join(' '))
  const more = result.rows.length > ROWS_SHOWN ? `; … ${result.rows.length - ROWS_SHOWN} more` : ''
  return rows.length === 0 ? 'no rows' : rows.join('; ') + more
}

/** One line per event: `b2  UPDATE …  … waiting for a`, and where a waiting step finishes. */
function eventLine(event: SpecEvent, style: ChalkInstance, sqlWidth: number): string {
  const sql = (text: string) => (text.length > sqlWidth ? text.slice(0, sqlWidth - 1) + '…' : text.padEnd(sqlWidth))
  switch (event.type) {
    case 'step':
      return `  ${event.step.padEnd(4)} ${sql(event.sql)}  ${event.result.error ? style.red(stepAnswer(event.result)) : stepAnswer(event.result)}`
    case 'waiting':
      return `  ${event.step.padEnd(4)} ${sql(event.sql)}  ${style.yellow(`… waiting for ${event.waitingFor.join(' and ')}`)}`
    case 'unblocked': {
      const answer = stepAnswer(event.result)
      return `  ${event.step.padEnd(4)} ${sql(`(done waiting${event.after ? `, after ${event.after}` : ''})`)}  ${event.result.error ? style.red(answer) : answer}`
    }
  }
}

/** A permutation: its order, each step as it happened, and the verdict. */
export function renderPermutation(result: PermutationResult, index: number, style: ChalkInstance, width: number): string {
  const sqlWidth = Math.max(20, Math.min(60, width - 40))
  const lines = [style.bold(`permutation ${index + 1}: ${result.order.join(' ')}`)]
  for (const event of result.events) lines.push(eventLine(event, style, sqlWidth))
  if (result.stuck) lines.push(`  ${style.red('✘')} could not go on: ${result.stuck}`)
  else if (result.anomaly?.occurred) lines.push(`  ${mark(style, false)} anomaly occurred: ${result.anomaly.detail}`)
  else {
    const how = result.prevention.length > 0 ? ` (${result.prevention.join(', ')})` : ''
    lines.push(`  ${mark(style, true)} no anomaly${how}: ${result.anomaly?.detail ?? ''}`)
  }
  return lines.join('\n')
}

/** The permutation whose swimlane is drawn: the first where the anomaly occurred, else the first. */
export function swimlaneShown(result: SpecRunResult): number {
  const occurred = result.permutations.findIndex((p) => p.anomaly?.occurred)
  return occurred >= 0 ? occurred : 0
}

/**
 * A permutation as the swimlane a load run draws under "how it happened": one lane per session,
 * named as the spec names it, each step where it was sent, a wait where a step waited.
 */
export function renderSpecTimeline(result: SpecRunResult, permutation: PermutationResult, style: ChalkInstance, width: number): string {
  if (!permutation.trace) return ''
  const sessions = result.sessions ?? []
  return renderTimeline(permutation.trace, style, { width, laneName: (worker) => sessions[worker] ?? `session ${worker + 1}`, laneNoun: 'session' }).replace(/\n$/, '')
}

/** The whole run of a spec, as `racebench run ./spec.js` prints it. */
export function renderSpecRun(result: SpecRunResult, style: ChalkInstance, width: number): string {
  const count = result.permutations.length
  const head = [
    `${style.bold(result.spec)}: ${result.summary}`,
    `${result.db.server}${result.db.embedded ? ' (embedded)' : ''} · isolation ${result.isolation} · ${count} permutation${count === 1 ? '' : 's'}`,
  ]
  const drawn = swimlaneShown(result)
  const body = result.permutations.map((p, i) => renderPermutation(p, i, style, width) + (i === drawn ? `\n\n${renderSpecTimeline(result, p, style, width)}` : ''))
  const stuck = result.stuck > 0 ? `; ${result.stuck} could not run to the end` : ''
  const summary = `anomaly in ${result.occurred} of ${count} permutation${count === 1 ? '' : 's'}${stuck}`
  return [...head, '', body.join('\n\n'), '', result.occurred > 0 ? style.red(summary) : summary, ''].join('\n')
}
