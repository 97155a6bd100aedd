import { performance } from 'node:perf_hooks'
import type { RunConfig } from '../config.js'
import type { Totals } from '../history/totals.js'
import { millis, type HistoryStream } from '../history/stream.js'
import type { ShowKey } from '../history/keys.js'
import type { ErrorClass, Outcome } from '../history/outcome.js'
import { Conflict, type Params, type Scenario, type Strategy, type StrategyContext } from '../scenario/define-scenario.js'
import { backoff, withRetry } from '../strategy/retry.js'
import { sleep } from '../strategy/sleep.js'
import { inTransaction } from '../strategy/transaction.js'
import { classifyError } from '../target/classify.js'
import type { Session } from '../target/session.js'
import type { Target } from '../target/target.js'
import type { RedisTarget } from '../target/redis.js'
import type { Redis } from 'ioredis'
import type { RunEmitter, Tick } from './events.js'
import { errorCodeOf, outcomeOfError, type ErrorOutcome } from './outcome-of-error.js'
import { TracedSession, type CurrentOperation } from './traced-session.js'
import { traceRedis } from './traced-redis.js'
import { redact } from '../redact.js'
import { openAll } from './open-all.js'
import { assertOpenFilesAllow } from '../target/connection-capacity.js'
import { createRng } from './rng.js'
import { settleWithin, type Watch, type Watchdog } from './watchdog.js'
import { messageOf, RacebenchError, ScenarioCodeError, TargetError } from '../errors.js'
import { callScenarioCode, scenarioThrew, shown, stopsTheRun } from '../scenario/code-fault.js'

/** Backoff bounds for `ctx.retry`: a few ms, like a web handler retrying a 409. */
const RETRY_BASE_MS = 2
const RETRY_CAP_MS = 200
const TICK_MS = 1_000
/** What a strategy's run() may return; 'error' and 'unknown' come only from what it throws. */
const STRATEGY_OUTCOMES: ReadonlySet<unknown> = new Set(['ok', 'rejected', 'conflict'])

export interface WorkersInput {
  readonly scenario: Scenario<Params, unknown>
  /** Where the scenario comes from (its file, or `the built-in scenario x`), for messages about its code. */
  readonly origin: string
  readonly strategyName: string
  readonly strategy: Strategy<Params, unknown>
  readonly params: Params
  readonly config: RunConfig
  readonly target: Target
  /** Set when the strategy requires Redis. */
  readonly redis: RedisTarget | undefined
  readonly runId: number
  /** Where every event of the run goes (totals, per-key rings, the history file). */
  readonly history: HistoryStream
  /** The history's totals, read for the progress line. */
  readonly totals: Totals
  /** How the scenario shows a key, for `invoke` events. */
  readonly showKey: ShowKey
  readonly events: RunEmitter
  readonly signal: AbortSignal | undefined
  /** Bounds every operation and read by time, and stops the workers on a signal or a failure. */
  readonly watchdog: Watchdog
  readonly warn: (line: string) => void
}

/**
 * Runs the workload: opens one connection per worker, then releases every worker at once (the start
 * barrier: nobody starts before everybody is connected, so the first operations really collide),
 * and returns when they have all stopped. Returns the wall-clock time of the workload alone, and how
 * long opening the connections took before it. Scenario code that fails the run (a call that never
 * settles, a bug) stops every worker, and the failure is thrown once they have all stopped.
 */
export async function runWorkers(input: WorkersInput): Promise<{ durationMs: number; connectMs: number }> {
  const { config, target, totals, events } = input
  const readerCount = readerCountOf(input)
  // Every connection is a file descriptor: a run past `ulimit -n` says so before opening any.
  assertOpenFilesAllow(config.workers + readerCount + (input.redis ? config.workers : 0))
  const connectStartedAt = performance.now()
  const opening = { signal: input.signal }
  const sessions = await openAll(config.workers + readerCount, () => target.connect(), (session) => session.close(), opening)
  const readerSessions = sessions.splice(config.workers)
  const redis = input.redis
  const redisClients = await (redis ? openAll(config.workers, () => redis.connect(), (client) => client.disconnect(), opening) : Promise.resolve([])).catch(async (error: unknown) => {
    await Promise.all([...sessions, ...readerSessions].map((session) => session.close()))
    // e.g. Redis's maxclients reached mid-way: the server's refusal, not a racebench bug.
    if (error instanceof RacebenchError) throw error
    throw new TargetError(`could not open ${config.workers} connections to ${redis?.server} at ${redis?.url}: ${messageOf(error)}`, { cause: error })
  })
  const startedAt = performance.now()
  input.history.startClock()
  const tick = (): Tick => ({
    elapsedMs: performance.now() - startedAt,
    completed: totals.completed,
    outcomes: { ...totals.outcomes },
    retries: totals.retries,
  })
  const ticker = setInterval(() => events.emit('tick', tick()), TICK_MS)
  ticker.unref()
  try {
    events.emit('start', { workers: config.workers })
    const deadline = 'durationMs' in config.stop ? startedAt + config.stop.durationMs : Number.POSITIVE_INFINITY
    let writing = true
    const failed = (error: unknown) => input.watchdog.fail(error instanceof Error ? error : new Error(String(error)))
    const workers = Promise.all(sessions.map((session, worker) => work(input, worker, session, redisClients[worker], deadline).catch(failed))).finally(() => {
      writing = false
    })
    const readers = Promise.all(readerSessions.map((session, reader) => read(input, reader, session, () => writing).catch(failed)))
    await Promise.all([workers, readers])
    if (input.watchdog.fault) throw input.watchdog.fault
  } finally {
    clearInterval(ticker)
    for (const client of redisClients) client.disconnect()
  }
  const durationMs = performance.now() - startedAt
  events.emit('done', tick())
  return { durationMs, connectMs: startedAt - connectStartedAt }
}

/** One worker: one connection, its own seeded key and jitter streams, one operation at a time. */
async function work(input: WorkersInput, worker: number, session: Session, redisClient: Redis | undefined, deadline: number): Promise<void> {
  const { scenario, params, config, history, watchdog, showKey } = input
  const watch = watchdog.watch()
  const keys = createRng(config.seed, worker * 2)
  const iterations = 'iterations' in config.stop ? config.stop.iterations : Number.POSITIVE_INFINITY
  const { ctx, operation, traced, startOperation } = createWorkerContext(input, worker, session, redisClient, watch)

  const site = `strategy '${input.strategyName}' run() in ${input.origin}`
  try {
    for (let i = 0; i < iterations && performance.now() < deadline && !watchdog.stopped; i++) {
      startOperation(i)
      try {
        ctx.key = scenario.pickKey(keys, params)
      } catch (error) {
        throw scenarioThrew(`pickKey() in ${input.origin}`, error)
      }
      const key = showKey(ctx.key)
      const started = performance.now()
      history.append({ t: history.micros(started), type: 'invoke', worker, iteration: i, key, keyValue: ctx.key, attempt: 0 })
      let end: ErrorOutcome | { readonly outcome: Outcome }
      try {
        end = { outcome: checkedOutcome(site, await watch.run(site, operation)) }
      } catch (error) {
        // A bug or a call that never settled stops the run; what the database answered is an outcome.
        if (stopsTheRun(error)) throw scenarioThrew(site, error)
        end = outcomeOfError(error)
        if (classifyError(error) === 'connection') {
          const replaced = await reconnect(input, ctx.db, worker)
          if (!replaced) {
            history.append(completion(history, started, worker, i, key, end))
            return
          }
          ctx.db = traced(replaced)
        }
      }
      history.append(completion(history, started, worker, i, key, end))
    }
  } finally {
    // Closing also ends the transaction of an abandoned call, releasing the locks it held.
    await settleWithin(ctx.db.close(), watchdog.graceMs)
  }
}

/**
 * Wraps the step points of a worker's context: a scheduled run (racebench explain) makes each one wait
 * for its turn. Each wrapper goes outermost, so the history times a statement from when it is released.
 */
export interface StepGate {
  session(db: Session): Session
  redis(client: Redis): Redis
  think(pause: () => Promise<void>): () => Promise<void>
}

/** A worker's StrategyContext and the means to move it from one operation to the next. */
export interface WorkerContext {
  readonly ctx: { -readonly [F in keyof StrategyContext<Params, unknown>]: StrategyContext<Params, unknown>[F] }
  /** Whose operation the connection's steps belong to: updated by `startOperation`. */
  readonly current: CurrentOperation
  /** One operation of the strategy: wrapped in a transaction at --isolation unless it opens its own. */
  readonly operation: () => Promise<unknown>
  /** The session as the strategy gets it (traced, watched, gated), for a replacement connection. */
  readonly traced: (raw: Session) => Session
  /** Stamps the context and every later step with operation `iteration`, attempt 0. */
  startOperation(iteration: number): void
}

/**
 * Builds one worker's StrategyContext: its traced session, Redis client, think, retry, lock
 * statistics and notes, all appending to the history. Load runs and scheduled runs get the same one;
 * a scheduled run passes a `gate` (load runs pass none, and pay nothing for it).
 */
export function createWorkerContext(
  input: Pick<WorkersInput, 'strategy' | 'params' | 'config' | 'target' | 'redis' | 'runId' | 'history'>,
  worker: number,
  session: Session,
  redisClient: Redis | undefined,
  watch: Watch,
  gate?: StepGate,
): WorkerContext {
  const { strategy, params, config, history } = input
  const jitter = createRng(config.seed, worker * 2 + 1)
  // The runner wraps whole operations in a transaction only for strategies that do not open their own.
  const wrapIn = strategy.ownsTransaction ? undefined : config.isolation
  const level = strategy.isolation ?? config.isolation
  // Every statement, command and pause is stamped with the operation running: updated in place.
  const current: CurrentOperation = { worker, iteration: 0 }
  let attempt = 0
  const retryPolicy = {
    maxRetries: config.maxRetries,
    // In a scheduled run a retry's next step waits for its turn anyway: backing off only costs time.
    baseMs: gate ? 0 : RETRY_BASE_MS,
    capMs: RETRY_CAP_MS,
    rng: jitter,
    onRetry: (error: unknown) => {
      watch.touch()
      attempt++
      history.append({ t: history.micros(), type: 'retry', worker, iteration: current.iteration, attempt, ...causeOf(error) })
    },
  }
  const traced = gate
    ? (raw: Session) => gate.session(watch.wrap(new TracedSession(raw, history, current)))
    : (raw: Session) => watch.wrap(new TracedSession(raw, history, current))
  const redis = input.redis
  const pause = config.thinkMs > 0 ? () => {
    history.append({ t: history.micros(), type: 'think', worker, iteration: current.iteration, ms: config.thinkMs })
    return watch.pause(sleep(config.thinkMs))
  } : () => Promise.resolve()
  // With no pause there is nothing to schedule: think is a step point only when --think is set.
  const think = gate && config.thinkMs > 0 ? gate.think(pause) : pause
  const redisTraced = redis && redisClient ? traceRedis(redisClient, history, current, input.target.namespace) : undefined

  // One context per worker, updated in place: the hot path allocates no per-operation closures.
  const ctx: WorkerContext['ctx'] = {
    dialect: input.target.dialect,
    db: traced(session),
    key: undefined,
    params,
    worker,
    iteration: 0,
    runId: input.runId,
    timeoutMs: config.timeoutMs,
    redis: redis && redisTraced ? { client: gate ? gate.redis(redisTraced) : redisTraced, key: redis.key, lockTtlMs: config.lockTtlMs } : undefined,
    think,
    transaction: (fn) => inTransaction(ctx.db, level, fn),
    retry: (fn) => withRetry(fn, retryPolicy),
    backoff: (attempt) => watch.pause(backoff(retryPolicy, attempt)),
    lockWait: async (acquire) => {
      const started = performance.now()
      history.append({ t: history.micros(started), type: 'lock', worker, iteration: current.iteration, phase: 'wait' })
      const settled = (phase: 'acquired' | 'not-acquired') => {
        const now = performance.now()
        history.append({ t: history.micros(now), type: 'lock', worker, iteration: current.iteration, phase, ms: millis(started, now) })
      }
      try {
        const result = await acquire()
        settled('acquired')
        return result
      } catch (error) {
        settled('not-acquired')
        throw error
      }
    },
    lockLost: () => history.append({ t: history.micros(), type: 'lock', worker, iteration: current.iteration, phase: 'lost' }),
    lockReleased: () => history.append({ t: history.micros(), type: 'lock', worker, iteration: current.iteration, phase: 'released' }),
    note: (name, detail) => history.append({ t: history.micros(), type: 'note', worker, iteration: current.iteration, name, detail }),
  }
  const operation = wrapIn ? () => inTransaction(ctx.db, wrapIn, () => strategy.run(ctx)) : () => strategy.run(ctx)
  return {
    ctx,
    current,
    operation,
    traced,
    startOperation: (iteration) => {
      ctx.iteration = iteration
      current.iteration = iteration
      attempt = 0
    },
  }
}

/** The event that ends an operation begun at `started`. */
export function completion(history: HistoryStream, started: number, worker: number, iteration: number, key: string, end: ErrorOutcome | { readonly outcome: Outcome }) {
  const now = performance.now()
  return { t: history.micros(now), type: end.outcome, worker, iteration, key, ms: millis(started, now), ...('message' in end ? withoutOutcome(end) : {}) }
}

function withoutOutcome({ errorClass, code, message }: ErrorOutcome): Pick<ErrorOutcome, 'errorClass' | 'code' | 'message'> {
  return { ...(errorClass ? { errorClass } : {}), ...(code ? { code } : {}), message }
}

/** What a retry event says of the error that caused it: its class and code (none for a strategy's own Conflict). */
function causeOf(error: unknown): { errorClass?: ErrorClass; code?: string; message: string } {
  const message = redact(messageOf(error))
  if (error instanceof Conflict) return { message }
  const code = errorCodeOf(error)
  return { errorClass: classifyError(error), ...(code ? { code } : {}), message }
}

/** What a strategy's run() returned, if it is an outcome; otherwise the scenario's code is wrong. */
export function checkedOutcome(site: string, value: unknown): Outcome {
  if (STRATEGY_OUTCOMES.has(value)) return value as Outcome
  throw new ScenarioCodeError(`${site} returned ${shown(value)}; an operation must return 'ok', 'rejected' or 'conflict' (or throw)`)
}

/** How many readers the scenario asks for: its `readers.count(params)`, checked. */
function readerCountOf({ scenario, params, origin }: WorkersInput): number {
  const readers = scenario.readers
  if (!readers) return 0
  const site = `readers.count() in ${origin}`
  const count = callScenarioCode(site, () => readers.count(params))
  if (!Number.isInteger(count) || count < 0) throw new ScenarioCodeError(`${site} returned ${shown(count)}; it must return a whole number of readers (0 for none)`)
  return count
}

/** One reader: reads over and over on its own connection while the workers write. */
async function read(input: WorkersInput, reader: number, session: Session, writing: () => boolean): Promise<void> {
  const { scenario, params, config, history, watchdog } = input
  const readers = scenario.readers
  if (!readers) return
  const watch = watchdog.watch()
  const current: CurrentOperation = { reader, iteration: 0 }
  const ctx = {
    dialect: input.target.dialect,
    db: watch.wrap(new TracedSession(session, history, current)),
    params,
    reader,
    iteration: 0,
    // Streams past every worker's, so adding readers never changes the keys workers draw.
    rng: createRng(config.seed, 1_000_000 + reader),
    note: (name: string, detail: string) => history.append({ t: history.micros(), type: 'note', reader, iteration: current.iteration, name, detail }),
  }
  const site = `readers.read() in ${input.origin}`
  const readOnce = () => readers.read(ctx)
  try {
    for (let i = 0; writing() && !watchdog.stopped; i++) {
      ctx.iteration = i
      current.iteration = i
      const started = performance.now()
      try {
        await watch.run(site, readOnce)
        history.append({ t: history.micros(), type: 'read', reader, iteration: i, ok: true, ms: millis(started, performance.now()) })
      } catch (error) {
        if (stopsTheRun(error)) throw scenarioThrew(site, error)
        history.append({ t: history.micros(), type: 'read', reader, iteration: i, ok: false, ms: millis(started, performance.now()), message: redact(messageOf(error)) })
        if (classifyError(error) === 'connection') return
      }
    }
  } finally {
    await settleWithin(session.close(), watchdog.graceMs)
  }
}

/** A worker whose connection broke gets one new one; if that fails too, the worker stops. */
async function reconnect(input: WorkersInput, broken: Session, worker: number): Promise<Session | undefined> {
  await broken.close()
  try {
    return await input.target.connect()
  } catch (error) {
    input.warn(`worker ${worker} stopped early: its connection broke and could not be reopened (${messageOf(error)})`)
    return undefined
  }
}
