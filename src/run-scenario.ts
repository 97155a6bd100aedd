import { resolveConfig, type RunFlags } from './config.js'
import { checkInvariants } from './check/check-invariants.js'
import { InterruptedError, messageOf, TargetError } from './errors.js'
import { OUTCOMES } from './history/outcome.js'
import { Recorder } from './history/recorder.js'
import { mergeHistograms, summarizeLatency } from './metrics/latency.js'
import { redact } from './redact.js'
import type { RunResult } from './run-result.js'
import { createRunEmitter, type RunEmitter } from './runner/events.js'
import { runWorkers } from './runner/run-workers.js'
import { expectationOf, type Scenario } from './scenario/define-scenario.js'
import { loadScenario } from './scenario/load-scenario.js'
import { resolveParams } from './scenario/params.js'
import { readSchema } from './scenario/read-schema.js'
import { assertSupported, pickStrategy } from './scenario/pick-strategy.js'
import { dialectOf, openTarget } from './target/open-target.js'
import { namespaceFor } from './target/namespace.js'
import { openRedis } from './target/redis.js'
import type { EmbeddedServer } from './target/embedded.js'
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
  const loaded = await loadScenario(options.scenario)
  const { scenario } = loaded
  const { name: strategyName, strategy } = pickStrategy(scenario, options.strategy)
  const params = resolveParams(scenario, options.params)
  const dialect = dialectOf(config.db)
  assertSupported(scenario, strategyName, dialect)
  const schema = await readSchema(loaded, dialect, params)
  const events = options.events ?? createRunEmitter()
  const log = options.log ?? (() => {})
  const warn = options.warn ?? ((line: string) => process.stderr.write(`racebench: warning: ${line}\n`))

  if (config.db === undefined && config.keep) warn('--keep has no effect on the embedded server, which is removed at exit; pass --db to keep the schema')
  const namespace = namespaceFor(scenario.name)
  // Redis first: a missing one is a usage error, found before any database server is started.
  const redis = strategy.requires?.includes('redis') ? await openRedis(config.redis, namespace, { timeoutMs: config.timeoutMs, log, warn }) : undefined
  events.emit('phase', config.db === undefined && !options.embedded ? 'starting an embedded PostgreSQL' : 'connecting')
  const targetOptions = { namespace, timeoutMs: config.timeoutMs, keep: config.keep, workers: config.workers, log, warn }
  const target = await openTarget(config.db, targetOptions, options.embedded).catch(async (error: unknown) => {
    await redis?.close()
    throw error
  })
  try {
    events.emit('phase', `preparing schema ${target.namespace}`)
    await target.runScript(schema.sql).catch((error: unknown) => {
      throw new TargetError(`the schema script ${schema.path} failed on ${target.server}: ${messageOf(error)}`, { cause: error })
    })
    await strategy.prepare?.({ dialect: target.dialect, db: target.admin, params })

    const recorder = new Recorder()
    events.emit('phase', 'running')
    const { durationMs } = await runWorkers({
      scenario,
      strategy,
      params,
      config,
      target,
      redis,
      runId: randomInt(1, 2 ** 31 - 1),
      recorder,
      events,
      signal: options.signal,
      warn,
    })
    if (options.signal?.aborted) throw new InterruptedError()

    events.emit('phase', 'checking invariants')
    const history = recorder.history()
    const invariants = await checkInvariants(scenario, { dialect: target.dialect, db: target.admin, params, outcomes: { ...recorder.outcomes }, history })
    const completed = recorder.completed
    const isolation = strategy.isolation ?? config.isolation ?? target.defaultIsolation
    // Without --isolation a strategy that opens no transaction runs autocommit statements: on a server
    // defaulting to REPEATABLE READ, `none` still loses updates, and its expectation must know that.
    const oneTransaction = strategy.ownsTransaction === true || config.isolation !== undefined
    const expected = expectationOf(strategy, { dialect: target.dialect, isolation, oneTransaction })
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
      },
      workers: config.workers,
      iterations: 'iterations' in config.stop ? config.stop.iterations : null,
      durationLimitMs: 'durationMs' in config.stop ? config.stop.durationMs : null,
      thinkMs: config.thinkMs,
      seed: config.seed,
      params,
      outcomes: { ...recorder.outcomes },
      retries: recorder.retries,
      errorsByClass: { ...recorder.errorsByClass },
      errorSamples: recorder.errorSamples.map((message) => redact(message)),
      durationMs: round(durationMs, 1),
      opsPerSec: round(durationMs > 0 ? (completed * 1_000) / durationMs : 0, 1),
      latencyMs: summarizeLatency(mergeHistograms(OUTCOMES.map((outcome) => recorder.latency[outcome]))),
      latencyMsByOutcome: Object.fromEntries(OUTCOMES.map((outcome) => [outcome, summarizeLatency(recorder.latency[outcome])])) as RunResult['latencyMsByOutcome'],
      locks: lockStats(recorder),
      reads: history.reads,
      readErrors: history.readErrors,
      observations: history.observations,
      redis: redis ? { server: redis.server, url: redis.url } : null,
      invariants,
      violations: invariants.filter((invariant) => !invariant.held).length,
    }
  } finally {
    events.emit('phase', 'cleaning up')
    await Promise.all([target.close(), redis?.close()])
  }
}

/** What the strategy's locks cost, or null when it took none. */
function lockStats(recorder: Recorder): RunResult['locks'] {
  const attempts = recorder.lockWait.totalCount
  if (attempts === 0) return null
  return {
    acquired: attempts - recorder.locksNotAcquired,
    notAcquired: recorder.locksNotAcquired,
    lost: recorder.locksLost,
    waitMs: summarizeLatency(recorder.lockWait),
  }
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits
  return Math.round(value * factor) / factor
}
