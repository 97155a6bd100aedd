import type { RunConfig } from './config.js'
import { callScenarioCode } from './scenario/code-fault.js'
import type { Params, Scenario } from './scenario/define-scenario.js'
import { assertEmbeddedFits } from './engines/connection-capacity.js'
import { startEmbeddedPostgres, type EmbeddedServer } from './engines/embedded/embedded.js'

/**
 * Without `--db`, one embedded PostgreSQL for a command that makes several runs (compare, --repeat):
 * each run still gets its own fresh schema, and the server starts once. Sized for the workers and the
 * scenario's readers. Undefined when the user named a database. Its owner stops it.
 */
export async function startSharedEmbedded(
  config: RunConfig,
  loaded: { readonly scenario: Scenario<any, any>; readonly origin: string },
  params: Params,
  log: ((line: string) => void) | undefined,
): Promise<EmbeddedServer | undefined> {
  if (config.db !== undefined) return undefined
  const readers = callScenarioCode(`readers.count() in ${loaded.origin}`, () => loaded.scenario.readers?.count(params) ?? 0)
  const connections = config.workers + (Number.isInteger(readers) ? readers : 0)
  assertEmbeddedFits(connections + 1)
  return startEmbeddedPostgres({ workers: connections, log: log ?? (() => {}) })
}
