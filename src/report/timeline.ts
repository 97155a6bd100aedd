import type { ChalkInstance } from 'chalk'
import { plural } from '../check/plural.js'
import type { OperationEvent } from '../history/event.js'
import type { Outcome } from '../history/outcome.js'
import type { Trace, TracedOperation } from '../history/trace.js'
import { cellWidth, cutToWidth, wrapToWidth } from './cell-width.js'
import { describeReadBeforeWrite, readBeforeAnyWrite } from './read-before-write.js'
import { answerOf, stepFit, stepText, type SentFit, type StepText } from './step-text.js'
import { timelineModel, type Row, type Span, type TimelineModel } from './timeline-rows.js'

export interface TimelineOptions {
  /** The terminal's width in cells: no line is longer. */
  readonly width: number
  /** Lanes drawn at most (4); further workers are counted in a line. */
  readonly maxWorkers?: number
  /** Rows drawn at most (60); the middle ones are left out beyond that. */
  readonly maxRows?: number
  /**
   * What a lane is called (`a`, `b`; a spec's session names): its first row shows that name alone.
   * Without it, `worker 3 · iteration 7`, as a load run draws it.
   */
  readonly laneName?: (worker: number) => string
  /** What a lane stands for in the lines around the swimlane: `worker` (the default) or `session`. */
  readonly laneNoun?: string
}

/** How lanes are named: by the caller's names, or as a load run's workers. */
interface Naming {
  readonly name: (worker: number) => string
  readonly noun: string
  readonly named: boolean
}

/**
 * How an invariant broke on one key, as a swimlane: one column per worker, one row per step in time
 * order, each step in short form with what it read or wrote, the pauses and waits, each operation's
 * outcome, and the key's final state. Every line fits `width` cells, and colour only repeats what the
 * text says, so it reads the same piped or under NO_COLOR:
 *
 * ```
 *   +0.00 ms  ┌ worker 3 · iteration 7
 *   +0.05 ms  ├ SELECT 1 FROM bookings WHERE room_id=2 AND night=3 … → 0 rows
 *   +0.09 ms  │   ├ SELECT 1 FROM bookings WHERE room_id=2 AND night=3 … → 0 rows
 * ```
 */
export function renderTimeline(trace: Trace, style: ChalkInstance, options: TimelineOptions): string {
  const width = Number.isFinite(options.width) ? Math.max(24, Math.floor(options.width)) : 80
  const model = timelineModel(trace, options.maxWorkers ?? 4)
  const naming: Naming = { name: options.laneName ?? ((worker) => `worker ${worker}`), noun: options.laneNoun ?? 'worker', named: options.laneName !== undefined }
  const lines = [...intro(trace, model, width, naming), ...body(model, width, options.maxRows ?? 60, naming), ...outro(trace, model, width, naming)]
  return lines.map((line) => paint(line, width, style)).join('\n') + '\n'
}

type Role = 'plain' | 'dim' | 'bold' | 'answer' | 'failed' | 'lane' | Outcome
interface Segment {
  readonly text: string
  readonly role: Role
  readonly lane?: number
}

const seg = (text: string, role: Role = 'plain', lane?: number): Segment => ({ text, role, ...(lane === undefined ? {} : { lane }) })

/** Lane colours, only ever repeating what the column already says. */
const LANE_COLORS = ['cyan', 'magenta', 'yellow', 'blue'] as const
const OUTCOME_COLORS: Record<Outcome, 'green' | 'blue' | 'yellow' | 'red' | 'magenta'> = { ok: 'green', rejected: 'blue', conflict: 'yellow', error: 'red', unknown: 'magenta' }
const OUTCOME_MARKS: Record<Outcome, string> = { ok: '✔', rejected: '–', conflict: '✘', error: '✘', unknown: '?' }

function paint(segments: readonly Segment[], width: number, style: ChalkInstance): string {
  let out = ''
  let left = width
  for (const { text, role, lane } of segments) {
    // A newline or escape code in a parameter or a message must not break the line or the terminal.
    const clean = text.replace(/[\u0000-\u001f\u007f-\u009f]/g, ' ')
    const shown = cutToWidth(clean, left)
    left -= cellWidth(shown)
    out += colour(shown, role, lane, style)
    if (shown !== clean) break
  }
  return out
}

function colour(text: string, role: Role, lane: number | undefined, style: ChalkInstance): string {
  if (text === '' || role === 'plain') return text
  if (role === 'lane') return style[LANE_COLORS[(lane ?? 0) % LANE_COLORS.length]!](text)
  if (role === 'dim') return style.dim(text)
  if (role === 'bold' || role === 'answer') return style.bold(text)
  if (role === 'failed') return style.red(text)
  return style[OUTCOME_COLORS[role]](text)
}

function intro(trace: Trace, model: TimelineModel, width: number, naming: Naming): Segment[][] {
  const title = wrapToWidth(`how it happened on ${trace.key} (${trace.invariant})`, width, '  ')
  const lines: Segment[][] = title.map((line, i) => (i === 0 ? [seg(line.slice(0, 15), 'bold'), seg(line.slice(15))] : [seg(line)]))
  const said = (text: string) => lines.push(...wrapToWidth(text, width, '    ').map((line) => [seg(line, 'dim')]))
  said(`  one column per ${naming.noun}, one row per step; time since the first began`)
  if (model.lanes.length === 0) said(`  no operation kept in the history touched ${trace.key}`)
  // The run keeps each key's first acknowledged operations and its latest ones: the rest are counted.
  if (trace.dropped > 0) said(`  ${plural(trace.dropped, 'other operation')} on ${trace.key} not kept (the run keeps the first acknowledged and the latest of each key)`)
  if (model.hidden.length > 0) {
    const who = model.hidden.map((lane) => `${naming.name(lane.worker)} (${lane.operations.map((op) => op.outcome ?? 'running').join(', ')})`)
    said(`  ${plural(model.hidden.length, `more ${naming.noun}`)} not shown: ${who.join(', ')}`)
  }
  return [...lines, ...faultLines(trace, width)]
}

/** The nemesis's faults while these operations ran, at their time since the first began: at most MAX_FAULT_LINES. */
function faultLines(trace: Trace, width: number): Segment[][] {
  const faults = trace.faults ?? []
  if (faults.length === 0) return []
  const first = Math.min(...trace.operations.map((operation) => operation.start))
  const shown = faults.slice(0, MAX_FAULT_LINES).map((fault) => {
    const at = `+${((fault.t - first) / 1_000).toFixed(1)} ms`
    return `  ⚡ ${at} nemesis ${fault.fault} ${fault.phase === 'end' ? 'ended' : fault.phase === 'fail' ? 'failed' : 'began'}: ${fault.detail}`
  })
  if (faults.length > MAX_FAULT_LINES) shown.push(`  ⚡ ${plural(faults.length - MAX_FAULT_LINES, 'more fault event')} meanwhile`)
  return shown.flatMap((text) => wrapToWidth(text, width, '    ').map((line) => [seg(line, 'failed')]))
}

const MAX_FAULT_LINES = 6

function outro(trace: Trace, model: TimelineModel, width: number, naming: Naming): Segment[][] {
  const split = readBeforeAnyWrite(model.lanes)
  const said = naming.named ? describeNamedReadBeforeWrite(split.map(naming.name), naming.noun) : describeReadBeforeWrite(split)
  const lines = split.length > 0 ? wrapToWidth(`  ⇒ ${said}`, width, '    ').map((line) => [seg(line)]) : []
  return [...lines, ...wrapToWidth(`  final state of ${trace.key}: ${trace.detail}`, width, '    ').map((line) => [seg(line, 'bold')])]
}

/** `workers a and b both read before either wrote`, with the caller's names for the lanes. */
function describeNamedReadBeforeWrite(names: readonly string[], noun: string): string {
  const listed = `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
  return names.length === 2 ? `${noun}s ${listed} both read before either wrote` : `${noun}s ${listed} all read before any of them wrote`
}

/** The rows, each `  +time  rails marker text`, a lane's text starting in its own column. */
function body(model: TimelineModel, width: number, maxRows: number, naming: Naming): Segment[][] {
  const times = model.rows.map((row) => offset(Math.max(0, row.t - model.origin)))
  const timeWidth = Math.max(0, ...times.map(cellWidth))
  const lead = 2 + timeWidth + 2
  const lanes = model.lanes.length
  // Four cells a lane; fewer when the last lane would have too little room for a statement.
  let spacing = 4
  while (spacing > 2 && width - lead - (lanes - 1) * spacing - 2 < 32) spacing--
  // Every step gets the room of the last lane, so one statement reads the same in every lane.
  const stepWidth = width - lead - (lanes - 1) * spacing - 2
  const steps = { width: stepWidth, fits: sharedFits(model.rows, stepWidth) }
  const open = model.lanes.map(() => false)
  const drawn = model.rows.map((row, i): Drawn => {
    const rails = open.slice(0, row.lane).map((isOpen, lane) => seg(railAt(model.spans, lane, row.t, isOpen).padEnd(spacing), 'lane', lane))
    if (row.kind === 'start') open[row.lane] = true
    if (row.kind === 'end') open[row.lane] = false
    return { time: times[i]!, rails, cell: cellOf(row, steps, width - lead - row.lane * spacing - 2, naming), keep: row.kind === 'start' || row.kind === 'end' }
  })
  const kept = maxRows > 0 && drawn.length > maxRows ? elided(drawn, maxRows) : drawn
  let previous = ''
  return kept.map(({ time, rails, cell }) => {
    // A time equal to the row above is left blank: rows at one instant read as one.
    const shown = time === previous ? '' : time
    previous = time
    return [seg(`  ${shown.padStart(timeWidth)}  `, 'dim'), ...rails, ...cell]
  })
}

/** A row ready to print; `keep` for the rows that open and close a lane, which are never left out. */
type Drawn = { readonly time: string; readonly rails: Segment[]; readonly cell: Segment[]; readonly keep: boolean }

/**
 * At most about `maxRows` rows: the steps nearest the middle are left out (each run of them becomes
 * one `⋮ n rows left out` line), so the start of the race and every outcome stay in view.
 */
function elided(drawn: readonly Drawn[], maxRows: number): Drawn[] {
  const middle = (drawn.length - 1) / 2
  const droppable = drawn.flatMap((d, i) => (d.keep ? [] : [i])).sort((a, b) => Math.abs(a - middle) - Math.abs(b - middle))
  const dropped = new Set(droppable.slice(0, drawn.length - maxRows + 1))
  const kept: Drawn[] = []
  let run = 0
  const gap = () => kept.push({ time: '', rails: [], cell: [seg(`⋮ ${plural(run, 'row')} left out`, 'dim')], keep: true })
  drawn.forEach((d, i) => {
    if (dropped.has(i)) return void run++
    if (run > 0) gap(), (run = 0)
    kept.push(d)
  })
  if (run > 0) gap()
  return kept
}

/** A lane's rail at time t: `│` while its operation runs, `┆` while it pauses, `⋮` while it waits. */
function railAt(spans: readonly Span[], lane: number, t: number, open: boolean): string {
  if (!open) return ' '
  const during = (kind: Span['kind']) => spans.some((s) => s.lane === lane && s.kind === kind && s.from < t && t < s.to)
  return during('wait') ? '⋮' : during('think') ? '┆' : '│'
}

/** How steps are fitted: every one in the last lane's width, a statement shortened alike wherever it appears. */
interface StepFit {
  readonly width: number
  readonly fits: ReadonlyMap<string, SentFit>
}

/** The answer a step row shows: what came back (with its time when slow), or `waiting…` on a `sent` row. */
function shownAnswer(row: Row & { kind: 'step' | 'sent' | 'answer' }): string | undefined {
  if (row.kind === 'sent') return 'waiting…'
  const answer = answerOf(row.step)
  return answer && answer.text + (row.step.ms >= 5 ? ` (${duration(row.step.ms)})` : '')
}

/**
 * For each statement text, the shortening its most cramped row needs: the two reads of a race then
 * read alike, even when one answered `waiting…` and the other `stock=7 version=93`.
 */
function sharedFits(rows: readonly Row[], width: number): Map<string, SentFit> {
  const fits = new Map<string, SentFit>()
  for (const row of rows) {
    if ((row.kind !== 'step' && row.kind !== 'sent') || row.step.sql === undefined) continue
    const fit = stepFit(row.step, width, shownAnswer(row))
    const before = fits.get(row.step.sql) ?? fit
    fits.set(row.step.sql, { level: Math.max(before.level, fit.level), room: Math.min(before.room, fit.room) })
  }
  return fits
}

function cellOf(row: Row, steps: StepFit, width: number, naming: Naming): Segment[] {
  const marker = (char: string) => seg(`${char} `, 'lane', row.lane)
  switch (row.kind) {
    case 'start':
      if (naming.named) return [marker('┌'), seg(naming.name(row.operation.worker), 'bold')]
      return [marker('┌'), seg(`worker ${row.operation.worker}`, 'bold'), seg(` · iteration ${row.operation.iteration}`, 'dim')]
    case 'end':
      return [marker('└'), outcomeOf(row.operation)]
    case 'step':
    case 'sent': {
      const text = stepText(row.step, steps.width, shownAnswer(row), steps.fits.get(row.step.sql ?? ''))
      return [marker('├'), ...stepSegments(text, row.kind === 'sent' ? 'dim' : undefined)]
    }
    case 'answer': {
      const answer = answerOf(row.step)
      const after = seg(` (answered after ${duration(row.step.ms)})`, 'dim')
      return [marker('├'), seg('→ '), seg(cutToWidth(answer?.text ?? 'done', width - 4), answer?.failed ? 'failed' : 'answer'), after]
    }
    case 'event':
      return [marker('├'), eventOf(row.event)]
  }
}

function stepSegments({ sent, answer, failed }: StepText, role?: Role): Segment[] {
  const answerRole = role ?? (failed ? 'failed' : 'answer')
  return answer === undefined ? [seg(sent)] : [seg(sent), seg(' → '), seg(answer, answerRole)]
}

function eventOf(event: OperationEvent): Segment {
  switch (event.type) {
    case 'think':
      return seg(`think ${duration(event.ms)}`)
    case 'lock':
      if (event.phase === 'wait') return seg('lock wait…')
      if (event.phase === 'acquired') return seg(`lock acquired after ${duration(event.ms ?? 0)}`)
      if (event.phase === 'not-acquired') return seg(`✘ lock not acquired after ${duration(event.ms ?? 0)}`, 'failed')
      if (event.phase === 'lost') return seg('✘ lock lost: its lease expired before release', 'failed')
      return seg('lock released')
    case 'retry':
      return seg(`retry ${event.attempt} (${[event.errorClass, event.code].filter(Boolean).join(' ') || event.message || 'conflict'})`)
    case 'note':
      return seg(`note ${event.name}: ${event.detail}`, 'dim')
    case 'read':
      return seg(event.ok ? 'read' : `read failed${event.message ? `: ${event.message}` : ''}`)
    default:
      return seg(event.type)
  }
}

/** `✔ ok`, `– rejected`, `✘ conflict: unique 23505`, `✘ error: other 42P01: relation … does not exist`. */
function outcomeOf(op: TracedOperation): Segment {
  const outcome = op.outcome ?? op.completion?.type
  if (outcome === undefined || op.end === undefined) return seg('still running when the history ended', 'dim')
  const code = [op.completion?.errorClass, op.completion?.code].filter(Boolean).join(' ')
  const message = op.completion?.message
  const why = outcome === 'conflict' ? code || message : [code, message].filter(Boolean).join(': ')
  return seg(`${OUTCOME_MARKS[outcome]} ${outcome}${why ? `: ${why}` : ''}`, outcome)
}

/** `+0.05 ms`, `+12.3 ms`, `+1234 ms`, `+12.3 s`, from microseconds. */
function offset(us: number): string {
  const ms = us / 1000
  if (ms >= 10_000) return `+${(ms / 1000).toFixed(1)} s`
  return `+${ms.toFixed(ms < 10 ? 2 : ms < 100 ? 1 : 0)} ms`
}

/** `0.42 ms`, `3.2 ms`, `10 ms`, `1235 ms`, `12.3 s`. */
function duration(ms: number): string {
  if (ms >= 10_000) return `${Number((ms / 1000).toFixed(1))} s`
  return `${Number(ms.toFixed(ms < 1 ? 2 : ms < 100 ? 1 : 0))} ms`
}
