import { resolveConfig } from './config.js'
import { UsageError } from './errors.js'
import type { RunResult } from './run-result.js'
import { runScenario, type RunScenarioOptions } from './run-scenario.js'
import { loadScenario } from './scenario/load-scenario.js'
import { resolveParams } from './scenario/params.js'
import { assertSupported, pickStrategy } from './scenario/pick-strategy.js'
import { dialectOf } from './engines/db-url.js'
import { redisAnswers } from './engines/redis/redis.js'
import { startSharedEmbedded } from './shared-embedded.js'
import { DEFAULTS } from './config.js'

export interface CompareOptions extends Omit<RunScenarioOptions, 'strategy' | 'embedded'> {
  /** Strategies to run, in order; default: every strategy the engine supports. */
  readonly strategies?: readonly string[] | undefined
}

/** One strategy's line in a comparison. */
export interface ComparedStrategy {
  readonly strategy: string
  readonly result: RunResult
  /** Every invariant held. */
  readonly held: boolean
  /** `safe` strategies held every invariant; `unsafe` ones may do anything. */
  readonly asDeclared: boolean
  /** ops/s relative to the fastest strategy that held every invariant (null when none held). */
  readonly relativeThroughput: number | null
}

export interface Comparison {
  readonly scenario: string
  readonly strategies: readonly ComparedStrategy[]
  /** Strategies left out, with why (a Redis strategy when no Redis answered). */
  readonly skipped: readonly { readonly strategy: string; readonly reason: string }[]
  /** Every strategy behaved as it declares: the exit code's question. */
  readonly allAsDeclared: boolean
}

/**
 * Runs each strategy of a scenario on a fresh schema with the same seed and settings, one after
 * the other (never at once: they would compete for the same cores), and lines them up.
 */
export async function compareStrategies(options: CompareOptions): Promise<Comparison> {
  // Validate everything, and fix the seed, before the first run starts.
  const config = resolveConfig(options)
  if (config.history !== undefined) {
    throw new UsageError('--history records one run: use `racebench run <scenario> --strategy <name> --history FILE` for the strategy you want to see')
  }
  const { scenario, origin } = await loadScenario(options.scenario, { signal: options.signal })
  const params = resolveParams(scenario, options.params, origin)
  const dialect = dialectOf(config.db)
  const chosen = options.strategies ?? Object.keys(scenario.strategies)
  const skipped: { strategy: string; reason: string }[] = []
  let names: string[] = []
  for (const name of chosen) {
    const { strategy } = pickStrategy(scenario, name)
    // Named by the user: refuse it; chosen by default: leave it out and say why.
    if (options.strategies) assertSupported(scenario, name, dialect)
    const unsupported = strategy.unsupportedOn?.[dialect]
    if (unsupported) skipped.push({ strategy: name, reason: `makes no sense on ${dialect}: ${unsupported}` })
    else names.push(name)
  }
  // Chosen by default, a Redis strategy is left out when no Redis was named and none answers.
  const needsRedis = (name: string) => scenario.strategies[name]?.requires?.includes('redis') === true
  if (!options.strategies && config.redis === undefined && names.some(needsRedis) && !(await redisAnswers(DEFAULTS.redis, config.timeoutMs))) {
    for (const name of names.filter(needsRedis)) skipped.push({ strategy: name, reason: `needs Redis and none answered at ${DEFAULTS.redis} (give one with --redis)` })
    names = names.filter((name) => !needsRedis(name))
  }
  if (names.length === 0) throw new UsageError(`no strategy of ${scenario.name} can run here: ${skipped.map((s) => `${s.strategy} ${s.reason}`).join('; ')}`)

  // One embedded server for every strategy: each still gets its own fresh schema.
  const embedded = await startSharedEmbedded(config, { scenario, origin }, params, options.log)
  const results: RunResult[] = []
  try {
    for (const [index, name] of names.entries()) {
      options.events?.emit('phase', `strategy ${name} (${index + 1} of ${names.length})`)
      results.push(await runScenario({ ...options, strategy: name, seed: config.seed, embedded }))
    }
  } finally {
    await embedded?.stop()
  }
  return lineUp(scenario.name, results, skipped)
}

function lineUp(scenario: string, results: readonly RunResult[], skipped: Comparison['skipped']): Comparison {
  const held = (result: RunResult) => result.violations === 0
  // A strategy that tested nothing (every operation an error) is not fast: it did no work.
  const fastest = Math.max(0, ...results.filter((result) => held(result) && !result.nothingTested).map((result) => result.opsPerSec))
  const strategies = results.map((result) => ({
    strategy: result.strategy,
    result,
    held: held(result),
    asDeclared: result.expect === 'unsafe' || held(result),
    relativeThroughput: fastest > 0 ? Math.round((result.opsPerSec / fastest) * 100) / 100 : null,
  }))
  return { scenario, strategies, skipped, allAsDeclared: strategies.every((s) => s.asDeclared) }
}
