import { DEFAULTS, LIMITS, resolveConfig, type RunConfig } from '../config.js'
import { didYouMean } from '../did-you-mean.js'
import { UsageError } from '../errors.js'
import type { RunEmitter } from '../runner/events.js'
import { BUILTIN_SCENARIOS } from '../scenario/builtin.js'
import type { Scenario } from '../scenario/define-scenario.js'
import { loadScenario, type LoadedScenario } from '../scenario/load-scenario.js'
import { dialectOf } from '../engines/db-url.js'
import type { VerifyProgress } from './verify-progress.js'

/** What `verifyMatrix` takes: the CLI's flags as strings, or numbers from the API. */
export interface VerifyOptions {
  /** The engines, each a postgres:// or mysql:// URL; none (or empty) for an embedded PostgreSQL. */
  readonly dbs?: readonly string[] | undefined
  readonly redis?: string | undefined
  /** Built-in names, scenario files or scenario objects (from the API); default: every built-in scenario. */
  readonly scenarios?: readonly (string | Scenario<any, any>)[] | undefined
  /** Strategies to verify wherever a scenario has them; default: every one. */
  readonly strategies?: readonly string[] | undefined
  /** Runs per cell (default DEFAULTS.verifyRepeat). */
  readonly repeat?: number | string | undefined
  readonly workers?: number | string | undefined
  /** Operations per worker per run (default DEFAULTS.verifyIterations). */
  readonly iterations?: number | string | undefined
  readonly think?: number | string | undefined
  readonly timeout?: number | string | undefined
  /** One seed for every run (default: random, reported in the result). */
  readonly seed?: number | string | undefined
  /** Abort to stop: the current run cleans up and the matrix rejects with InterruptedError. */
  readonly signal?: AbortSignal | undefined
  /** Each run's own events (phases, ticks), e.g. for a live display. */
  readonly events?: RunEmitter | undefined
  /** Told as each cell starts and ends. */
  readonly progress?: VerifyProgress | undefined
  readonly log?: ((line: string) => void) | undefined
  readonly warn?: ((line: string) => void) | undefined
}

/** A scenario of the matrix, and how the user named it (what each run loads again). */
export interface VerifyScenario extends LoadedScenario {
  readonly ref: string | Scenario<any, any>
}

/** Everything the user typed, checked, before any server is started or touched. */
export interface ResolvedVerify {
  readonly config: RunConfig
  readonly repeat: number
  /** `undefined` stands for the embedded PostgreSQL. */
  readonly dbs: readonly (string | undefined)[]
  readonly scenarios: readonly VerifyScenario[]
  /** The strategies named with --strategies, or undefined for every one. */
  readonly strategies: ReadonlySet<string> | undefined
}

/**
 * Checks every flag and name at once: bad numbers, --repeat, every --db URL, then the scenarios and
 * the strategies (a strategy must exist in at least one chosen scenario). One UsageError (exit 2).
 */
export async function resolveVerify(options: VerifyOptions): Promise<ResolvedVerify> {
  const problems: string[] = []
  const repeat = parseRepeat(options.repeat, problems)
  let config: RunConfig | undefined
  try {
    config = resolveConfig({
      redis: options.redis,
      workers: options.workers,
      iterations: options.iterations ?? DEFAULTS.verifyIterations,
      think: options.think,
      timeout: options.timeout,
      seed: options.seed,
      // Traces are for reading one run; the matrix only counts violations.
      show: 0,
    })
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    problems.push(error.message)
  }
  const dbs = options.dbs !== undefined && options.dbs.length > 0 ? options.dbs : [undefined]
  for (const db of dbs) {
    try {
      dialectOf(db)
    } catch (error) {
      if (!(error instanceof UsageError)) throw error
      problems.push(error.message)
    }
  }
  if (problems.length > 0 || !config) throw new UsageError(problems.join('; '))

  const names = options.scenarios !== undefined && options.scenarios.length > 0 ? options.scenarios : Object.keys(BUILTIN_SCENARIOS)
  const scenarios: VerifyScenario[] = []
  for (const ref of new Set(names)) scenarios.push({ ref, ...(await loadScenario(ref, { signal: options.signal })) })
  const strategies = options.strategies !== undefined && options.strategies.length > 0 ? new Set(options.strategies) : undefined
  if (strategies) checkStrategyNames(strategies, scenarios)
  return { config, repeat, dbs, scenarios, strategies }
}

function parseRepeat(value: number | string | undefined, problems: string[]): number {
  if (value === undefined) return DEFAULTS.verifyRepeat
  const n = typeof value === 'number' ? value : /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (Number.isInteger(n) && n >= 1 && n <= LIMITS.repeat) return n
  problems.push(`--repeat must be a whole number from 1 to ${LIMITS.repeat}, got '${value}'`)
  return DEFAULTS.verifyRepeat
}

/** A strategy name that no chosen scenario has is a typo: say so, with every valid name. */
function checkStrategyNames(named: ReadonlySet<string>, scenarios: readonly LoadedScenario[]): void {
  const valid = [...new Set(scenarios.flatMap(({ scenario }) => Object.keys(scenario.strategies)))]
  const unknown = [...named].filter((name) => !valid.includes(name))
  if (unknown.length === 0) return
  const where = scenarios.length === 1 ? `for ${scenarios[0]!.scenario.name}` : 'in the chosen scenarios'
  const each = unknown.map((name) => `'${name}'${didYouMean(name, valid)}`).join(', ')
  throw new UsageError(`unknown ${unknown.length === 1 ? 'strategy' : 'strategies'} ${each} ${where}; valid: ${valid.join(', ')}`)
}
