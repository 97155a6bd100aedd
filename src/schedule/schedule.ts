import { UsageError } from '../errors.js'
import { WORKER_NAMES } from './step-gate.js'

/** One step of a schedule: worker `worker` (0 for `a`) runs its `step`-th step (1-based). */
export interface ScheduledStep {
  readonly worker: number
  readonly step: number
  /** As the user wrote it: `a1`. */
  readonly label: string
}

const TOKEN = /^([a-z]+)(\d+)$/

/**
 * Parses `--schedule "a1 b1 a2 b2"` (spaces or commas between steps): each step is a worker's letter
 * and the number of that worker's step. Checks all it can without a database: every worker is `a` or
 * `b`, no step is named twice, each worker's steps are numbered 1, 2, 3… with none missing and in
 * order, and both workers have steps. Whether a worker really takes that many steps is known only
 * as it runs (a rejected check ends early): the run says so if not. One line, exit 2, on any problem.
 */
export function parseSchedule(text: string): ScheduledStep[] {
  const tokens = text.split(/[\s,]+/).filter(Boolean)
  if (tokens.length === 0) throw new UsageError(`--schedule is empty: name each step as a worker and a number, e.g. --schedule "a1 b1 a2 b2"`)
  const steps: ScheduledStep[] = []
  const next = WORKER_NAMES.map(() => 1)
  for (const token of tokens) {
    const match = TOKEN.exec(token.toLowerCase())
    if (!match) throw new UsageError(`--schedule: '${token}' is not a step: write a worker (a or b) and the step's number, e.g. a1 b1 a2 b2`)
    const [, name = '', number = ''] = match
    const worker = (WORKER_NAMES as readonly string[]).indexOf(name)
    if (worker === -1) throw new UsageError(`--schedule: unknown worker '${name}' in ${token}: the workers are ${WORKER_NAMES.join(' and ')}`)
    const step = Number(number)
    const label = `${name}${step}`
    if (steps.some((s) => s.label === label)) throw new UsageError(`--schedule: ${label} appears twice: each step runs once`)
    const expected = next[worker]!
    if (step === 0) throw new UsageError(`--schedule: ${label} is not a step: steps are numbered from 1`)
    if (step > expected) throw new UsageError(`--schedule: ${name}${expected} is missing: ${label} comes before it`)
    next[worker] = expected + 1
    steps.push({ worker, step, label })
  }
  const idle = WORKER_NAMES.find((_, worker) => next[worker] === 1)
  if (idle) throw new UsageError(`--schedule: worker ${idle} has no steps: each worker runs one operation, at least ${idle}1`)
  return steps
}

/** `a1 b1 a2 b2`: an order of steps as text. */
export function scheduleText(steps: readonly Pick<ScheduledStep, 'label'>[]): string {
  return steps.map((step) => step.label).join(' ')
}
