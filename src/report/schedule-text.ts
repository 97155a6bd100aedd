import type { ChalkInstance } from 'chalk'
import { plural } from '../check/plural.js'
import type { ScheduleLine } from '../schedule/drive.js'
import type { ExplainHeader, ExplainResult } from '../schedule/explain-run.js'
import type { ScheduledResult, WorkerOutcome } from '../schedule/scheduled-run.js'
import { workerName, type StepPoint } from '../schedule/step-gate.js'
import type { StepEvent } from '../history/event.js'
import { cutToWidth } from './cell-width.js'
import { answerOf, stepText } from './step-text.js'
import { mark } from './style.js'
import { renderTimeline } from './timeline.js'

/** `double-booking · strategy none · PostgreSQL 15.20`, then what runs and on which key. */
export function renderExplainHeader(header: ExplainHeader, style: ChalkInstance): string {
  const at = header.isolation ? ` at ${header.isolation}` : ''
  const what =
    header.mode === 'permutations'
      ? 'every interleaving of their steps, each on fresh data'
      : header.mode === 'schedule'
        ? `schedule ${header.schedule}`
        : 'the canonical race: the workers take turns, one step each'
  return [
    style.bold(`${header.scenario} · strategy ${header.strategy}${at} · ${header.server}`),
    `two workers, a and b, one operation each on ${header.key}; ${what}`,
    '',
  ].join('\n') + '\n'
}

/** One line of a running schedule: `  a1  SELECT … → 0 rows`, `  b2  SELECT … FOR UPDATE … waiting for a`. */
export function renderScheduleLine(line: ScheduleLine, style: ChalkInstance, width: number): string {
  const room = Math.max(30, width - 8)
  if (line.kind === 'end') {
    const outcome = line.outcome
    return `      ${outcome ? outcomeText(outcome, style) : `${workerName(line.worker)} ended`}\n`
  }
  const label = style.bold(line.label.padEnd(4))
  const lock = line.point.lock ? style.dim(' (lock)') : ''
  if (line.kind === 'late') {
    return `  ${label}${answerText(line.answer, style)} ${style.dim(`(answered after ${Math.round(line.ms)} ms)`)}\n`
  }
  const sent = sentText(line.point, line.answer, room)
  if (line.status === 'waiting') return `  ${label}${sent}${lock} ${style.yellow(`… waiting for ${line.waitingFor?.join(' and ') ?? 'a lock'}`)}\n`
  if (line.status === 'running') return `  ${label}${sent}${lock} ${style.dim('… still running')}\n`
  return `  ${label}${sent}${lock}${line.answer || line.point.kind === 'think' ? ' ' + answerText(line.answer, style) : ''}\n`
}

function sentText(point: StepPoint, answer: StepEvent | undefined, room: number): string {
  if (point.kind === 'think') return 'think'
  const step = answer ?? point.sent
  return stepText(step, room, '').sent
}

function answerText(answer: StepEvent | undefined, style: ChalkInstance): string {
  if (!answer) return '→ done'
  const shown = answerOf(answer)
  if (!shown) return '→ done'
  return `→ ${shown.failed ? style.red(shown.text) : style.bold(shown.text)}${shown.failed && answer.error ? style.dim(` ${cutToWidth(answer.error, 70)}`) : ''}`
}

/** `a ✔ ok`, `b ✘ conflict: unique 23505`. */
export function outcomeText(outcome: WorkerOutcome, style: ChalkInstance): string {
  const why = [outcome.errorClass, outcome.code].filter(Boolean).join(' ') || outcome.message || ''
  const text = `${outcome.worker} ${outcome.outcome === 'ok' ? '✔' : outcome.outcome === 'rejected' ? '–' : '✘'} ${outcome.outcome}${why ? `: ${why}` : ''}`
  const colour = outcome.outcome === 'ok' ? style.green : outcome.outcome === 'rejected' ? style.blue : style.yellow
  return colour(text)
}

/** After a schedule: its order, and each invariant's verdict on the final state. */
export function renderScheduleEnd(run: ScheduledResult, style: ChalkInstance): string {
  const lines = ['', `order: ${run.order.join(' ')}`, 'final state:']
  for (const invariant of run.invariants) lines.push(`  ${mark(style, invariant.held)} ${invariant.name}: ${invariant.detail}`)
  return lines.join('\n') + '\n'
}

/**
 * After a schedule's final state: the same run as the swimlane a load run draws under "how it
 * happened", one lane for `a` and one for `b`, so the two read alike.
 */
export function renderScheduleTimeline(run: ScheduledResult, style: ChalkInstance, width: number): string {
  return '\n' + renderTimeline(run.trace, style, { width, laneName: workerName })
}

/** `--permutations`: one line per interleaving, then how many broke which invariant. */
export function renderPermutations(result: ExplainResult, style: ChalkInstance): string {
  const width = Math.max(0, ...result.runs.map((run) => run.order.join(' ').length))
  const lines = result.runs.map((run, i) => {
    const broken = run.invariants.filter((invariant) => !invariant.held).map((invariant) => invariant.name)
    const verdict = broken.length === 0 ? style.green('✔ held') : style.red(`✘ ${broken.join(', ')}`)
    const outcomes = run.outcomes.map((outcome) => `${outcome.worker} ${outcome.outcome}`).join(', ')
    return `  ${String(i + 1).padStart(3)}  ${run.order.join(' ').padEnd(Math.max(12, width))}  ${outcomes.padEnd(24)}  ${verdict}`
  })
  return [...lines, '', summaryOf(result), ...(result.capped ? [style.yellow(`stopped after ${result.runs.length} interleavings: more remain (racebench runs at most ${result.runs.length})`)] : [])].join('\n') + '\n'
}

/** `4 of 6 interleavings break "no double booking"`, or that every one held. */
export function summaryOf(result: ExplainResult): string {
  const total = result.runs.length
  const broke = result.runs.filter((run) => run.violations > 0).length
  if (broke === 0) return `every one of ${plural(total, 'interleaving')} kept every invariant`
  const names = [...new Set(result.runs.flatMap((run) => run.invariants.filter((i) => !i.held).map((i) => `"${i.name}"`)))]
  return `${broke} of ${plural(total, 'interleaving')} break ${names.join(' and ')}`
}
