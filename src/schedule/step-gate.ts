import type { Redis } from 'ioredis'
import type { IsolationLevel } from '../config.js'
import type { HistoryEvent, HistorySink, StepEvent } from '../history/event.js'
import { collapseSql, showParams } from '../history/step-format.js'
import type { StepGate } from '../runner/worker-context.js'
import type { QueryResult, Session } from '../engines/session.js'

/** Workers of a scheduled run are named by letter: worker 0 is `a`, worker 1 is `b`. */
export const WORKER_NAMES = ['a', 'b'] as const

/** `a`, `b`: the name of worker i. */
export function workerName(worker: number): string {
  return WORKER_NAMES[worker] ?? `w${worker}`
}

/** What a step point is about to send, as the history will show it once answered. */
export interface StepPoint {
  /** The step as known before it is sent: its statement (or command) and parameters, no answer yet. */
  readonly sent: StepEvent
  readonly kind: 'sql' | 'redis' | 'think'
  /** The step takes a lock: it is the first one sent inside `ctx.lockWait`. */
  readonly lock: boolean
}

/** Where a worker of a scheduled run is. */
export type Phase =
  /** Running its own code between steps (or not started yet): it will ask for a step or finish. */
  | 'between'
  /** Asking for its next step: it goes when released. */
  | 'requesting'
  /** Its step was released and has not been answered yet. */
  | 'running'
  /** Its operation ended. */
  | 'done'

export interface WorkerState {
  phase: Phase
  /** Steps released so far: the next one is `steps + 1`. */
  steps: number
  /** The step asked for, while requesting. */
  point: StepPoint | undefined
  /** The step released and not answered yet, while running. */
  out: StepPoint | undefined
  /** The step event the history recorded for the step out, once answered. */
  answered: StepEvent | undefined
  /** Steps answered and not yet reported by the driver, with what the history recorded (none for think). */
  finished: { readonly point: StepPoint; readonly answer: StepEvent | undefined }[]
  /** Releases a requesting step. */
  release: (() => void) | undefined
  /** The next statement sent runs inside `ctx.lockWait`. */
  inLockWait: boolean
}

/**
 * The gate of a scheduled run: every step point of every worker (a statement, a Redis command, a
 * `think`) asks here for its turn and waits until the driver releases it. It also reads the run's
 * history, to hand the driver each step's answer as the history recorded it.
 */
export class ScheduleGate implements HistorySink {
  readonly workers: WorkerState[]
  #waiters: (() => void)[] = []
  #aborted: Error | undefined

  constructor(workers: number) {
    this.workers = Array.from({ length: workers }, () => ({ phase: 'between' as Phase, steps: 0, point: undefined, out: undefined, answered: undefined, finished: [], release: undefined, inLockWait: false }))
  }

  /** The wrappers the runner puts around worker `worker`'s step points. */
  forWorker(worker: number): StepGate {
    const step = <T>(point: StepPoint, run: () => Promise<T>) => this.#step(worker, point, run)
    return {
      session: (db) => new GatedSession(db, step),
      redis: (client) => gateRedis(client, step),
      think: (pause) => () => step({ sent: { t: 0, type: 'step', iteration: 0, ms: 0 }, kind: 'think', lock: false }, pause),
    }
  }

  /** Resolves at the next change of any worker's state, or after `ms`. */
  changed(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.#waiters.push(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  /** Lets worker `worker`'s requested step go. */
  release(worker: number): void {
    const state = this.workers[worker]!
    const release = state.release
    if (state.phase !== 'requesting' || !release) throw new Error(`worker ${workerName(worker)} has no step to release`)
    state.phase = 'running'
    state.steps++
    state.out = state.point
    state.point = undefined
    state.release = undefined
    release()
  }

  /** The worker's operation ended. */
  finish(worker: number): void {
    this.#set(worker, 'done')
  }

  /** Refuses every step from now on (the run is being abandoned): waiting steps reject with `error`. */
  abort(error: Error): void {
    this.#aborted = error
    for (const state of this.workers) {
      const release = state.release
      state.release = undefined
      release?.()
    }
  }

  append(event: HistoryEvent): void {
    if (event.worker === undefined) return
    const state = this.workers[event.worker]
    if (!state) return
    if (event.type === 'step') state.answered = event
    else if (event.type === 'lock' && event.phase === 'wait') state.inLockWait = true
  }

  async #step<T>(worker: number, point: StepPoint, run: () => Promise<T>): Promise<T> {
    if (this.#aborted) throw this.#aborted
    const state = this.workers[worker]!
    const lock = state.inLockWait
    state.inLockWait = false
    await new Promise<void>((resolve) => {
      state.point = lock ? { ...point, lock } : point
      state.answered = undefined
      state.release = resolve
      this.#set(worker, 'requesting')
    })
    if (this.#aborted) throw this.#aborted
    try {
      return await run()
    } finally {
      state.finished.push({ point: state.out ?? point, answer: state.answered })
      state.out = undefined
      state.answered = undefined
      this.#set(worker, 'between')
    }
  }

  #set(worker: number, phase: Phase): void {
    this.workers[worker]!.phase = phase
    const waiters = this.#waiters
    this.#waiters = []
    for (const wake of waiters) wake()
  }
}

type Step = <T>(point: StepPoint, run: () => Promise<T>) => Promise<T>

/** A worker's session whose every statement (BEGIN, COMMIT and ROLLBACK too) waits for its turn. */
class GatedSession implements Session {
  readonly #inner: Session
  readonly #step: Step

  constructor(inner: Session, step: Step) {
    this.#inner = inner
    this.#step = step
  }

  get dialect(): Session['dialect'] {
    return this.#inner.dialect
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const sent = pointOf(collapseSql(sql), params)
    return this.#step(sent, () => this.#inner.query<Row>(sql, params))
  }

  begin(isolation?: IsolationLevel): Promise<void> {
    const sql = isolation ? `BEGIN ISOLATION LEVEL ${isolation.replace(/-/g, ' ').toUpperCase()}` : 'BEGIN'
    return this.#step(pointOf(sql), () => this.#inner.begin(isolation))
  }

  commit(): Promise<void> {
    return this.#step(pointOf('COMMIT'), () => this.#inner.commit())
  }

  rollback(): Promise<void> {
    return this.#step(pointOf('ROLLBACK'), () => this.#inner.rollback())
  }

  close(): Promise<void> {
    return this.#inner.close()
  }
}

function pointOf(sql: string, params?: readonly unknown[]): StepPoint {
  const sent: StepEvent = { t: 0, type: 'step', iteration: 0, sql, ...(params && params.length > 0 ? { params: showParams(params) } : {}), ms: 0 }
  return { sent, kind: 'sql', lock: false }
}

/** The part of ioredis's Command the gate reads. */
interface SentCommand {
  readonly name: string
  readonly args: readonly unknown[]
}

/**
 * Makes every command the worker's Redis client sends wait for its turn. ioredis's command methods
 * return what `sendCommand` returns, so the reply comes back through the gate's promise.
 */
function gateRedis(client: Redis, step: Step): Redis {
  const send = client.sendCommand.bind(client) as (command: SentCommand, ...rest: unknown[]) => Promise<unknown>
  ;(client as unknown as { sendCommand: typeof send }).sendCommand = (command: SentCommand, ...rest: unknown[]) => {
    const text = [command.name.toUpperCase(), ...command.args.map((arg) => (Buffer.isBuffer(arg) ? `<${arg.length} bytes>` : String(arg)))].join(' ')
    return step({ sent: { t: 0, type: 'step', iteration: 0, redis: text.replace(/\s+/g, ' '), ms: 0 }, kind: 'redis', lock: false }, () => send(command, ...rest))
  }
  return client
}
