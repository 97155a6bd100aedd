import mysql from 'mysql2/promise'
import { connectOrExplain } from '../engines/sql-target.js'
import { serverAddress } from '../engines/server-address.js'
import { isRunNamespace, namespaceNamedBy } from './namespace-pattern.js'
import { CLEAN_TIMEOUTS, runNamespaceIdentifier, type NamespaceCatalog } from './namespace-leftovers.js'

/** Every `racebench_…` word in a statement's text: a setup connection creating or entering its database. */
const NAMESPACE_WORDS = /racebench_[a-z0-9_]+/g

/**
 * The racebench databases of a MySQL or MariaDB server. A database is in use while a connection sits
 * in it (information_schema.processlist.db: every worker and, once it exists, the setup connection),
 * runs a statement naming it, or carries connect attribute program_name `racebench <database>`
 * (performance_schema, when it is on). Seeing other users' connections takes the PROCESS privilege:
 * without it nothing is dropped.
 */
export async function openMysqlCatalog(url: string): Promise<NamespaceCatalog> {
  const parsed = new URL(url)
  const engine = parsed.protocol === 'mariadb:' ? 'MariaDB' : 'MySQL'
  const address = serverAddress(url, engine, { port: '3306', user: 'root', database: '' })
  const connection = await connectOrExplain(
    async () => {
      const opened = await mysql.createConnection({
        host: address.host,
        port: Number(address.port),
        user: address.user,
        password: decodeURIComponent(parsed.password),
        database: address.database || undefined,
        connectTimeout: CLEAN_TIMEOUTS.connectMs,
        connectAttributes: { program_name: 'racebench clean' },
      })
      // DROP DATABASE waits for the metadata locks of open transactions: bound it.
      await opened.query(`SET SESSION lock_wait_timeout = ${Math.ceil(CLEAN_TIMEOUTS.lockMs / 1_000)}`).catch((error: unknown) => {
        opened.destroy()
        throw error
      })
      return opened
    },
    url,
    address,
  )
  const rowsOf = async <Row>(sql: string) => (await connection.query(sql))[0] as Row[]

  return {
    kind: 'database',
    where: `${engine} at ${address.host}:${address.port}`,
    async namespaces() {
      const rows = await rowsOf<{ name: string; tables: number | string }>(
        `SELECT s.SCHEMA_NAME AS name, COUNT(t.TABLE_NAME) AS tables
           FROM information_schema.SCHEMATA s LEFT JOIN information_schema.TABLES t ON t.TABLE_SCHEMA = s.SCHEMA_NAME
          WHERE s.SCHEMA_NAME LIKE 'racebench\\\\_%' GROUP BY s.SCHEMA_NAME ORDER BY s.SCHEMA_NAME`,
      )
      return new Map(rows.map((row) => [row.name, Number(row.tables)]))
    },
    async connections() {
      if (!(await seesEveryConnection())) {
        return { unknown: "cannot tell whether a run uses it: seeing other users' connections needs the PROCESS privilege" }
      }
      const users = new Map<string, Set<number>>()
      const note = (namespace: string | undefined, id: number) => {
        if (namespace && isRunNamespace(namespace)) users.set(namespace, (users.get(namespace) ?? new Set()).add(id))
      }
      const threads = await rowsOf<{ id: number; db: string | null; info: string | null }>(
        'SELECT ID AS id, DB AS db, INFO AS info FROM information_schema.PROCESSLIST WHERE ID <> CONNECTION_ID()',
      )
      for (const thread of threads) {
        note(thread.db ?? undefined, thread.id)
        for (const word of thread.info?.match(NAMESPACE_WORDS) ?? []) note(word, thread.id)
      }
      // Off by default on MariaDB (and then empty): a bonus, never relied on.
      const attributes = await rowsOf<{ id: number; name: string }>(
        `SELECT PROCESSLIST_ID AS id, ATTR_VALUE AS name FROM performance_schema.session_connect_attrs
          WHERE ATTR_NAME = 'program_name' AND ATTR_VALUE LIKE 'racebench %'`,
      ).catch(() => [])
      for (const attribute of attributes) note(namespaceNamedBy(attribute.name), attribute.id)
      return new Map([...users].map(([namespace, ids]) => [namespace, ids.size]))
    },
    async drop(namespace) {
      await connection.query(`DROP DATABASE IF EXISTS ${runNamespaceIdentifier(namespace, '`')}`)
    },
    async close() {
      await connection.end().catch(() => connection.destroy())
    },
  }

  /** Whether PROCESSLIST shows every user's connections: only with the PROCESS privilege. */
  async function seesEveryConnection(): Promise<boolean> {
    const rows = await rowsOf<{ n: number | string }>(
      `SELECT COUNT(*) AS n FROM information_schema.USER_PRIVILEGES WHERE PRIVILEGE_TYPE = 'PROCESS'
          AND GRANTEE = CONCAT('''', SUBSTRING_INDEX(CURRENT_USER(), '@', 1), '''@''', SUBSTRING_INDEX(CURRENT_USER(), '@', -1), '''')`,
    )
    return Number(rows[0]?.n) > 0
  }
}
