import type { StepEvent } from '../history/event.js'
import type { TracedOperation } from '../history/trace.js'
import { sqlVerb } from './sql-text.js'
import type { Lane } from './timeline-rows.js'

const READS = new Set(['SELECT', 'WITH'])
const WRITES = new Set(['INSERT', 'UPDATE', 'DELETE', 'REPLACE', 'MERGE'])

/**
 * When an operation's last read before its first write was answered, and when that write was answered:
 * until then no other session can see it (later still, at COMMIT, inside a transaction), so a read
 * answered before it cannot have seen it, even if it was answered after the write was sent.
 */
interface Window {
  readonly worker: number
  readonly readAnswered: number
  readonly writeAnswered: number
}

function windowOf(worker: number, op: TracedOperation): Window | undefined {
  let readAnswered: number | undefined
  for (const event of op.events) {
    if (event.type !== 'step' || event.sql === undefined || failed(event)) continue
    const verb = sqlVerb(event.sql)
    if (READS.has(verb)) readAnswered = event.t + event.ms * 1000
    // A write that changed nothing (a compare-and-set that lost) did not act on the read.
    else if (WRITES.has(verb) && event.rows !== 0) return readAnswered === undefined ? undefined : { worker, readAnswered, writeAnswered: event.t + event.ms * 1000 }
  }
  return undefined
}

function failed(step: StepEvent): boolean {
  return step.error !== undefined || step.errorClass !== undefined || step.code !== undefined
}

/**
 * The check-then-act split, when the history shows it: the workers whose operations went through
 * (`ok`) after each read and then wrote, every one of those reads answered before any of those writes
 * was answered, so no worker's read could see another's write. The largest such group of at least two,
 * in lane order; none when the operations took turns.
 */
export function readBeforeAnyWrite(lanes: readonly Lane[]): number[] {
  const windows = lanes.flatMap((lane) =>
    lane.operations.filter((op) => op.outcome === 'ok').flatMap((op) => windowOf(lane.worker, op) ?? []),
  )
  let best: Window[] = []
  for (const first of windows) {
    // Every read of the group answered before the group's first write (`first`'s) was answered.
    const group = windows.filter((w) => w.writeAnswered >= first.writeAnswered && w.readAnswered <= first.writeAnswered)
    if (group.length > best.length) best = group
  }
  const workers = [...new Set(best.map((w) => w.worker))]
  return workers.length >= 2 ? workers : []
}

/** `workers 3 and 5 both read before either wrote`, `workers 0, 1 and 3 all read before any of them wrote`. */
export function describeReadBeforeWrite(workers: readonly number[]): string {
  const names = `${workers.slice(0, -1).join(', ')} and ${workers[workers.length - 1]}`
  return workers.length === 2 ? `workers ${names} both read before either wrote` : `workers ${names} all read before any of them wrote`
}
