import { performance } from 'node:perf_hooks'
import type { RunConfig } from '../config.js'
import type { Totals } from '../history/totals.js'
import type { TimeSeriesSink } from '../history/time-series.js'
import { millis, type HistoryStream } from '../history/stream.js'
import type { ShowKey } from '../history/keys.js'
import type { Outcome } from '../history/outcome.js'
import type { BrokerContext, Params, Scenario, Strategy } from '../scenario/define-scenario.js'
import { isCrash } from '../scenario/strategy-signals.js'
import type { WorkerFaults } from './worker-faults.js'
import { nodeOf } from '../engines/node-spread.js'
import { classifyError } from '../engines/classify.js'
import type { Session } from '../engines/session.js'
import type { Target } from '../engines/target.js'
import type { RedisTarget } from '../engines/redis/redis.js'
import type { RunEmitter, Tick } from './events.js'
import { outcomeOfError, type ErrorOutcome } from './outcome-of-error.js'
import { checkedOutcome, completion, createWorkerContext, type WorkerConnections, type WorkerContext } from './worker-context.js'
import { TracedSession, type CurrentOperation } from './traced-session.js'
import { redact } from '../redact.js'
import { openAll } from './open-all.js'
import { assertOpenFilesAllow } from '../engines/connection-capacity.js'
import { createRng } from './rng.js'
import { settleWithin, type Watch, type Watchdog } from './watchdog.js'
import { messageOf, RacebenchError, ScenarioCodeError, TargetError } from '../errors.js'
import { callScenarioCode, scenarioThrew, shown, stopsTheRun } from '../scenario/code-fault.js'


/** How an operation that returned ended: one frozen object per outcome, not one per operation. */
const ENDED: Readonly<Record<Outcome, { readonly outcome: Outcome }>> = Object.freeze({
  ok: Object.freeze({ outcome: 'ok' }),
  rejected: Object.freeze({ outcome: 'rejected' }),
  conflict: Object.freeze({ outcome: 'conflict' }),
  error: Object.freeze({ outcome: 'error' }),
  unknown: Object.freeze({ outcome: 'unknown' }),
})

export interface WorkersInput {
  readonly scenario: Scenario<Params, unknown>
  /** Where the scenario comes from (its file, or `the built-in scenario x`), for messages about its code. */
  readonly origin: string
  readonly strategyName: string
  readonly strategy: Strategy<Params, unknown>
  readonly params: Params
  readonly config: RunConfig
  /** The first `--db` node: setup, readers and invariants run here. */
  readonly target: Target
  /** Every `--db` node, the first included: worker i's connection is on node i mod their number. */
  readonly nodes: readonly Target[]
  /** Set when the strategy requires Redis: the first `--redis` node. */
  readonly redis: RedisTarget | undefined
  /** The other `--redis` nodes (Redlock's independent ones), past the first; empty with one. */
  readonly redisNodes?: readonly RedisTarget[] | undefined
  /** The scenario's second database (`secondDatabase`): each worker gets a connection to it too. */
  readonly second?: Target | undefined
  /** The run's broker, for strategies that require RabbitMQ. */
  readonly broker?: BrokerContext | undefined
  /** Faults the nemesis aims at workers (`pause-worker`, `crash-saga`); absent without them. */
  readonly faults?: WorkerFaults | undefined
  /** Told when the workload starts (after the start barrier) and ends (before connections close): the nemesis. */
  readonly during?: { start(): void; stop(): Promise<void> } | undefined
  readonly runId: number
  /** Where every event of the run goes (totals, per-key rings, the history file). */
  readonly history: HistoryStream
  /** The history's totals, read for the progress line. */
  readonly totals: Totals
  /** The history's time series: the progress line shows its last closed interval, once per interval. */
  readonly series: TimeSeriesSink
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
export async function runWorkers(input: WorkersInput): Promise<{ durationMs: number; connectMs: number; stoppedWorkers: readonly number[] }> {
  const { config, target, totals, events, nodes } = input
  const readerCount = readerCountOf(input)
  // Every connection is a file descriptor: a run past `ulimit -n` says so before opening any.
  const otherRedis = input.redisNodes ?? []
  assertOpenFilesAllow(config.workers + readerCount + (input.redis ? config.workers * (1 + otherRedis.length) : 0))
  const connectStartedAt = performance.now()
  const opening = { signal: input.signal }
  const sessions = await openAll(config.workers + readerCount, (i) => (i < config.workers ? nodes[nodeOf(i, nodes.length)]! : target).connect(), (session) => session.close(), opening)
  const readerSessions = sessions.splice(config.workers)
  const second = input.second
  const secondSessions = await (second ? openAll(config.workers, () => second.connect(), (session) => session.close(), opening) : Promise.resolve([])).catch(async (error: unknown) => {
    await Promise.all([...sessions, ...readerSessions].map((session) => session.close()))
    throw error
  })
  const redis = input.redis
  const redisClients = await (redis ? openAll(config.workers, () => redis.connect(), (client) => client.disconnect(), opening) : Promise.resolve([])).catch(async (error: unknown) => {
    await Promise.all([...sessions, ...readerSessions, ...secondSessions].map((session) => session.close()))
    // e.g. Redis's maxclients reached mid-way: the server's refusal, not a racebench bug.
    if (error instanceof RacebenchError) throw error
    throw new TargetError(`could not open ${config.workers} connections to ${redis?.server} at ${redis?.url}: ${messageOf(error)}`, { cause: error })
  })
  const stoppedWorkers: number[] = []
  // Each worker's own connection to every other Redis node: a quorum lock releases on the connections it acquired on.
  const redisNodeClients = await Promise.all(otherRedis.map((node) => openAll(config.workers, () => node.connect(), (client) => client.disconnect(), opening))).catch(async (error: unknown) => {
    await Promise.all([...sessions, ...readerSessions, ...secondSessions].map((session) => session.close()))
    for (const client of redisClients) client.disconnect()
    if (error instanceof RacebenchError) throw error
    throw new TargetError(`could not open ${config.workers} connections to each Redis node: ${messageOf(error)}`, { cause: error })
  })
  const startedAt = performance.now()
  input.history.startClock()
  const tick = (): Tick => ({
    elapsedMs: performance.now() - startedAt,
    completed: totals.completed,
    outcomes: { ...totals.outcomes },
    retries: totals.retries,
    interval: input.series.lastClosed(),
    ...('durationMs' in config.stop ? { plannedMs: config.stop.durationMs } : { planned: config.stop.iterations * config.workers }),
  })
  const ticker = setInterval(() => events.emit('tick', tick()), config.intervalMs)
  ticker.unref()
  try {
    events.emit('start', { workers: config.workers })
    input.during?.start()
    const deadline = 'durationMs' in config.stop ? startedAt + config.stop.durationMs : Number.POSITIVE_INFINITY
    let writing = true
    const failed = (error: unknown) => input.watchdog.fail(error instanceof Error ? error : new Error(String(error)))
    const workers = Promise.all(sessions.map((session, worker) => work(input, worker, { session, redisClient: redisClients[worker], redisNodeClients: otherRedis.length > 0 ? redisNodeClients.map((clients) => clients[worker]!) : undefined, session2: secondSessions[worker] }, deadline, stoppedWorkers).catch(failed))).finally(() => {
      writing = false
    })
    const readers = Promise.all(readerSessions.map((session, reader) => read(input, reader, session, () => writing).catch(failed)))
    await Promise.all([workers, readers]).finally(() => input.during?.stop())
    if (input.watchdog.fault) throw input.watchdog.fault
  } finally {
    clearInterval(ticker)
    for (const client of [...redisClients, ...redisNodeClients.flat()]) client.disconnect()
  }
  const durationMs = performance.now() - startedAt
  events.emit('done', tick())
  return { durationMs, connectMs: startedAt - connectStartedAt, stoppedWorkers }
}

/**
 * One worker: one connection, its own seeded key and jitter streams, one operation at a time. The
 * watchdog watches its loop as a whole (`Watch.loop`): no promise of its own per operation. If it
 * abandons the loop (an operation that never settles, or the grace after a stop ran out), the worker
 * ends here at once, and its loop, should the call ever wake up, stops without recording anything more.
 */
async function work(input: WorkersInput, worker: number, connections: WorkerConnections, deadline: number, stoppedWorkers: number[]): Promise<void> {
  const watch = input.watchdog.watch()
  const context = createWorkerContext(input, worker, connections, watch)
  const site = `strategy '${input.strategyName}' run() in ${input.origin}`
  const abandoned = watch.loop(site)
  try {
    await Promise.race([operate(input, worker, context, watch, site, deadline, stoppedWorkers), abandoned])
  } finally {
    watch.end()
    // Closing also ends the transaction of an abandoned call, releasing the locks it held.
    const { ctx } = context
    await Promise.all([settleWithin(ctx.db.close(), input.watchdog.graceMs), ctx.db2 && settleWithin(ctx.db2.close(), input.watchdog.graceMs)])
  }
}

/** A worker's operations, until its iterations or the run's time are up, or the run stops. */
async function operate(input: WorkersInput, worker: number, context: WorkerContext, watch: Watch, site: string, deadline: number, stoppedWorkers: number[]): Promise<void> {
  const { scenario, params, config, history, watchdog, showKey } = input
  const { ctx, operation, traced, startOperation, current } = context
  // Only a run over several nodes names the node on its invokes: a single server's events stay as they were.
  const node = input.nodes.length > 1 ? nodeOf(worker, input.nodes.length) : undefined
  const keys = createRng(config.seed, worker * 2)
  const iterations = 'iterations' in config.stop ? config.stop.iterations : Number.POSITIVE_INFINITY
  // The clock as the last operation ended: read once per operation for both its end and the deadline.
  let now = performance.now()
  for (let i = 0; i < iterations && now < deadline && !watchdog.stopped; i++) {
    startOperation(i)
    try {
      ctx.key = scenario.pickKey(keys, params)
    } catch (error) {
      throw scenarioThrew(`pickKey() in ${input.origin}`, error)
    }
    const key = showKey(ctx.key)
    // An operation whose statements no consumer keeps (the rings' keys that can keep no more, with no
    // history file) sends them unrecorded; its invoke, completion and every other event are as always.
    current.untraced = !history.wantsSteps(ctx.key)
    const started = performance.now()
    if (node === undefined) history.append({ t: history.micros(started), type: 'invoke', worker, iteration: i, key, keyValue: ctx.key, attempt: 0 })
    else history.append({ t: history.micros(started), type: 'invoke', worker, iteration: i, key, keyValue: ctx.key, attempt: 0, node })
    let end: ErrorOutcome | { readonly outcome: Outcome }
    watch.touch()
    try {
      const answer = await operation()
      // Abandoned meanwhile: the run has moved on without this worker, and its history may be closed.
      if (watch.abandoned) return
      end = ENDED[checkedOutcome(site, answer)]
    } catch (error) {
      if (watch.abandoned) return
      // A bug stops the run; what the database answered is an outcome.
      if (stopsTheRun(error)) throw scenarioThrew(site, error)
      const failed = outcomeOfError(error)
      // A connection lost after part of the operation committed (a saga's first step, an idempotency
      // key's claim) leaves it unknown, whichever statement it broke on.
      end = failed.outcome === 'error' && failed.errorClass === 'connection' && current.landed ? { ...failed, outcome: 'unknown' } : failed
      // Classified once, in outcomeOfError: its class decides whether the connection is gone. A
      // crashed process's connections are gone too: closing them rolls back what it left open.
      if ((failed.errorClass === 'connection' || isCrash(error)) && !(await watch.aside(() => replaceConnections(input, ctx, traced, worker)))) {
        history.append(completion(history, started, performance.now(), worker, i, key, end))
        stoppedWorkers.push(worker)
        return
      }
    }
    now = performance.now()
    history.append(completion(history, started, now, worker, i, key, end))
  }
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
    engine: input.target.engine,
    db: new TracedSession(session, history, current, watch),
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

/**
 * A worker whose connection broke (or whose process "crashed") gets new ones: to its node, and to the
 * second database if it has one, closing the old ones first. If one cannot be opened, the worker stops:
 * false, and the user is told which.
 */
async function replaceConnections(input: WorkersInput, ctx: { db: Session; db2: Session | undefined }, traced: (raw: Session) => Session, worker: number): Promise<boolean> {
  const { nodes, second } = input
  const index = nodeOf(worker, nodes.length)
  const node = nodes[index]!
  const reopened = async (broken: Session, target: Target, where: string) => {
    await broken.close()
    try {
      return traced(await target.connect())
    } catch (error) {
      input.warn(`worker ${worker} stopped early: its connection${where} broke and could not be reopened (${messageOf(error)})`)
      return undefined
    }
  }
  if (ctx.db2 && second) {
    const db2 = await reopened(ctx.db2, second, ' to the second database')
    if (!db2) return false
    ctx.db2 = db2
  }
  const db = await reopened(ctx.db, node, nodes.length > 1 ? ` to node ${index + 1} (${node.url})` : '')
  if (!db) return false
  ctx.db = db
  return true
}
