import { plural } from '../check/plural.js'
import type { Finding } from './finding.js'
import { isRunNamespace } from './namespace-pattern.js'

/** Short bounds for `clean`'s own connections: it must never hang on a server or behind a live run's lock. */
export const CLEAN_TIMEOUTS = { connectMs: 5_000, lockMs: 5_000, statementMs: 60_000 } as const

/** What `clean` needs from a SQL server: its racebench namespaces, who is connected to them, and a way to drop one. */
export interface NamespaceCatalog {
  /** `schema` (PostgreSQL) or `database` (MySQL). */
  readonly kind: 'schema' | 'database'
  /** `PostgreSQL at 127.0.0.1:5432, database postgres`: for messages, never holds a password. */
  readonly where: string
  /** Every namespace named like a run's (`racebench_<slug>_<8 hex>`), with how many tables it holds. */
  namespaces(): Promise<Map<string, number>>
  /** Live connections per namespace, or why this server will not say (then nothing is dropped). */
  connections(): Promise<Map<string, number> | { unknown: string }>
  /** Drops one namespace (only ever called with a run's namespace). */
  drop(namespace: string): Promise<void>
  close(): Promise<void>
}

/**
 * Judges every run namespace on the server: in use while a connection names it (a live run), a
 * leftover otherwise. Removing a leftover looks again first, so a namespace a run connected to since
 * the survey is kept.
 */
export async function findNamespaceLeftovers(catalog: NamespaceCatalog): Promise<Finding[]> {
  const namespaces = [...(await catalog.namespaces())].filter(([name]) => isRunNamespace(name))
  const connections = await catalog.connections()
  return namespaces.map(([name, tables]): Finding => {
    const found = { kind: catalog.kind, name, where: catalog.where }
    if (!(connections instanceof Map)) return { ...found, state: 'unsure', detail: connections.unknown }
    const open = connections.get(name) ?? 0
    if (open > 0) return { ...found, state: 'in use', detail: plural(open, 'connection') }
    return {
      ...found,
      state: 'leftover',
      detail: `${plural(tables, 'table')}, no connection`,
      remove: async () => {
        const now = await catalog.connections()
        if (!(now instanceof Map)) throw new Error(now.unknown)
        if ((now.get(name) ?? 0) > 0) throw new Error('a run connected to it since: kept')
        await catalog.drop(name)
        return undefined
      },
    }
  })
}

/** A namespace quoted for SQL, refusing anything that is not a run's (and so could need real quoting). */
export function runNamespaceIdentifier(name: string, quote: '"' | '`'): string {
  if (!isRunNamespace(name)) throw new Error(`refusing to drop '${name}': not a racebench run's namespace`)
  return `${quote}${name}${quote}`
}
