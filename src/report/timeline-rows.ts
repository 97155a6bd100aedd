import { isCompletion, type OperationEvent, type StepEvent } from '../history/event.js'
import type { Trace, TracedOperation } from '../history/trace.js'

/**
 * What a timeline draws, before any drawing: which workers get a lane, one row per thing that
 * happened, in time order, and the spans when a worker was pausing or waiting. Pure data, so the
 * layout (timeline.ts) only has to place it.
 */

/** One worker's column: its operations on the key, in time order. */
export interface Lane {
  readonly worker: number
  readonly operations: readonly TracedOperation[]
}

interface At {
  /** Microseconds since the run's start; never earlier than the lane's previous row. */
  readonly t: number
  /** The lane's index, left to right. */
  readonly lane: number
}

/**
 * A row: an operation began (`start`) or ended (`end`, at its completion); a step answered at once
 * (`step`) or, when another worker acted while it was out, drawn twice, as sent (`sent`) and as
 * answered (`answer`); or another event (think, lock, retry, note).
 */
export type Row = At &
  (
    | { readonly kind: 'start' | 'end'; readonly operation: TracedOperation }
    | { readonly kind: 'step' | 'sent' | 'answer'; readonly step: StepEvent }
    | { readonly kind: 'event'; readonly event: OperationEvent }
  )

/** While a worker paused (`think`) or waited for a lock or an answer (`wait`): its rail shows it. */
export interface Span {
  readonly lane: number
  readonly from: number
  readonly to: number
  readonly kind: 'think' | 'wait'
}

export interface TimelineModel {
  readonly lanes: readonly Lane[]
  /** Workers left out beyond `maxWorkers`. */
  readonly hidden: readonly Lane[]
  readonly rows: readonly Row[]
  readonly spans: readonly Span[]
  /** When the first shown operation began: rows show their time from here. */
  readonly origin: number
}

/**
 * A statement out this long (ms) while another worker did something is drawn as sent, then answered:
 * a blocked `SELECT … FOR UPDATE` reads as waiting. Quicker ones are drawn once, when sent: on a busy
 * machine statements take 1–3 ms, and drawing each twice buried the race (measured on real runs).
 */
const SPLIT_MS = 5

/** The lanes, rows and spans of a trace, at most `maxWorkers` lanes. */
export function timelineModel(trace: Trace, maxWorkers: number): TimelineModel {
  const max = Number.isFinite(maxWorkers) ? Math.max(1, Math.floor(maxWorkers)) : 4
  const { shown, hidden } = chooseLanes(lanesOf(trace.operations), max)
  const spans: Span[] = []
  const rows = splitWaits(shown.flatMap((lane, index) => laneRows(lane, index, spans)), spans)
  const finite = rows.filter((row) => Number.isFinite(row.t)).map((row) => row.t)
  const last = finite.length > 0 ? Math.max(...finite) : 0
  // An operation still running when the history ended has its end row at the last row.
  const ordered = inLaneOrder(rows.map((row) => (Number.isFinite(row.t) ? row : { ...row, t: last })))
  const origin = Math.min(...shown.flatMap((lane) => lane.operations.map((op) => op.start)), last)
  return { lanes: shown, hidden, rows: ordered, spans: spans.map((s) => (Number.isFinite(s.to) ? s : { ...s, to: last })), origin }
}

function lanesOf(operations: readonly TracedOperation[]): Lane[] {
  const byWorker = new Map<number, TracedOperation[]>()
  for (const op of [...operations].sort((a, b) => a.start - b.start)) {
    const lane = byWorker.get(op.worker)
    if (lane) lane.push(op)
    else byWorker.set(op.worker, [op])
  }
  return [...byWorker].map(([worker, ops]) => ({ worker, operations: ops }))
}

/**
 * The workers to show: those whose operation went through (`ok`, the ones that broke the invariant)
 * first, then the earliest; shown in the order they began.
 */
function chooseLanes(lanes: readonly Lane[], max: number): { shown: Lane[]; hidden: Lane[] } {
  const succeeded = (lane: Lane) => (lane.operations.some((op) => op.outcome === 'ok') ? 0 : 1)
  const chosen = new Set([...lanes].sort((a, b) => succeeded(a) - succeeded(b)).slice(0, max))
  return { shown: lanes.filter((lane) => chosen.has(lane)), hidden: lanes.filter((lane) => !chosen.has(lane)) }
}

function laneRows(lane: Lane, index: number, spans: Span[]): Row[] {
  const rows: Row[] = []
  const at = (t: number) => ({ t, lane: index })
  for (const operation of lane.operations) {
    rows.push({ ...at(operation.start), kind: 'start', operation })
    const end = operation.end ?? Number.POSITIVE_INFINITY
    let lockWaitFrom: number | undefined
    // A think of 0 ms (`--think 0`) paused nothing: no row for it.
    const events = operation.events.filter((e) => e.type !== 'invoke' && !isCompletion(e) && !(e.type === 'think' && e.ms <= 0)).sort((a, b) => a.t - b.t)
    for (const event of events) {
      if (event.type === 'step') {
        rows.push({ ...at(event.t), kind: 'step', step: event })
        continue
      }
      rows.push({ ...at(event.t), kind: 'event', event })
      if (event.type === 'think') spans.push({ lane: index, from: event.t, to: event.t + event.ms * 1000, kind: 'think' })
      if (event.type === 'lock' && event.phase === 'wait') lockWaitFrom = event.t
      if (event.type === 'lock' && (event.phase === 'acquired' || event.phase === 'not-acquired') && lockWaitFrom !== undefined) {
        spans.push({ lane: index, from: lockWaitFrom, to: event.t, kind: 'wait' })
        lockWaitFrom = undefined
      }
    }
    if (lockWaitFrom !== undefined) spans.push({ lane: index, from: lockWaitFrom, to: end, kind: 'wait' })
    rows.push({ ...at(end), kind: 'end', operation })
  }
  return rows
}

/** Steps out for at least SPLIT_MS while another lane has a row become a `sent` and an `answer` row. */
function splitWaits(rows: readonly Row[], spans: Span[]): Row[] {
  return rows.flatMap((row): Row[] => {
    if (row.kind !== 'step' || row.step.ms < SPLIT_MS) return [row]
    const answered = row.t + row.step.ms * 1000
    if (!rows.some((other) => other.lane !== row.lane && other.t > row.t && other.t < answered)) return [row]
    spans.push({ lane: row.lane, from: row.t, to: answered, kind: 'wait' })
    return [{ ...row, kind: 'sent' }, { ...row, t: answered, kind: 'answer' }]
  })
}

/**
 * Rows by time; within a lane, in the order they happened (a row never goes before the lane's
 * previous one, whatever rounding did to its time); at the same time, left lane first.
 */
function inLaneOrder(rows: readonly Row[]): Row[] {
  const latest = new Map<number, number>()
  const sequenced = rows.map((row, seq) => {
    const t = Math.max(row.t, latest.get(row.lane) ?? Number.NEGATIVE_INFINITY)
    latest.set(row.lane, t)
    return { row: { ...row, t }, seq }
  })
  return sequenced.sort((a, b) => a.row.t - b.row.t || a.row.lane - b.row.lane || a.seq - b.seq).map((s) => s.row)
}
