import { messageOf, TargetError } from '../errors.js'
import { redact, rememberSecretsOf } from '../redact.js'
import { findEmbeddedLeftovers } from './embedded-leftovers.js'
import type { CleanItem, CleanReport, Finding, LeftoverSource } from './finding.js'
import { findNamespaceLeftovers } from './namespace-leftovers.js'

export interface CleanOptions {
  /** A PostgreSQL or MySQL URL whose racebench schemas or databases to look at too. */
  readonly db?: string
  /** A Redis URL whose racebench keys to look at too. */
  readonly redis?: string
  /** Remove the leftovers; without it, only say what they are. */
  readonly yes: boolean
  /** Where embedded runs keep their folders (default os.tmpdir(), as they do). */
  readonly embeddedRoot?: string
}

/**
 * Finds what runs that are no longer running left behind (embedded folders and servers on this machine,
 * namespaces on `db`, keys on `redis`) and, with `yes`, removes it. Every server is reached before
 * anything is removed, so an unreachable one stops the command with nothing done (TargetError). A
 * leftover that cannot be removed ends `failed`, and the others are still removed.
 */
export async function cleanLeftovers(options: CleanOptions): Promise<CleanReport> {
  const secrets = [options.db, options.redis].flatMap((url) => (url ? rememberSecretsOf(url) : []))
  const sources: LeftoverSource[] = []
  try {
    if (options.db !== undefined) sources.push(await openSqlSource(options.db))
    // Each driver is loaded only when its server is asked for: `clean` alone starts fast.
    if (options.redis !== undefined) sources.push(await (await import('./redis-leftovers.js')).openRedisSource(options.redis))

    const findings: Finding[] = findEmbeddedLeftovers({ root: options.embeddedRoot })
    for (const source of sources) findings.push(...(await surveying(source, secrets)))
    const items = options.yes ? await removeEach(findings, secrets) : findings.map(itemOf)
    return { dryRun: !options.yes, items }
  } finally {
    for (const source of sources) await source.close()
  }
}

/** A UsageError for a URL racebench does not speak, a TargetError for a server that does not answer. */
async function openSqlSource(url: string): Promise<LeftoverSource> {
  const { dialectOf } = await import('../engines/db-url.js')
  const catalog =
    dialectOf(url) === 'mysql'
      ? await (await import('./mysql-catalog.js')).openMysqlCatalog(url)
      : await (await import('./postgres-catalog.js')).openPostgresCatalog(url)
  return { what: `racebench ${catalog.kind}s on ${catalog.where}`, survey: () => findNamespaceLeftovers(catalog), close: () => catalog.close() }
}

/** One server's survey, its failure a TargetError that says what could not be listed where (password masked). */
async function surveying(source: LeftoverSource, secrets: string[]): Promise<Finding[]> {
  try {
    return await source.survey()
  } catch (error) {
    throw new TargetError(redact(`cannot list ${source.what}: ${messageOf(error)}`, secrets), { cause: error })
  }
}

/** Removes leftovers one at a time (a server is stopped before its folder goes), carrying on past failures. */
async function removeEach(findings: readonly Finding[], secrets: string[]): Promise<CleanItem[]> {
  const items: CleanItem[] = []
  for (const finding of findings) {
    if (finding.state !== 'leftover' || !finding.remove) {
      items.push(itemOf(finding))
      continue
    }
    try {
      const note = await finding.remove()
      items.push({ ...itemOf(finding), state: 'removed', note })
    } catch (error) {
      items.push({ ...itemOf(finding), state: 'failed', note: redact(messageOf(error), secrets) })
    }
  }
  return items
}

function itemOf({ kind, name, where, state, detail }: Finding): CleanItem {
  return { kind, name, where, state, detail }
}
