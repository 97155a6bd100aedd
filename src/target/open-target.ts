import { UsageError } from '../errors.js'
import { maskUrl } from '../redact.js'
import { startEmbeddedPostgres } from './embedded.js'
import { openPostgresTarget } from './postgres.js'
import type { Target, TargetOptions } from './target.js'

/** URL schemes `--db` understands. */
export const DB_SCHEMES = ['postgres:', 'postgresql:'] as const

/**
 * Opens the run's target: the server named by `db`, or, without one, an embedded PostgreSQL
 * that lives exactly as long as the target.
 */
export async function openTarget(db: string | undefined, options: TargetOptions): Promise<Target> {
  if (db === undefined) {
    const server = await startEmbeddedPostgres({ workers: options.workers, log: options.log })
    try {
      return await openPostgresTarget(server.url, options, { embedded: server })
    } catch (error) {
      await server.stop()
      throw error
    }
  }
  const scheme = schemeOf(db)
  if (!(DB_SCHEMES as readonly string[]).includes(scheme)) {
    throw new UsageError(
      `--db '${maskUrl(db)}' is not a database URL racebench knows; use ${DB_SCHEMES.map((s) => `${s}//user:password@host:port/database`).join(' or ')}`,
    )
  }
  return openPostgresTarget(db, options)
}

function schemeOf(url: string): string {
  try {
    return new URL(url).protocol
  } catch {
    return ''
  }
}
