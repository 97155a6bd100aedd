import type { RunConfig } from '../config.js'
import { dialectOf } from '../engines/db-url.js'
import type { Dialect } from '../engines/session.js'
import type { Params, Scenario, Strategy } from './define-scenario.js'
import { loadScenario, type LoadedScenario } from './load-scenario.js'
import { resolveParams } from './params.js'
import { assertSupported, pickStrategy } from './pick-strategy.js'
import { readSchema } from './read-schema.js'
import { UsageError } from '../errors.js'

/** A scenario, strategy, params and schema script, all checked: what a run needs before it touches a server. */
export interface ResolvedRun {
  readonly loaded: LoadedScenario
  readonly scenario: Scenario<Params, unknown>
  readonly strategyName: string
  readonly strategy: Strategy<Params, unknown>
  readonly params: Params
  readonly dialect: Dialect
  readonly schema: Awaited<ReturnType<typeof readSchema>>
  /** The second database's schema script, for scenarios with a `secondDatabase`. */
  readonly schema2?: Awaited<ReturnType<typeof readSchema>>
}

/**
 * Loads the scenario and checks everything the user named against it (the strategy, its support on the
 * engine `config.db` points at, the params) and reads its schema script: a load run and a scheduled
 * one resolve the same way, before any server is started or touched.
 */
export async function resolveRun(
  options: { readonly scenario: string | Scenario<any, any>; readonly strategy?: string | undefined; readonly params?: Readonly<Record<string, string | number>> | readonly string[] | undefined; readonly signal?: AbortSignal | undefined },
  config: RunConfig,
): Promise<ResolvedRun> {
  const loaded = await loadScenario(options.scenario, { signal: options.signal })
  const { scenario } = loaded
  const { name: strategyName, strategy } = pickStrategy(scenario, options.strategy)
  const params = resolveParams(scenario, options.params, loaded.origin)
  const dialect = dialectOf(config.db)
  assertSupported(scenario, strategyName, dialect)
  const schema = await readSchema(loaded, dialect, params)
  const second = scenario.secondDatabase
  if (!second && config.db2 !== undefined) throw new UsageError(`--db2 is for scenarios with a second database; '${scenario.name}' has none`)
  const schema2 = second ? await readSchema(loaded, dialectOf(config.db2 ?? config.db), params, second.schema) : undefined
  return { loaded, scenario, strategyName, strategy, params, dialect, schema, ...(schema2 ? { schema2 } : {}) }
}

/** Where a run's warnings go unless its caller says otherwise. */
export function warnOnStderr(line: string): void {
  process.stderr.write(`racebench: warning: ${line}\n`)
}
