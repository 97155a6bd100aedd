import { maskUrl } from '../redact.js'
import { UsageError } from '../errors.js'
import type { Dialect } from './session.js'

/** URL schemes `--db` understands, and the dialect each speaks. */
const DB_SCHEMES: Readonly<Record<string, Dialect>> = {
  'postgres:': 'postgres',
  'postgresql:': 'postgres',
  'mysql:': 'mysql',
  'mariadb:': 'mysql',
}

/** The dialect a `--db` URL speaks, or undefined when it is not a database URL racebench knows. */
export function dialectOfUrl(db: string): Dialect | undefined {
  try {
    return DB_SCHEMES[new URL(db).protocol]
  } catch {
    return undefined
  }
}

/** What is wrong with a `--db` value, in one line naming the forms racebench takes; undefined when nothing. */
export function dbUrlProblem(db: string): string | undefined {
  if (dialectOfUrl(db)) return undefined
  const examples = ['postgres://user:password@host:5432/database', 'mysql://user:password@host:3306/database', 'mariadb://…']
  return `--db '${maskUrl(db)}' is not a database URL racebench knows; use ${examples.join(', ')}`
}

/**
 * The dialect of a `--db` URL (PostgreSQL when there is none: the embedded server), or a
 * UsageError listing the URLs racebench understands. Known before anything is started.
 */
export function dialectOf(db: string | undefined): Dialect {
  if (db === undefined) return 'postgres'
  const dialect = dialectOfUrl(db)
  if (!dialect) throw new UsageError(dbUrlProblem(db)!)
  return dialect
}
