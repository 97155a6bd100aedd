import { performance } from 'node:perf_hooks'
import type { RunConfig } from '../config.js'
import type { Recorder } from '../history/recorder.js'
import type { Outcome } from '../history/outcome.js'
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
import { outcomeOfError } from './outcome-of-error.js'
import { createRng } from './rng.js'
import { messageOf } from '../errors.js'

/** Backoff bounds for `ctx.retry`: a few ms, like a web handler retrying a 409. */
const RETRY_BASE_MS = 2
const RETRY_CAP_MS = 200
const TICK_MS = 1_000

export interface WorkersInput {
  readonly scenario: Scenario<Params, unknown>
  readonly strategy: Strategy<Params, unknown>
  readonly params: Params
  readonly config: RunConfig
  readonly target: Target
  /** Set when the strategy requires Redis. */
  readonly redis: RedisTarget | undefined
  readonly runId: number
  readonly recorder: Recorder
  readonly events: RunEmitter
  readonly signal: AbortSignal | undefined
  readonly warn: (line: string) => void
}

/**
 * Runs the workload: opens one connection per worker, then releases every worker at once (the start
 * barrier: nobody starts before everybody is connected, so the first operations really collide),
 * and returns when they have all stopped. Returns the wall-clock time of the workload alone.
 */
export async function runWorkers(input: WorkersInput): Promise<{ durationMs: number }> {
  const { config, target, recorder, events } = input
  const readerCount = input.scenario.readers?.count(input.params) ?? 0
  const sessions = await openAll(config.workers + readerCount, () => target.connect(), (session) => session.close())
  const readerSessions = sessions.splice(config.workers)
  const redis = input.redis
  const redisClients = await (redis ? openAll(config.workers, () => redis.connect(), (client) => client.disconnect()) : Promise.resolve([])).catch(async (error: unknown) => {
    await Promise.all([...sessions, ...readerSessions].map((session) => session.close()))
    throw error
  })
  const startedAt = performance.now()
  const tick = (): Tick => ({
    elapsedMs: performance.now() - startedAt,
    completed: recorder.completed,
    outcomes: { ...recorder.outcomes },
    retries: recorder.retries,
  })
  const ticker = setInterval(() => events.emit('tick', tick()), TICK_MS)
  ticker.unref()
  try {
    events.emit('start', { workers: config.workers })
    const deadline = 'durationMs' in config.stop ? startedAt + config.stop.durationMs : Number.POSITIVE_INFINITY
    let writing = true
    const workers = Promise.all(sessions.map((session, worker) => work(input, worker, session, redisClients[worker], deadline))).finally(() => {
      writing = false
    })
    const readers = Promise.all(readerSessions.map((session, reader) => read(input, reader, session, () => writing)))
    await Promise.all([workers, readers])
  } finally {
    clearInterval(ticker)
    for (const client of redisClients) client.disconnect()
  }
  const durationMs = performance.now() - startedAt
  events.emit('done', tick())
  return { durationMs }
}

/** Opens `count` connections, all or nothing: if one fails, the ones opened are closed again. */
async function openAll<T>(count: number, open: () => Promise<T>, close: (opened: T) => unknown): Promise<T[]> {
  const attempts = await Promise.allSettled(Array.from({ length: count }, open))
  const opened = attempts.flatMap((attempt) => (attempt.status === 'fulfilled' ? [attempt.value] : []))
  const failed = attempts.find((attempt) => attempt.status === 'rejected')
  if (failed) {
    await Promise.all(opened.map(close))
    throw failed.reason
  }
  return opened
}

/** One worker: one connection, its own seeded key and jitter streams, one operation at a time. */
async function work(input: WorkersInput, worker: number, session: Session, redisClient: Redis | undefined, deadline: number): Promise<void> {
  const { scenario, strategy, params, config, recorder, signal } = input
  const keys = createRng(config.seed, worker * 2)
  const jitter = createRng(config.seed, worker * 2 + 1)
  const iterations = 'iterations' in config.stop ? config.stop.iterations : Number.POSITIVE_INFINITY
  // The runner wraps whole operations in a transaction only for strategies that do not open their own.
  const wrapIn = strategy.ownsTransaction ? undefined : config.isolation
  const level = strategy.isolation ?? config.isolation
  const retryPolicy = {
    maxRetries: config.maxRetries,
    baseMs: RETRY_BASE_MS,
    capMs: RETRY_CAP_MS,
    rng: jitter,
    onRetry: (error: unknown) => {
      recorder.retried()
      if (!(error instanceof Conflict)) recorder.sawError(classifyError(error))
    },
  }

  // One context per worker, updated in place: the hot path allocates no per-operation closures.
  const ctx: { -readonly [F in keyof StrategyContext<Params, unknown>]: StrategyContext<Params, unknown>[F] } = {
    dialect: input.target.dialect,
    db: session,
    key: undefined,
    params,
    worker,
    iteration: 0,
    runId: input.runId,
    timeoutMs: config.timeoutMs,
    redis: input.redis && redisClient ? { client: redisClient, key: input.redis.key, lockTtlMs: config.lockTtlMs } : undefined,
    think: () => sleep(config.thinkMs),
    transaction: (fn) => inTransaction(ctx.db, level, fn),
    retry: (fn) => withRetry(fn, retryPolicy),
    backoff: (attempt) => backoff(retryPolicy, attempt),
    lockWait: async (acquire) => {
      const started = performance.now()
      try {
        const result = await acquire()
        recorder.lockAcquisition(performance.now() - started, true)
        return result
      } catch (error) {
        recorder.lockAcquisition(performance.now() - started, false)
        throw error
      }
    },
    lockLost: () => recorder.lockLost(),
    note: (name, detail) => recorder.note(name, detail),
  }

  try {
    for (let i = 0; i < iterations && performance.now() < deadline && !signal?.aborted; i++) {
      ctx.iteration = i
      ctx.key = scenario.pickKey(keys, params)
      const started = performance.now()
      let outcome: Outcome
      try {
        outcome = wrapIn ? await inTransaction(ctx.db, wrapIn, () => strategy.run(ctx)) : await strategy.run(ctx)
      } catch (error) {
        outcome = outcomeOfError(error, recorder)
        if (classifyError(error) === 'connection') {
          const replaced = await reconnect(input, ctx.db, worker)
          if (!replaced) return
          ctx.db = replaced
        }
      }
      recorder.record(outcome, performance.now() - started)
    }
  } finally {
    await ctx.db.close()
  }
}

/** One reader: reads over and over on its own connection while the workers write. */
async function read(input: WorkersInput, reader: number, session: Session, writing: () => boolean): Promise<void> {
  const { scenario, params, config, recorder, signal } = input
  const readers = scenario.readers
  if (!readers) return
  const ctx = {
    dialect: input.target.dialect,
    db: session,
    params,
    reader,
    iteration: 0,
    // Streams past every worker's, so adding readers never changes the keys workers draw.
    rng: createRng(config.seed, 1_000_000 + reader),
    note: (name: string, detail: string) => recorder.note(name, detail),
  }
  try {
    for (let i = 0; writing() && !signal?.aborted; i++) {
      ctx.iteration = i
      try {
        await readers.read(ctx)
        recorder.reads++
      } catch (error) {
        recorder.readErrors++
        recorder.sampleError(`reader: ${messageOf(error)}`)
        if (classifyError(error) === 'connection') return
      }
    }
  } finally {
    await session.close()
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
