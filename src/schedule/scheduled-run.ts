import { randomInt } from 'node:crypto'
import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'
import type { RunConfig } from '../config.js'
import { InterruptedError, messageOf } from '../errors.js'
import { checkInvariants, type InvariantResult } from '../check/check-invariants.js'
import type { ErrorClass, Outcome } from '../history/outcome.js'
import { HistoryStream } from '../history/stream.js'
import { Totals } from '../history/totals.js'
import type { Trace } from '../history/trace.js'
import { prepareTarget } from '../run-scenario.js'
import { checkedOutcome, completion, createWorkerContext } from '../runner/worker-context.js'
import { outcomeOfError } from '../runner/outcome-of-error.js'
import { GRACE_MS, settleWithin, stallBoundMs, Watchdog } from '../runner/watchdog.js'
import { scenarioThrew, stopsTheRun } from '../scenario/code-fault.js'
import type { LoadedScenario } from '../scenario/load-scenario.js'
import type { Params, Strategy } from '../scenario/define-scenario.js'
import type { RedisTarget } from '../engines/redis/redis.js'
import type { Session } from '../engines/session.js'
import type { Target } from '../engines/target.js'
import { driveSchedule, type Chooser, type ScheduleLine, type WorkerOutcome } from './drive.js'
import { explainTrace } from './explain-trace.js'
import { dropTables } from './fresh-data.js'
import { sessionIdOf } from './lock-waits.js'
import { OperationRecorder } from './operation-recorder.js'
import { ScheduleGate, WORKER_NAMES } from './step-gate.js'

export type { WorkerOutcome } from './drive.js'

/** One scheduled run: the order its steps went in, how each operation ended, and the invariants. */
export interface ScheduledResult {
  readonly order: readonly string[]
  readonly outcomes: readonly WorkerOutcome[]
  readonly invariants: readonly InvariantResult[]
  readonly violations: number
  /** Both operations step by step, as a load run's `traces` items: what `explain` draws as a swimlane. */
  readonly trace: Trace
}

export interface ScheduledRunInput {
  readonly loaded: LoadedScenario
  readonly strategyName: string
  readonly strategy: Strategy<Params, unknown>
  readonly params: Params
  readonly config: RunConfig
  readonly schema: { readonly path: string; readonly sql: string }
  readonly redis: RedisTarget | undefined
  /** The key both workers work on. */
  readonly key: unknown
  readonly showKey: (key: never) => string
  readonly signal: AbortSignal | undefined
  /** How long a released step that neither answers nor waits is watched before the schedule goes on. */
  readonly windowMs: number
}

/**
 * Two workers, `a` and `b`, each with a connection of its own, and a probe connection, in one target:
 * runs schedule after schedule there, each on fresh data (every table dropped and the schema script and
 * the strategy's `prepare` run again), one operation per worker on the same key, the steps released in
 * the order a chooser picks; then checks the invariants. Each worker gets exactly the StrategyContext
 * of a load run, with a gate before every step point. Closing it closes its connections, not the target.
 */
export class ScheduleBench {
  readonly #input: ScheduledRunInput
  readonly #target: Target
  readonly #sessions: Session[]
  readonly #probe: Session
  readonly #sessionIds: readonly number[]
  #runs = 0
  #broken = false

  private constructor(input: ScheduledRunInput, target: Target, sessions: Session[], probe: Session, sessionIds: readonly number[]) {
    this.#input = input
    this.#target = target
    this.#sessions = sessions
    this.#probe = probe
    this.#sessionIds = sessionIds
  }

  static async open(input: ScheduledRunInput, target: Target): Promise<ScheduleBench> {
    const opened: Session[] = []
    try {
      for (let i = 0; i <= WORKER_NAMES.length; i++) opened.push(await target.connect())
      const sessions = opened.slice(0, WORKER_NAMES.length)
      const sessionIds = await Promise.all(sessions.map((session) => sessionIdOf(session)))
      return new ScheduleBench(input, target, sessions, opened[WORKER_NAMES.length]!, sessionIds)
    } catch (error) {
      await Promise.all(opened.map((session) => session.close()))
      throw error
    }
  }

  /** One schedule on fresh data. After a schedule that could not go on, the bench is closed. */
  async run(chooser: Chooser, onLine: (line: ScheduleLine) => void): Promise<ScheduledResult> {
    if (this.#broken) throw new Error('this bench was abandoned by a schedule that could not go on')
    const { loaded, strategy, strategyName, params, config } = this.#input
    const target = this.#target
    const probe = this.#probe
    const watchdog = new Watchdog({ stallMs: stallBoundMs(config, target.dialect), signal: this.#input.signal, interrupted: () => new InterruptedError() })
    const redisClients: Redis[] = []
    try {
      if (this.#runs++ > 0) await dropTables(target.admin)
      await prepareTarget(target, watchdog, { schema: this.#input.schema, strategy, strategyName, origin: loaded.origin, params }, probe)
      const redis = this.#input.redis
      if (redis) for (let i = 0; i < WORKER_NAMES.length; i++) redisClients.push(await redis.connect())
      // The lines are kept too: the trace's title says where a step waited.
      const lines: ScheduleLine[] = []
      const keep = (line: ScheduleLine) => {
        lines.push(line)
        onLine(line)
      }
      const { order, outcomes, totals, operations } = await this.#drive(chooser, keep, watchdog, redisClients)
      const seen = totals.history()
      const counts = { ...totals.outcomes }
      const showKey = this.#input.showKey as never
      const invariants = await checkInvariants(loaded.scenario, { dialect: target.dialect, engine: target.engine, db: probe, params, outcomes: counts, history: seen }, { watchdog, origin: loaded.origin, showKey })
      const trace = explainTrace({ key: this.#input.showKey(this.#input.key as never), operations, invariants, lines, outcomes })
      return { order, outcomes, invariants, violations: invariants.filter((invariant) => !invariant.held).length, trace }
    } finally {
      watchdog.dispose()
      for (const client of redisClients) client.disconnect()
    }
  }

  async close(): Promise<void> {
    await Promise.all([...this.#sessions, this.#probe].map((session) => settleWithin(session.close(), GRACE_MS)))
  }

  async #drive(chooser: Chooser, onLine: (line: ScheduleLine) => void, watchdog: Watchdog, redisClients: readonly Redis[]) {
    const { loaded, strategy, strategyName, params, config } = this.#input
    const target = this.#target
    const sessions = this.#sessions
    const gate = new ScheduleGate(sessions.length)
    const totals = new Totals()
    const recorder = new OperationRecorder()
    const history = new HistoryStream([totals, gate, recorder])
    history.startClock()
    const runId = randomInt(1, 2 ** 31 - 1)
    const outcomes: WorkerOutcome[] = []
    const key = this.#input.showKey(this.#input.key as never)
    const site = `strategy '${strategyName}' run() in ${loaded.origin}`

    const work = async (worker: number, session: Session): Promise<void> => {
      const watch = watchdog.watch()
      const workerInput = { strategy, params, config, target, redis: this.#input.redis, runId, history }
      const { ctx, operation } = createWorkerContext(workerInput, worker, { session, redisClient: redisClients[worker] }, watch, gate.forWorker(worker))
      ctx.key = this.#input.key
      const started = performance.now()
      history.append({ t: history.micros(started), type: 'invoke', worker, iteration: 0, key, keyValue: this.#input.key, attempt: 0 })
      let end: ReturnType<typeof outcomeOfError> | { readonly outcome: Outcome }
      try {
        end = { outcome: checkedOutcome(site, await watch.run(site, operation)) }
      } catch (error) {
        if (stopsTheRun(error)) throw scenarioThrew(site, error)
        end = outcomeOfError(error)
      }
      const event = completion(history, started, performance.now(), worker, 0, key, end)
      history.append(event)
      const { type, errorClass, code, message } = event as { type: Outcome; errorClass?: ErrorClass; code?: string; message?: string }
      outcomes[worker] = { worker: WORKER_NAMES[worker]!, outcome: type, ...(errorClass ? { errorClass } : {}), ...(code ? { code } : {}), ...(message ? { message } : {}) }
      gate.finish(worker)
    }

    // A worker whose code failed (or Ctrl-C) stops the schedule at once, not after it is found stuck.
    let failure: unknown
    let stop: (error: unknown) => void = () => {}
    const stopped = new Promise<never>((_, reject) => (stop = reject))
    stopped.catch(() => {})
    const signal = this.#input.signal
    const onAbort = () => stop(new InterruptedError())
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()
    // Handled from the start: a worker refused by an aborted gate must not reject unhandled meanwhile.
    const workers = sessions.map((session, worker) =>
      work(worker, session).catch((error: unknown) => {
        failure ??= error
        stop(error)
      }),
    )
    const withOutcome = (line: ScheduleLine) => onLine(line.kind === 'end' && outcomes[line.worker] ? { ...line, outcome: outcomes[line.worker]! } : line)
    try {
      const stuckMs = stallBoundMs(config, target.dialect)
      const order = await Promise.race([driveSchedule({ gate, chooser, probe: this.#probe, sessionIds: this.#sessionIds, stuckMs, windowMs: this.#input.windowMs, onLine: withOutcome }), stopped])
      await Promise.all(workers)
      if (failure !== undefined) throw failure
      return { order, outcomes, totals, operations: recorder.operations() }
    } catch (caught) {
      const error = failure ?? caught
      // Refuse every step still to come, end the workers' transactions (closing rolls back and frees
      // their locks), and answer with what stopped the schedule.
      this.#broken = true
      gate.abort(error instanceof Error ? error : new Error(messageOf(error)))
      await this.close()
      await Promise.all(workers.map((w) => settleWithin(w, watchdog.graceMs)))
      throw error
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }
}
