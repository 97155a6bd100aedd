import type { InvariantResult } from '../check/check-invariants.js'
import type { Trace, TracedOperation } from '../history/trace.js'
import type { ScheduleLine, WorkerOutcome } from './drive.js'

export interface ExplainTraceInput {
  /** The key both workers worked on, as the scenario shows it. */
  readonly key: string
  /** Both workers' operations, whole. */
  readonly operations: readonly TracedOperation[]
  readonly invariants: readonly InvariantResult[]
  /** The schedule's lines as they were reported: where a step waited, and for whom. */
  readonly lines: readonly ScheduleLine[]
  readonly outcomes: readonly WorkerOutcome[]
}

/**
 * A scheduled run as a timeline draws it, the same shape as a load run's traces: both operations on
 * the key. Titled by the first invariant it broke; when every invariant held, by what stopped the
 * race (a step that waited for the other's lock, a step the server failed, an operation refused), so
 * the swimlane says why it is safe, not only that it is.
 */
export function explainTrace(input: ExplainTraceInput): Trace {
  const operations = input.operations.map(lockWaitFromRelease)
  const broken = input.invariants.find((invariant) => !invariant.held)
  if (broken) {
    const onKey = broken.broken.find((entry) => entry.key === input.key)
    return { invariant: broken.name, key: input.key, detail: onKey?.detail ?? broken.detail, operations, dropped: 0 }
  }
  const why = whatStoppedTheRace(input.lines, input.outcomes)
  const detail = input.invariants.map((invariant) => invariant.detail).join('; ') || 'no invariant to check'
  return { invariant: `every invariant held${why ? `; ${why}` : ''}`, key: input.key, detail, operations, dropped: 0 }
}

/**
 * A strategy's lock wait begins when it asks for the lock, but in a scheduled run the statement that
 * takes it then waits for its turn, which is the schedule's doing, not the lock's. So the wait is
 * drawn from when that statement was released, and `acquired after` counts from there: `b` waited
 * for `a`'s lock, `a` did not wait for the driver.
 */
function lockWaitFromRelease(operation: TracedOperation): TracedOperation {
  const events = [...operation.events]
  let waitAt: number | undefined
  for (const [i, event] of events.entries()) {
    if (event.type !== 'lock') continue
    if (event.phase === 'wait') {
      const released = events.find((next, j) => j > i && next.type === 'step')
      if (!released || released.t <= event.t) continue
      waitAt = released.t
      events[i] = { ...event, t: released.t }
    } else if ((event.phase === 'acquired' || event.phase === 'not-acquired') && waitAt !== undefined) {
      events[i] = { ...event, ms: Math.max(0, Math.round(event.t - waitAt) / 1000) }
      waitAt = undefined
    }
  }
  return { ...operation, events: events.sort((x, y) => x.t - y.t) }
}

/**
 * `b2 waited for a lock held by a` (`, then failed: serialization 40001`), `b3 failed: serialization 40001`,
 * `b1 found the lock taken` (a Redis lease), `b was rejected`; undefined when nothing did.
 */
export function whatStoppedTheRace(lines: readonly ScheduleLine[], outcomes: readonly WorkerOutcome[]): string | undefined {
  for (const line of lines) {
    if (line.kind !== 'step' || line.status !== 'waiting') continue
    const waited = `${line.label} waited for a lock held by ${line.waitingFor?.join(' and ') ?? 'another session'}`
    const answer = lines.find((later) => later.kind === 'late' && later.label === line.label)
    const failed = answer?.kind === 'late' && answer.answer?.errorClass !== undefined ? [answer.answer.errorClass, answer.answer.code].filter(Boolean).join(' ') : undefined
    return failed ? `${waited}, then failed: ${failed}` : waited
  }
  for (const line of lines) {
    if (line.kind === 'end' || line.answer?.errorClass === undefined) continue
    return `${line.label} failed: ${[line.answer.errorClass, line.answer.code].filter(Boolean).join(' ')}`
  }
  // A lease lock not won: `SET … NX` answered nil, and the strategy asks again until it is free.
  for (const line of lines) {
    if (line.kind !== 'end' && line.answer?.redis !== undefined && /^SET .* NX\b/i.test(line.answer.redis) && line.answer.rows === 0) return `${line.label} found the lock taken`
  }
  const refused = outcomes.find((outcome) => outcome.outcome !== 'ok')
  if (!refused) return undefined
  if (refused.outcome === 'rejected') return `${refused.worker} was rejected`
  const why = [refused.errorClass, refused.code].filter(Boolean).join(' ') || refused.message
  return `${refused.worker} ended in ${refused.outcome}${why ? ` (${why})` : ''}`
}
