import { describeWork, resolveConfig, type RunConfig, type RunFlags } from './config.js'
import { openHistoryFile, type HistoryFile } from './history/history-file.js'
import { historyHeader } from './history/history-header.js'
import { checkInvariants } from './check/check-invariants.js'
import { InterruptedError, messageOf, ScenarioCodeError, TargetError } from './errors.js'
import { OUTCOMES } from './history/outcome.js'
import { Totals } from './history/totals.js'
import { KeyRings } from './history/key-rings.js'
import { HistoryStream } from './history/stream.js'
import { TimeSeriesSink } from './history/time-series.js'
import { showKeyOf } from './history/keys.js'
import { mergeHistograms, summarizeLatency } from './metrics/latency.js'
import { redact } from './redact.js'
import type { RunResult } from './run-result.js'
import { createRunEmitter, type RunEmitter } from './runner/events.js'
import { runWorkers } from './runner/run-workers.js'
import { stallBoundMs, Watchdog } from './runner/watchdog.js'
import type { Session } from './engines/session.js'
import type { Target } from './engines/target.js'
import { planNemesis, type Nemesis } from './nemesis/run-nemesis.js'
import { callScenarioCode, scenarioCallFailed, shown } from './scenario/code-fault.js'
import { whyNothingWasTested } from './check/nothing-tested.js'
import { onOwnConnection, onOwnSecond } from './own-connection.js'
import { lockStats, nodeResults, round } from './result-parts.js'
import { assertEngineHas, openRedisNodes, openSecond, recoverAfterRun } from './run-services.js'
import type { Expectation, Params, Scenario, Strategy, StrategyEnvironment } from './scenario/define-scenario.js'
import { expectationOf } from './scenario/expectations.js'
import { resolveRun, warnOnStderr, type ResolvedRun } from './scenario/resolve-run.js'
import { closeNodes, openNodes } from './engines/open-nodes.js'
import { NodeTotals } from './history/node-totals.js'
import { namespaceFor } from './engines/namespace.js'
import type { EmbeddedServer } from './engines/embedded/embedded.js'
import { randomInt } from 'node:crypto'

export interface RunScenarioOptions extends RunFlags {
  /** A built-in name, a path to a scenario file, or a scenario object. */
  readonly scenario: string | Scenario<any, any>
  /** Defaults to the scenario's first strategy (`none` for the built-ins). */
  readonly strategy?: string | undefined
  /** `['rooms=3']` as on the command line, or `{ rooms: 3 }`. */
  readonly params?: Readonly<Record<string, string | number>> | readonly string[] | undefined
  /** Abort to stop the workers early; the run then cleans up and rejects with InterruptedError. */
  readonly signal?: AbortSignal | undefined
  /** Listen here for progress (phase, start, tick, done). */
  readonly events?: RunEmitter | undefined
  /** Diagnostic lines (the CLI prints them under --debug). */
  readonly log?: ((line: string) => void) | undefined
  /** What the user must hear even without --debug (default: stderr), e.g. a schema left behind. */
  readonly warn?: ((line: string) => void) | undefined
  /** Without `db`: an embedded PostgreSQL to run in (its owner stops it) instead of starting one. */
  readonly embedded?: EmbeddedServer | undefined
}

/**
 * Runs one scenario with one strategy against a real database and checks its invariants: the
 * whole pipeline of design.md. Returns exactly what `racebench run --json` prints.
 *
 * Everything the user typed is validated before any server is started or touched.
 */
export async function runScenario(options: RunScenarioOptions): Promise<RunResult> {
  const config = resolveConfig(options)
  const { loaded, strategyName, strategy, params, schema, schema2 } = await resolveRun(options, config)
  // Checked with everything else the user typed, before any server is started or touched.
  const nemesis = planNemesis(config.nemesis, config.seed, { usesRedis: strategy.requires?.includes('redis') === true, strategy: strategyName })
  const events = options.events ?? createRunEmitter()
  const log = options.log ?? (() => {})
  const warn = options.warn ?? warnOnStderr

  // Opened before any server is started or touched: a path that cannot be written is a usage error.
  const historyFile = config.history === undefined ? undefined : openHistoryFile(config.history)
  let result: RunResult
  try {
    result = await runOpened(options, { config, loaded, strategyName, strategy, params, schema, schema2, events, log, warn, historyFile, nemesis })
  } finally {
    historyFile?.close()
  }
  // A history asked for and not written whole is lost output (exit 6), as a result that cannot be printed is.
  if (historyFile?.failure) throw historyFile.failure
  return result
}

interface Resolved extends Pick<ResolvedRun, 'loaded' | 'strategyName' | 'strategy' | 'params' | 'schema' | 'schema2'> {
  readonly config: RunConfig
  readonly events: RunEmitter
  readonly log: (line: string) => void
  readonly warn: (line: string) => void
  readonly historyFile: HistoryFile | undefined
  readonly nemesis: Nemesis | undefined
}

/** The run proper, once everything the user typed is valid and the history file (if any) is open. */
async function runOpened(options: RunScenarioOptions, resolved: Resolved): Promise<RunResult> {
  const { config, loaded, strategyName, strategy, params, schema, schema2, events, log, warn, historyFile, nemesis } = resolved
  const { scenario } = loaded
  if (config.db === undefined && config.keep) warn('--keep has no effect on the embedded server, which is removed at exit; pass --db to keep the schema')
  const namespace = namespaceFor(scenario.name)
  // Redis first: a missing one is a usage error, found before any database server is started.
  // ioredis is loaded only by runs that use it: it takes a tenth of a second to load (cold start).
  const redisNodes = strategy.requires?.includes('redis') ? await openRedisNodes(config.redises, namespace, { timeoutMs: config.timeoutMs, log, warn }) : []
  const redis = redisNodes[0]
  // The broker, for strategies that publish events; amqplib is loaded only by runs that use it.
  const broker = strategy.requires?.includes('rabbitmq')
    ? await (await import('./engines/rabbitmq/rabbitmq.js')).openBroker(config.rabbitmq, namespace, { timeoutMs: config.timeoutMs, log, warn }).catch(async (error: unknown) => {
        await Promise.all(redisNodes.map((node) => node.close()))
        throw error
      })
    : undefined
  events.emit('phase', config.db === undefined && !options.embedded ? 'starting an embedded PostgreSQL' : 'connecting')
  // Readers need connections too: the embedded server is sized for them, and a given server must fit them.
  const readers = callScenarioCode(`readers.count() in ${loaded.origin}`, () => scenario.readers?.count(params) ?? 0)
  const route = nemesis?.proxied ? nemesis.route : undefined
  const targetOptions = { namespace, timeoutMs: config.timeoutMs, keep: config.keep, workers: config.workers, readers: Number.isInteger(readers) ? readers : 0, log, warn, ...(route ? { route } : {}) }
  const nodes = await openNodes(config.dbs, targetOptions, options.embedded).catch(async (error: unknown) => {
    await Promise.all([...redisNodes.map((node) => node.close()), broker?.close()])
    await nemesis?.close()
    throw error
  })
  const target = nodes[0]!
  // Another service's database, for scenarios that span two: on --db2, or beside the first.
  const second = await openSecond(scenario, config, target, { ...targetOptions, readers: 0 }).catch(async (error: unknown) => {
    await Promise.all([closeNodes(nodes), ...redisNodes.map((node) => node.close()), broker?.close()])
    await nemesis?.close()
    throw error
  })
  // Every call into scenario code from here on is bounded by time, and a signal stops them all.
  const watchdog = new Watchdog({ stallMs: stallBoundMs(config, target.dialect), signal: options.signal, interrupted: () => new InterruptedError() })
  try {
    assertEngineHas(strategy, strategyName, target)
    events.emit('phase', `preparing schema ${target.namespace}`)
    await prepareTarget(target, watchdog, { schema, strategy, strategyName, origin: loaded.origin, params }, undefined, second && schema2 ? { target: second, schema: schema2 } : undefined)
    // The other nodes of a cluster get the schema by replication: wait until each has it.
    await Promise.all(nodes.slice(1).map((node) => node.awaitNamespace()))

    const totals = new Totals()
    const rings = new KeyRings()
    const series = new TimeSeriesSink(config.intervalMs)
    const nodeTotals = nodes.length > 1 ? new NodeTotals(nodes.length) : undefined
    const sinks = [totals, rings, series, ...(nodeTotals ? [nodeTotals] : []), ...(historyFile ? [historyFile] : [])]
    const history = new HistoryStream(sinks)
    const showKey = showKeyOf(scenario)
    const isolation = strategy.isolation ?? config.isolation ?? target.defaultIsolation
    // Without --isolation a strategy that opens no transaction runs autocommit statements: on a server
    // defaulting to REPEATABLE READ, `none` still loses updates, and its expectation must know that.
    const oneTransaction = strategy.ownsTransaction === true || config.isolation !== undefined
    const expected = expectationIn(strategy, `strategy '${strategyName}' expect() in ${loaded.origin}`, { dialect: target.dialect, engine: target.engine, nodes: nodes.length, faults: nemesis?.kinds ?? [], isolation, oneTransaction })
    historyFile?.start(
      historyHeader({
        scenario: scenario.name,
        origin: loaded.origin.startsWith('the built-in scenario ') ? 'built-in' : loaded.origin,
        strategy: strategyName,
        expect: expected,
        params,
        seed: config.seed,
        workers: config.workers,
        iterations: 'iterations' in config.stop ? config.stop.iterations : null,
        durationLimitMs: 'durationMs' in config.stop ? config.stop.durationMs : null,
        thinkMs: config.thinkMs,
        isolation: isolation.replace(/-/g, ' '),
        db: { dialect: target.dialect, server: target.server, embedded: target.embedded },
        startedAt: new Date().toISOString(),
      }),
    )
    // Named in full: off a terminal, this is the one line the CLI prints for the run.
    events.emit('phase', `running ${scenario.name} (${strategyName}) with ${describeWork(config.workers, config.stop)} on ${target.server}${target.embedded ? ' (embedded)' : ''}`)
    const { durationMs, connectMs, stoppedWorkers } = await runWorkers({
      scenario,
      origin: loaded.origin,
      strategyName,
      strategy,
      params,
      config,
      target,
      nodes,
      second,
      broker: broker?.context,
      faults: nemesis?.faults,
      during: nemesis && { start: () => nemesis.start({ nodes, redis, history }), stop: () => nemesis.stop() },
      redis,
      redisNodes: redisNodes.slice(1),
      runId: randomInt(1, 2 ** 31 - 1),
      history,
      totals,
      series,
      showKey,
      events,
      signal: options.signal,
      watchdog,
      warn,
    })
    if (options.signal?.aborted) throw new InterruptedError()

    if (strategy.recover) {
      events.emit('phase', 'recovering')
      await recoverAfterRun(strategy, { target, second, broker: broker?.context, watchdog, site: `strategy '${strategyName}' recover() in ${loaded.origin}`, params })
    }
    // What the consumer would have received: every message of the run's queue, after recovery relayed its share.
    const delivered = broker ? await broker.drain() : undefined
    events.emit('phase', 'checking invariants')
    const seen = totals.history()
    const outcomes = { ...totals.outcomes }
    const calls = { watchdog, origin: loaded.origin, showKey }
    const invariants = await onOwnConnection(target, watchdog, async (db) => {
      // On a cluster, the first node must first apply what the others committed.
      await target.readCommittedEverywhere(db)
      const shared = { dialect: target.dialect, engine: target.engine, db, params, outcomes, history: seen, ...(delivered ? { delivered } : {}) }
      return onOwnSecond(second, watchdog, (db2) => checkInvariants(scenario, db2 ? { ...shared, db2 } : shared, calls))
    })
    const completed = totals.completed
    const violations = invariants.filter((invariant) => !invariant.held).length
    historyFile?.finish({ type: 'end', outcomes, retries: totals.retries, durationMs: round(durationMs, 1), invariants, violations })
    return {
      scenario: scenario.name,
      strategy: strategyName,
      expect: expected,
      isolation: isolation.replace(/-/g, ' '),
      db: {
        dialect: target.dialect,
        server: target.server,
        url: target.url,
        embedded: target.embedded,
        schema: target.namespace,
        kept: config.keep && !target.embedded,
        ...(target.cluster ? { cluster: target.cluster } : {}),
      },
      nodes: nodeResults(nodes, config.workers, nodeTotals, outcomes, stoppedWorkers),
      workers: config.workers,
      iterations: 'iterations' in config.stop ? config.stop.iterations : null,
      durationLimitMs: 'durationMs' in config.stop ? config.stop.durationMs : null,
      thinkMs: config.thinkMs,
      seed: config.seed,
      params,
      outcomes,
      retries: totals.retries,
      errorsByClass: { ...totals.errorsByClass },
      errorSamples: totals.errorSamples.map((message) => redact(message)),
      durationMs: round(durationMs, 1),
      connectMs: round(connectMs, 1),
      opsPerSec: round(durationMs > 0 ? (completed * 1_000) / durationMs : 0, 1),
      latencyMs: summarizeLatency(mergeHistograms(OUTCOMES.map((outcome) => totals.latency[outcome]))),
      latencyMsByOutcome: Object.fromEntries(OUTCOMES.map((outcome) => [outcome, summarizeLatency(totals.latency[outcome])])) as RunResult['latencyMsByOutcome'],
      locks: lockStats(totals),
      reads: seen.reads,
      readErrors: seen.readErrors,
      observations: seen.observations,
      faults: [...totals.faults].map(([fault, counts]) => ({ fault, ...counts })),
      redis: redis ? { server: redis.server, url: redis.url, ...(redisNodes.length > 1 ? { nodes: redisNodes.length } : {}) } : null,
      ...(broker ? { rabbitmq: { server: broker.server, url: broker.url } } : {}),
      invariants,
      violations,
      traces: rings.traces(invariants, config.show),
      series: series.series(Math.round(durationMs * 1_000)),
      nothingTested: whyNothingWasTested(outcomes) !== undefined,
    }
  } finally {
    watchdog.dispose()
    events.emit('phase', 'cleaning up')
    await Promise.all([closeNodes(nodes), second?.close(), ...redisNodes.map((node) => node.close()), broker?.close()])
    await nemesis?.close()
  }
}

/**
 * Fills the run's namespace: the scenario's schema script (and its second database's), then the
 * strategy's `prepare` on a connection of its own. A failing script is the target's fault (exit 3), a
 * failing prepare the scenario's.
 */
export async function prepareTarget(
  target: Target,
  watchdog: Watchdog,
  run: { readonly schema: { readonly path: string; readonly sql: string }; readonly strategy: Strategy<Params, unknown>; readonly strategyName: string; readonly origin: string; readonly params: Params },
  /** Where `prepare` runs, when the caller has a connection for it; by default one of its own. */
  on?: Session,
  /** The scenario's second database and its schema script; `prepare` gets its connection as `db2`. */
  secondDatabase?: { readonly target: Target; readonly schema: { readonly path: string; readonly sql: string } },
): Promise<void> {
  const { schema, strategy, strategyName, origin, params } = run
  const second = secondDatabase?.target
  const scripts = [{ target, schema }, ...(secondDatabase ? [secondDatabase] : [])]
  for (const script of scripts) {
    await script.target.runScript(script.schema.sql).catch((error: unknown) => {
      throw new TargetError(`the schema script ${script.schema.path} failed on ${script.target.server}: ${messageOf(error)}`, { cause: error })
    })
  }
  const prepare = strategy.prepare
  if (!prepare) return
  const site = `strategy '${strategyName}' prepare() in ${origin}`
  const call = (own: Session) =>
    onOwnSecond(second, watchdog, (db2) => watchdog.call(site, own, (db) => prepare({ dialect: target.dialect, engine: target.engine, db, ...(db2 ? { db2 } : {}), params })))
  await (on ? call(on) : onOwnConnection(target, watchdog, call)).catch(scenarioCallFailed(site, target.server))
}


/** A strategy's expectation where it ran; an `expect` function that throws or answers nonsense is the scenario's fault. */
export function expectationIn(strategy: Strategy<Params, unknown>, site: string, env: StrategyEnvironment): Expectation {
  const expected = callScenarioCode(site, () => expectationOf(strategy, env))
  if (expected !== 'safe' && expected !== 'unsafe') throw new ScenarioCodeError(`${site} returned ${shown(expected)}; it must return 'safe' or 'unsafe'`)
  return expected
}







