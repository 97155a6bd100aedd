import { UsageError } from '../errors.js'
import type { Chooser, WorkerView } from './drive.js'
import type { ScheduledStep } from './schedule.js'
import { workerName } from './step-gate.js'

/** What a step sends, in a few words: `SELECT 1 FROM bookings …`, `think`. */
function sentOf(view: WorkerView | undefined): string {
  const point = view?.point ?? view?.out
  if (!point) return 'its next step'
  if (point.kind === 'think') return 'think'
  const text = point.sent.sql ?? `redis ${point.sent.redis ?? ''}`
  return text.length > 60 ? `${text.slice(0, 59)}…` : text
}

function missingStep(worker: number, workers: readonly WorkerView[]): Error {
  const name = workerName(worker)
  const view = workers[worker]
  const steps = view?.steps ?? 0
  return new UsageError(`--schedule: ${name}${steps + 1} is missing: after ${name}${steps}, ${name} goes on with ${sentOf(view)}`)
}

/** The steps of `--schedule`, in the order given; a schedule that cannot go on is a usage error. */
export function fixedChooser(steps: readonly ScheduledStep[]): Chooser {
  let next = 0
  return {
    next(workers) {
      const step = steps[next]
      if (!step) return undefined
      const view = workers[step.worker]!
      const name = workerName(step.worker)
      if (view.phase === 'done') {
        throw new UsageError(`--schedule: ${step.label} never comes: ${name}'s operation ended after ${view.steps} step${view.steps === 1 ? '' : 's'}`)
      }
      if (view.phase !== 'requesting') {
        const why = view.waitingFor.length > 0 ? `waits for ${view.waitingFor.map(workerName).join(' and ')}` : 'is still running'
        throw new UsageError(`--schedule cannot go on: ${step.label} is next, but ${name}${view.steps} ${why}; put ${view.waitingFor.length > 0 ? view.waitingFor.map(workerName).join(' and ') : 'the other worker'}'s next steps before ${step.label}`)
      }
      next++
      return step.worker
    },
    missing: missingStep,
    leftOver(workers) {
      const step = steps[next]
      if (!step) return undefined
      const steps_ = workers[step.worker]?.steps ?? 0
      return new UsageError(`--schedule: ${step.label} never comes: ${workerName(step.worker)}'s operation ended after ${steps_} step${steps_ === 1 ? '' : 's'}`)
    },
  }
}

/**
 * The canonical race: the workers take turns, one step each (a1 b1 a2 b2 …), which puts both checks
 * before both acts. A worker that waits for a lock or has finished lets the other go on alone.
 */
export function alternatingChooser(): Chooser {
  let last = -1
  return {
    next(workers) {
      const count = workers.length
      for (let i = 1; i <= count; i++) {
        const worker = (last + i) % count
        if (workers[worker]?.phase === 'requesting') return (last = worker)
      }
      return undefined
    },
    missing: missingStep,
  }
}

/** A point where more than one worker could go: which did, and which could have. */
export interface Decision {
  readonly chosen: number
  readonly options: readonly number[]
}

/**
 * One interleaving of many: at each point where more than one worker could go, the worker `prefix`
 * names, then (past the prefix) the first one that can. Records every such point, so the caller can
 * explore the other branches (see permutations.ts).
 */
export function exploringChooser(prefix: readonly number[]): Chooser & { readonly decisions: Decision[] } {
  const decisions: Decision[] = []
  return {
    decisions,
    next(workers) {
      const options = workers.flatMap((view, worker) => (view.phase === 'requesting' ? [worker] : []))
      if (options.length <= 1) return options[0]
      const chosen = prefix[decisions.length] ?? options[0]!
      if (!options.includes(chosen)) throw new Error(`interleaving not reproducible: ${workerName(chosen)} could not go at decision ${decisions.length + 1}`)
      decisions.push({ chosen, options })
      return chosen
    },
    missing: missingStep,
  }
}
