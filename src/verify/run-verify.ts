import { performance } from 'node:perf_hooks'
import { DEFAULTS } from '../config.js'
import { InterruptedError, UsageError } from '../errors.js'
import { maskUrl } from '../redact.js'
import type { RunResult } from '../run-result.js'
import { expectationIn, runScenario } from '../run-scenario.js'
import { callScenarioCode } from '../scenario/code-fault.js'
import { resolveParams } from '../scenario/params.js'
import { assertEmbeddedFits } from '../engines/connection-capacity.js'
import { startEmbeddedPostgres, type EmbeddedServer } from '../engines/embedded/embedded.js'
import { dialectOf } from '../engines/db-url.js'
import { judgeCell } from './judge-cell.js'
import { needsRedis, planCells, type CellPlan } from './plan-cells.js'
import type { Verification, VerifiedEngine, VerifyCell } from './verification.js'
import { resolveVerify, type ResolvedVerify, type VerifyOptions } from './verify-options.js'
import { engineFor } from '../engines/engine-for.js'

export type { VerifyOptions } from './verify-options.js'

/**
 * `racebench verify` as a function: every chosen scenario × strategy × isolation column on each
 * engine, each cell run `repeat` times on a fresh schema, one run after the other (never at once:
 * they would compete for the same cores), all with one seed. Answers what each strategy declares
 * against what was measured. Everything the user typed is checked before any server is touched.
 */
export async function verifyMatrix(options: VerifyOptions): Promise<Verification> {
  const started = performance.now()
  const resolved = await resolveVerify(options)
  const { config, repeat, dbs, scenarios, strategies } = resolved
  const noRedis = needsRedis(scenarios, strategies) ? await whyNoRedis(config.redis, config.timeoutMs) : undefined
  const plans = dbs.map((db) => ({ db, cells: planCells(scenarios, strategies, dialectOf(db), noRedis) }))
  const total = plans.reduce((sum, plan) => sum + plan.cells.filter((cell) => !cell.skip).length, 0)
  if (total === 0) {
    const reasons = [...new Set(plans.flatMap((plan) => plan.cells.map((cell) => `${cell.strategy} ${cell.skip}`)))]
    throw new UsageError(`nothing to verify: no chosen strategy can run here (${reasons.join('; ')})`)
  }

  const engines: VerifiedEngine[] = []
  const cells: VerifyCell[] = []
  const counter = { done: 0, total }
  try {
    for (const { db, cells: plan } of plans) {
      options.progress?.engine?.(db === undefined ? 'an embedded PostgreSQL' : maskUrl(db), plan.filter((cell) => !cell.skip).length, repeat, config.seed)
      const verified = await verifyEngine(engines.length, db, plan, resolved, options, counter)
      engines.push(verified.engine)
      cells.push(...verified.cells)
    }
  } finally {
    options.progress?.end?.()
  }
  const iterations = 'iterations' in config.stop ? config.stop.iterations : DEFAULTS.verifyIterations
  return {
    engines,
    repeat,
    seed: config.seed,
    workers: config.workers,
    iterations,
    thinkMs: config.thinkMs,
    cells,
    mismatches: cells.filter((cell) => cell.verdict === 'unexpected').length,
    durationMs: Math.round(performance.now() - started),
  }
}

/**
 * Strategies needing Redis run when the default Redis answers, else they are skipped. A --redis that
 * cannot be reached is the target's fault (exit 3), found now rather than minutes later at its first cell.
 */
async function whyNoRedis(redis: string | undefined, timeoutMs: number): Promise<string | undefined> {
  const { openRedis, redisAnswers } = await import('../engines/redis/redis.js')
  if (redis !== undefined) {
    await (await openRedis(redis, 'racebench_probe', { timeoutMs, log: () => {}, warn: () => {} })).close()
    return undefined
  }
  if (await redisAnswers(DEFAULTS.redis, timeoutMs)) return undefined
  return `needs Redis and none answered at ${DEFAULTS.redis} (give one with --redis)`
}

/** One engine's cells, in plan order; an embedded server is started for them and stopped after. */
async function verifyEngine(
  index: number,
  db: string | undefined,
  plan: readonly CellPlan[],
  resolved: ResolvedVerify,
  options: VerifyOptions,
  counter: { done: number; readonly total: number },
): Promise<{ engine: VerifiedEngine; cells: VerifyCell[] }> {
  const runnable = plan.filter((cell) => !cell.skip)
  const embedded = db === undefined && runnable.length > 0 ? await startEmbedded(resolved, options) : undefined
  const measured = new Map<CellPlan, VerifyCell>()
  let first: RunResult | undefined
  let defaultIsolation: string | undefined
  try {
    for (const cell of runnable) {
      const position = { index: ++counter.done, total: counter.total }
      const cellStarted = performance.now()
      const results: RunResult[] = []
      for (let run = 1; run <= resolved.repeat; run++) {
        if (options.signal?.aborted) throw new InterruptedError()
        options.progress?.run?.({ scenario: cell.loaded.scenario.name, strategy: cell.strategy, column: cell.column }, run, position)
        results.push(await runScenario(runOptions(db, cell, resolved, options, embedded)))
      }
      const head = results[0]!
      first ??= head
      if (cell.column === 'default') defaultIsolation ??= head.isolation
      const verified: VerifyCell = {
        engine: index,
        scenario: head.scenario,
        strategy: cell.strategy,
        column: cell.column,
        isolation: head.isolation,
        server: head.db.server,
        dialect: head.db.dialect,
        // What the runs report: they know the server's default level and whether statements autocommit.
        declared: head.expect,
        ...judgeCell(head.expect, results),
        durationMs: Math.round(performance.now() - cellStarted),
      }
      measured.set(cell, verified)
      options.progress?.cell?.(verified, position)
    }
  } finally {
    await embedded?.stop()
  }
  const dialect = dialectOf(db)
  const engine: VerifiedEngine = {
    server: first?.db.server ?? (db === undefined ? 'embedded PostgreSQL' : 'not reached'),
    url: first?.db.url ?? (db === undefined ? 'embedded' : maskUrl(db)),
    dialect,
    embedded: db === undefined,
    defaultIsolation: defaultIsolation ?? 'unknown',
  }
  return { engine, cells: plan.map((cell) => measured.get(cell) ?? skippedCell(cell, index, engine)) }
}

/** What every run of a cell is given: the matrix's settings, fixed, and the cell's level. */
function runOptions(db: string | undefined, cell: CellPlan, resolved: ResolvedVerify, options: VerifyOptions, embedded: EmbeddedServer | undefined) {
  const { config } = resolved
  return {
    scenario: cell.loaded.ref,
    strategy: cell.strategy,
    db,
    redis: config.redis,
    lockTtl: `${config.lockTtlMs}ms`,
    workers: config.workers,
    iterations: 'iterations' in config.stop ? config.stop.iterations : DEFAULTS.verifyIterations,
    // Times in ms with their unit: a bare --timeout number means seconds.
    think: `${config.thinkMs}ms`,
    timeout: `${config.timeoutMs}ms`,
    maxRetries: config.maxRetries,
    seed: config.seed,
    isolation: cell.isolation,
    show: 0,
    embedded,
    signal: options.signal,
    events: options.events,
    log: options.log,
    warn: options.warn,
  }
}

/**
 * One embedded PostgreSQL for every cell: each run still gets a fresh schema. Sized for the largest
 * run (workers and the readers of the scenario that has most).
 */
async function startEmbedded(resolved: ResolvedVerify, options: VerifyOptions): Promise<EmbeddedServer> {
  const readers = Math.max(
    0,
    ...resolved.scenarios.map(({ scenario, origin }) => {
      const params = resolveParams(scenario, undefined, origin)
      const count = callScenarioCode(`readers.count() in ${origin}`, () => scenario.readers?.count(params) ?? 0)
      return Number.isInteger(count) ? count : 0
    }),
  )
  const connections = resolved.config.workers + readers
  assertEmbeddedFits(connections + 1)
  options.events?.emit('phase', 'starting an embedded PostgreSQL')
  return startEmbeddedPostgres({ workers: connections, log: options.log ?? (() => {}) })
}

/** A cell that did not run, with what the strategy would declare there. */
function skippedCell(cell: CellPlan, index: number, engine: VerifiedEngine): VerifyCell {
  const strategy = cell.loaded.scenario.strategies[cell.strategy]!
  const fallback = engine.dialect === 'mysql' ? 'repeatable-read' : 'read-committed'
  const engineDefault = engine.defaultIsolation === 'unknown' ? fallback : engine.defaultIsolation.replace(/ /g, '-')
  const isolation = (strategy.isolation ?? cell.isolation ?? engineDefault) as NonNullable<CellPlan['isolation']>
  const oneTransaction = strategy.ownsTransaction === true || cell.isolation !== undefined
  const site = `strategy '${cell.strategy}' expect() in ${cell.loaded.origin}`
  return {
    engine: index,
    scenario: cell.loaded.scenario.name,
    strategy: cell.strategy,
    column: cell.column,
    isolation: isolation.replace(/-/g, ' '),
    server: engine.server,
    dialect: engine.dialect,
    declared: expectationIn(strategy, site, { dialect: engine.dialect, engine: engineFor(engine.dialect), nodes: 1, faults: [], isolation, oneTransaction }),
    runs: 0,
    violated: 0,
    untested: 0,
    outcomes: { ok: 0, rejected: 0, conflict: 0, error: 0, unknown: 0 },
    verdict: 'skipped',
    reason: cell.skip!,
    durationMs: 0,
  }
}
