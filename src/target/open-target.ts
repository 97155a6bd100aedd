import { UsageError } from '../errors.js'
import { maskUrl } from '../redact.js'
import { startEmbeddedPostgres, type EmbeddedServer } from './embedded.js'
import { openMysqlTarget } from './mysql.js'
import { openPostgresTarget } from './postgres.js'
import type { Dialect } from './session.js'
import type { Target, TargetOptions } from './target.js'

/** URL schemes `--db` understands, and the dialect each speaks. */
export const DB_SCHEMES: Readonly<Record<string, Dialect>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
}

/**
 * The dialect of a `--db` URL (PostgreSQL when there is none: the embedded server), or a
 * UsageError listing the URLs racebench understands. Known before anything is started.
 */
export function dialectOf(db: string | undefined): Dialect {
  if (db === undefined) return 'postgres'
  let scheme = ''
  try {
    scheme = new URL(db).protocol
  } catch {
    // not a URL at all: reported below
  }
  const dialect = DB_SCHEMES[scheme]
  if (!dialect) {
    const examples = ['postgres://user:password@host:5432/database', 'mysql://user:password@host:3306/database', 'mariadb://…']
    throw new UsageError(`--db '${maskUrl(db)}' is not a database URL racebench knows; use ${examples.join(', ')}`)
  }
  return dialect
}

/**
 * Opens the run's target: the server named by `db`, or, without one, an embedded PostgreSQL
 * that lives exactly as long as the target, unless a `shared` one is given (`compare` runs every
 * strategy in one server), which the caller stops.
 */
export async function openTarget(db: string | undefined, options: TargetOptions, shared?: EmbeddedServer): Promise<Target> {
  if (db === undefined && shared) return openPostgresTarget(shared.url, options, { stop: async () => {} })
  if (db === undefined) {
    const server = await startEmbeddedPostgres({ workers: options.workers, log: options.log })
    try {
      return await openPostgresTarget(server.url, options, server)
    } catch (error) {
      await server.stop()
      throw error
    }
  }
  return dialectOf(db) === 'mysql' ? openMysqlTarget(db, options) : openPostgresTarget(db, options)
}
