import pg from 'pg'
import { connectOrExplain } from '../engines/sql-target.js'
import { serverAddress } from '../engines/server-address.js'
import { namespaceNamedBy } from './namespace-pattern.js'
import { CLEAN_TIMEOUTS, runNamespaceIdentifier, type NamespaceCatalog } from './namespace-leftovers.js'

/**
 * The racebench schemas of the database a PostgreSQL URL names (schemas belong to one database).
 * A schema is in use while a connection's application_name is `racebench <role> <schema>`, which
 * every racebench connection sets from its first moment, before its schema even exists.
 */
export async function openPostgresCatalog(url: string): Promise<NamespaceCatalog> {
  const address = serverAddress(url, 'PostgreSQL', { port: '5432', user: 'postgres', database: 'postgres' })
  const client = new pg.Client({ connectionString: url, application_name: 'racebench clean', connectionTimeoutMillis: CLEAN_TIMEOUTS.connectMs })
  await connectOrExplain(
    async () => {
      try {
        await client.connect()
        // A live run's lock makes DROP fail after lockMs instead of waiting behind it.
        await client.query(`SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)`, [
          String(CLEAN_TIMEOUTS.lockMs),
          String(CLEAN_TIMEOUTS.statementMs),
        ])
      } catch (error) {
        await client.end().catch(() => {})
        throw error
      }
    },
    url,
    address,
  )

  return {
    kind: 'schema',
    where: `PostgreSQL at ${address.host}:${address.port}, database ${address.database}`,
    async namespaces() {
      const { rows } = await client.query<{ name: string; tables: number }>(
        `SELECT n.nspname AS name, count(c.oid)::int AS tables
           FROM pg_namespace n LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'p')
          WHERE n.nspname LIKE 'racebench\\_%' GROUP BY n.nspname ORDER BY n.nspname`,
      )
      return new Map(rows.map((row) => [row.name, row.tables]))
    },
    async connections() {
      // application_name is visible for every session, whoever's it is, without extra privileges.
      const { rows } = await client.query<{ name: string }>(
        `SELECT application_name AS name FROM pg_stat_activity WHERE application_name LIKE 'racebench %' AND pid <> pg_backend_pid()`,
      )
      const open = new Map<string, number>()
      for (const row of rows) {
        const namespace = namespaceNamedBy(row.name)
        if (namespace) open.set(namespace, (open.get(namespace) ?? 0) + 1)
      }
      return open
    },
    async drop(namespace) {
      await client.query(`DROP SCHEMA IF EXISTS ${runNamespaceIdentifier(namespace, '"')} CASCADE`)
    },
    async close() {
      await client.end().catch(() => {})
    },
  }
}
