import { performance } from 'node:perf_hooks'
import { TargetError } from '../errors.js'
import type { StepEvent } from '../history/event.js'
import type { ErrorClass, Outcome } from '../history/outcome.js'
import type { Session } from '../engines/session.js'
import { workerName, type Phase, type ScheduleGate, type StepPoint } from './step-gate.js'
import { waitingFor } from './waiting.js'

/** What a chooser sees of a worker when it picks the next step. */
export interface WorkerView {
  readonly phase: Phase
  /** Steps released so far. */
  readonly steps: number
  /** The step it asks for, while requesting. */
  readonly point: StepPoint | undefined
  /** Its step out, while running. */
  readonly out: StepPoint | undefined
  /** The workers its running step waits for on a lock (empty when it is not waiting). */
  readonly waitingFor: readonly number[]
}

/** Picks the next step to release: a fixed schedule, the canonical race, or one interleaving of many. */
export interface Chooser {
  /**
   * The worker whose requested step goes next, among those requesting (at least one is); `undefined`
   * when the schedule has no more steps. Throws (UsageError) when the schedule cannot go on.
   */
  next(workers: readonly WorkerView[]): number | undefined
  /** The error for a worker that asks for a step the schedule does not have. */
  missing(worker: number, workers: readonly WorkerView[]): Error
  /** Once every worker has finished: the error for steps the schedule still names, if any. */
  leftOver?(workers: readonly WorkerView[]): Error | undefined
}

/** One line of a scheduled run, printed as it happens. */
export type ScheduleLine =
  /** A step released, with its answer, or with `waiting` (for a lock) or `running` (still out after a while). */
  | { readonly kind: 'step'; readonly label: string; readonly worker: number; readonly point: StepPoint; readonly answer?: StepEvent; readonly status: 'answered' | 'waiting' | 'running'; readonly waitingFor?: readonly string[] }
  /** A step that was waiting or still running, answered now (after `ms`). */
  | { readonly kind: 'late'; readonly label: string; readonly worker: number; readonly point: StepPoint; readonly answer?: StepEvent; readonly ms: number }
  /** A worker's operation ended, and how. */
  | { readonly kind: 'end'; readonly worker: number; readonly outcome?: WorkerOutcome }

/** How one worker's operation ended. */
export interface WorkerOutcome {
  readonly worker: string
  readonly outcome: Outcome
  readonly errorClass?: ErrorClass
  readonly code?: string
  readonly message?: string
}

export interface DriveOptions {
  readonly gate: ScheduleGate
  readonly chooser: Chooser
  /** A connection of its own, to ask the server who waits for whom. */
  readonly probe: Session
  /** Each worker's server session id. */
  readonly sessionIds: readonly number[]
  /** No progress for this long (--timeout and a grace): the run cannot go on. */
  readonly stuckMs: number
  /** How long a released step that neither answers nor waits for a lock is watched before the schedule goes on. */
  readonly windowMs: number
  readonly onLine: (line: ScheduleLine) => void
}

/** How long a step waiting on InnoDB is given to answer after another step's answer may have freed its lock. */
const INNODB_GRANT_MS = 60
/** How often a step out is looked at again (answered? waiting for a lock?). */
const POLL_MS = 5
/**
 * How long a released step may take before the server is asked whether it waits for a lock: most
 * answer within a few milliseconds, and a lock-wait query costs a tenth of a second on MariaDB.
 */
const QUICK_MS = 20

interface Tracked {
  label: string | undefined
  since: number
  releasedAt: number
  reported: 'none' | 'waiting' | 'granted' | 'running'
  waitingFor: number[]
}

/**
 * Drives a scheduled run, as PostgreSQL's isolation tester does: releases one step at a time, the one
 * the chooser picks, and before picking the next waits until every worker has settled: asking for its
 * next step, finished, or with its step out and either waiting for a lock (seen through the server's
 * lock manager) or still running after `windowMs`. A step that waits is reported as waiting for the
 * worker holding the lock, and the schedule goes on with the others; its answer is reported where it
 * comes. Resolves with the order the steps were released in.
 */
export async function driveSchedule(options: DriveOptions): Promise<string[]> {
  const { gate, chooser } = options
  const tracked: Tracked[] = gate.workers.map(() => ({ label: undefined, since: 0, releasedAt: 0, reported: 'none', waitingFor: [] }))
  const ended = gate.workers.map(() => false)
  const order: string[] = []
  const view = (): WorkerView[] => gate.workers.map((state, worker) => ({ phase: state.phase, steps: state.steps, point: state.point, out: state.out, waitingFor: tracked[worker]!.waitingFor }))
  let first = -1
  for (;;) {
    await settle(options, tracked, ended, first)
    if (gate.workers.every((state) => state.phase === 'done')) {
      const left = chooser.leftOver?.(view())
      if (left) throw left
      return order
    }
    const requesting = gate.workers.map((state, worker) => (state.phase === 'requesting' ? worker : -1)).filter((worker) => worker >= 0)
    if (requesting.length === 0) {
      // Every worker still out waits or runs: the server ends that (a lock timeout, a deadlock).
      await progressOrStuck(options, tracked)
      first = -1
      continue
    }
    const chosen = chooser.next(view())
    if (chosen === undefined) throw chooser.missing(requesting[0]!, view())
    gate.release(chosen)
    const now = performance.now()
    const label = `${workerName(chosen)}${gate.workers[chosen]!.steps}`
    Object.assign(tracked[chosen]!, { label, since: now, releasedAt: now, reported: 'none', waitingFor: [] })
    order.push(label)
    first = chosen
  }

  /** Waits for some worker to change, or fails when none has for `stuckMs`. */
  async function progressOrStuck(options: DriveOptions, tracked: Tracked[]): Promise<void> {
    const before = gate.workers.map((state) => state.phase)
    const started = performance.now()
    while (gate.workers.every((state, worker) => state.phase === before[worker])) {
      if (performance.now() - started > options.stuckMs) {
        const out = tracked.flatMap((t) => (t.label ? [`${t.label} ${t.waitingFor.length > 0 ? `waiting for ${names(t.waitingFor)}` : 'running'}`] : []))
        throw new TargetError(`the schedule cannot go on: no step answered within ${Math.round(options.stuckMs / 1000)} s (${out.join(', ') || 'no step out'})`)
      }
      await gate.changed(50)
    }
  }

  /** Workers by name: `a`, `a and b`. */
  function names(workers: readonly number[]): string {
    return workers.map((worker) => (worker >= 0 ? workerName(worker) : 'another session')).join(' and ')
  }

  async function settle(options: DriveOptions, tracked: Tracked[], ended: boolean[], first: number): Promise<void> {
    const started = performance.now()
    const workers = gate.workers.map((_, worker) => worker)
    // The step just released is reported before any other: its answer first, then what it unblocked.
    const ordered = first >= 0 ? [first, ...workers.filter((worker) => worker !== first)] : workers
    // A step found waiting is asked about again once per settle, after the step just released answered.
    const askedAgain = new Set<number>()
    for (;;) {
      // What the step just released unblocked is reported after it, even when its answer came first.
      const firstOut = first >= 0 && tracked[first]!.label !== undefined && tracked[first]!.reported === 'none'
      for (const worker of firstOut ? [first] : ordered) report(worker, tracked[worker]!, ended)
      // While a step just released may still answer, nobody is asked about: its answer may change theirs.
      const quick = ordered.some((worker) => gate.workers[worker]!.phase === 'running' && tracked[worker]!.reported === 'none' && performance.now() - tracked[worker]!.since < QUICK_MS)
      let settled = !quick
      for (const worker of quick ? [] : ordered) {
        const state = gate.workers[worker]!
        const t = tracked[worker]!
        if (state.phase === 'between') settled = false
        if (state.phase !== 'running' || !t.label) continue
        if (state.out?.kind === 'think') {
          settled = false
          continue
        }
        if (t.reported === 'waiting' || t.reported === 'running') {
          // Only another step's answer can free the lock. PostgreSQL's lock manager says at once whether
          // it did; InnoDB's lock-wait view may be a tenth of a second stale and is slow to ask, so a
          // step waiting there is given that long to answer before it is taken to wait still.
          if (options.probe.dialect !== 'postgres' || askedAgain.has(worker)) {
            if (options.probe.dialect !== 'postgres' && performance.now() - started < INNODB_GRANT_MS) settled = false
            continue
          }
          askedAgain.add(worker)
        }
        const others = options.sessionIds.filter((_, other) => other !== worker)
        const blockers = await waitingFor(options.probe, options.sessionIds[worker]!, others).catch(() => [])
        if (state.phase !== 'running') {
          settled = false
          continue
        }
        const byWorker = blockers.map((id) => options.sessionIds.indexOf(id))
        if (byWorker.length > 0) {
          if (t.reported !== 'waiting') options.onLine({ kind: 'step', label: t.label, worker, point: state.out!, status: 'waiting', waitingFor: byWorker.map((w) => names([w])) })
          t.waitingFor = byWorker
          t.reported = 'waiting'
          continue
        }
        if (t.reported === 'waiting' || t.reported === 'running') {
          // The lock was granted: the step runs on now, and its answer is due.
          t.reported = 'granted'
          t.since = performance.now()
        }
        if (performance.now() - t.since < options.windowMs) settled = false
        else if (t.reported === 'none' || t.reported === 'granted') {
          t.reported = 'running'
          options.onLine({ kind: 'step', label: t.label, worker, point: state.out!, status: 'running' })
        }
      }
      if (settled) return
      if (performance.now() - started > options.stuckMs) {
        throw new TargetError(`the schedule cannot go on: its workers did not settle within ${Math.round(options.stuckMs / 1000)} s`)
      }
      await gate.changed(POLL_MS)
    }
  }

  /** Reports worker `worker`'s step once it is answered, and its end once its operation is over. */
  function report(worker: number, t: Tracked, ended: boolean[]): void {
    const state = gate.workers[worker]!
    const finished = state.finished.shift()
    if (t.label && finished) {
      const { point, answer } = finished
      if (t.reported === 'none') options.onLine({ kind: 'step', label: t.label, worker, point, ...(answer ? { answer } : {}), status: 'answered' })
      else options.onLine({ kind: 'late', label: t.label, worker, point, ...(answer ? { answer } : {}), ms: performance.now() - t.releasedAt })
      t.label = undefined
      t.waitingFor = []
    }
    if (state.phase === 'done' && !t.label && !ended[worker]) {
      ended[worker] = true
      options.onLine({ kind: 'end', worker })
    }
  }
}
