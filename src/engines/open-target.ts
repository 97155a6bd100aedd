import { assertEmbeddedFits } from './connection-capacity.js'
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded/embedded.js'
import { dialectOf } from './db-url.js'
import type { Target, TargetOptions } from './target.js'

/**
 * Opens the run's target: the server named by `db`, or, without one, an embedded PostgreSQL
 * that lives exactly as long as the target, unless a `shared` one is given (`compare` runs every
 * strategy in one server), which the caller stops.
 */
export async function openTarget(db: string | undefined, options: TargetOptions, shared?: EmbeddedServer): Promise<Target> {
  if (db === undefined && shared) return (await loadPostgres()).openPostgresTarget(shared.url, options, { stop: async () => {} })
  if (db === undefined) {
    assertEmbeddedFits(options.workers + (options.readers ?? 0) + 1)
    // node-postgres loads while the server starts (in child processes): its load is off the clock.
    const postgres = loadPostgres()
    postgres.catch(() => {}) // awaited below; a rejection must not go unhandled meanwhile
    const server = await startEmbeddedPostgres({ workers: options.workers + (options.readers ?? 0), log: options.log })
    try {
      return await (await postgres).openPostgresTarget(server.url, options, server)
    } catch (error) {
      await server.stop()
      throw error
    }
  }
  if (dialectOf(db) === 'mysql') return (await import('./mysql/mysql.js')).openMysqlTarget(db, options)
  return (await loadPostgres()).openPostgresTarget(db, options)
}

/**
 * The drivers are loaded when first used, each taking about a tenth of a second (cold start): a
 * PostgreSQL run never loads mysql2, and an embedded server's start hides node-postgres's load.
 */
function loadPostgres(): Promise<typeof import('./postgres/postgres.js')> {
  return import('./postgres/postgres.js')
}
