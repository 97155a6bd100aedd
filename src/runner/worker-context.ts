import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'
import { ScenarioCodeError } from '../errors.js'
import type { CompletionEvent } from '../history/event.js'
import type { Outcome } from '../history/outcome.js'
import { millis, type HistoryStream } from '../history/stream.js'
import { shown } from '../scenario/code-fault.js'
import type { LockFacts, Params, StrategyContext } from '../scenario/define-scenario.js'
import { Crash } from '../scenario/strategy-signals.js'
import { backoff, withRetry } from '../strategy/retry.js'
import { sleep } from '../strategy/sleep.js'
import { inTransaction } from '../strategy/transaction.js'
import type { Session } from '../engines/session.js'
import { outcomeOfError, type ErrorOutcome } from './outcome-of-error.js'
import { createRng } from './rng.js'
import type { WorkersInput } from './run-workers.js'
import { traceRedis } from './traced-redis.js'
import { TracedSession, type CurrentOperation } from './traced-session.js'
import type { Watch } from './watchdog.js'

/** Backoff bounds for `ctx.retry`: a few ms, like a web handler retrying a 409. */
const RETRY_BASE_MS = 2
const RETRY_CAP_MS = 200

/**
 * Wraps the step points of a worker's context: a scheduled run (racebench explain) makes each one wait
 * for its turn. Each wrapper goes outermost, so the history times a statement from when it is released.
 */
export interface StepGate {
  session(db: Session): Session
  redis(client: Redis): Redis
  think(pause: () => Promise<void>): () => Promise<void>
}

/** A worker's connections: to the database, to Redis, and to the scenario's second database. */
export interface WorkerConnections {
  readonly session: Session
  readonly redisClient?: Redis | undefined
  /** Connections to the other `--redis` nodes (Redlock's), past the first. */
  readonly redisNodeClients?: readonly Redis[] | undefined
  readonly session2?: Session | undefined
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
  input: Pick<WorkersInput, 'strategy' | 'params' | 'config' | 'target' | 'redis' | 'runId' | 'history' | 'faults' | 'broker'>,
  worker: number,
  connections: WorkerConnections,
  watch: Watch,
  gate?: StepGate,
): WorkerContext {
  const { strategy, params, config, history, faults } = input
  const { session, redisClient, session2, redisNodeClients } = connections
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
    ? (raw: Session) => gate.session(new TracedSession(raw, history, current, watch))
    : (raw: Session) => new TracedSession(raw, history, current, watch)
  const redis = input.redis
  const plainPause = config.thinkMs > 0 ? () => {
    history.append({ t: history.micros(), type: 'think', worker, iteration: current.iteration, ms: config.thinkMs })
    return watch.pause(sleep(config.thinkMs))
  } : () => Promise.resolve()
  // `pause-worker`: the think the nemesis armed stalls longer, inside whatever lock or lease is held.
  const pause = faults ? () => {
    const stall = faults.takePause()
    if (stall === undefined) return plainPause()
    const at = history.micros()
    history.append({ t: at, type: 'nemesis', fault: 'pause-worker', phase: 'start', detail: `worker ${worker} stalls ${stall} ms`, worker })
    history.append({ t: at, type: 'think', worker, iteration: current.iteration, ms: config.thinkMs + stall })
    return watch.pause(sleep(config.thinkMs + stall)).then(() => {
      history.append({ t: history.micros(), type: 'nemesis', fault: 'pause-worker', phase: 'end', detail: `worker ${worker} resumes`, worker })
    })
  } : plainPause
  const crashes = createRng(config.seed, 2_000_000 + worker)
  // With no pause there is nothing to schedule: think is a step point only when --think is set.
  const think = gate && config.thinkMs > 0 ? gate.think(pause) : pause
  const redisTraced = redis && redisClient ? traceRedis(redisClient, history, current, input.target.namespace, redisNodeClients ? 'node 1: ' : '') : undefined
  // Redlock's other nodes, traced as the first: each command is a step, named by its node.
  const gated = (client: Redis) => (gate ? gate.redis(client) : client)
  const redisNodes = redisTraced
    ? [gated(redisTraced), ...(redisNodeClients ?? []).map((client, i) => gated(traceRedis(client, history, current, input.target.namespace, `node ${i + 2}: `)))]
    : []

  // One context per worker, updated in place: the hot path allocates no per-operation closures.
  const ctx: WorkerContext['ctx'] = {
    dialect: input.target.dialect,
    engine: input.target.engine,
    db: traced(session),
    key: undefined,
    params,
    worker,
    iteration: 0,
    runId: input.runId,
    timeoutMs: config.timeoutMs,
    db2: session2 ? traced(session2) : undefined,
    broker: input.broker,
    checkpoint: async (name) => {
      if (!faults?.crashes(crashes)) return
      history.append({ t: history.micros(), type: 'nemesis', fault: 'crash-saga', phase: 'start', detail: `worker ${worker} crashed at checkpoint '${name}'`, worker })
      throw new Crash(name)
    },
    redis: redis && redisTraced ? { client: redisNodes[0]!, nodes: redisNodes, key: redis.key, lockTtlMs: config.lockTtlMs } : undefined,
    think,
    transaction: (fn) => inTransaction(ctx.db, level, fn),
    retry: (fn) => withRetry(fn, retryPolicy),
    backoff: (attempt) => watch.pause(backoff(retryPolicy, attempt)),
    lockWait: async (acquire, facts) => {
      const started = performance.now()
      history.append({ t: history.micros(started), type: 'lock', worker, iteration: current.iteration, phase: 'wait' })
      const settled = (phase: 'acquired' | 'not-acquired', about?: LockFacts) => {
        const now = performance.now()
        history.append({ t: history.micros(now), type: 'lock', worker, iteration: current.iteration, phase, ms: millis(started, now), ...about })
      }
      try {
        const result = await acquire()
        settled('acquired', facts?.(result))
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
      current.landed = false
      attempt = 0
    },
  }
}

/** The event that ends, at `now` (a performance.now() reading), an operation begun at `started`. */
export function completion(history: HistoryStream, started: number, now: number, worker: number, iteration: number, key: string, end: ErrorOutcome | { readonly outcome: Outcome }) {
  // Plain assignments, not spreads: one of these is made for every operation.
  const event: { -readonly [F in keyof CompletionEvent]: CompletionEvent[F] } = { t: history.micros(now), type: end.outcome, worker, iteration, key, ms: millis(started, now) }
  if ('message' in end) {
    if (end.errorClass) event.errorClass = end.errorClass
    if (end.code) event.code = end.code
    event.message = end.message
  }
  return event
}

/** What a retry event says of the error that caused it: its class and code (none for a strategy's own Conflict). */
function causeOf(error: unknown): Omit<ErrorOutcome, 'outcome'> {
  // Classified as the operation's end would be: the same class, code and masked message.
  const { outcome: _, ...cause } = outcomeOfError(error)
  return cause
}

/**
 * What a strategy's run() returned, if it is an outcome it may return ('error' and 'unknown' come only
 * from what it throws); otherwise the scenario's code is wrong.
 */
export function checkedOutcome(site: string, value: unknown): Outcome {
  // Compared, not looked up in a Set (a hash of the string each time): every operation comes here.
  if (value === 'ok' || value === 'rejected' || value === 'conflict') return value
  throw new ScenarioCodeError(`${site} returned ${shown(value)}; an operation must return 'ok', 'rejected' or 'conflict' (or throw)`)
}
