import mysql from 'mysql2/promise'
import type { IsolationLevel } from '../../config.js'
import { readMysqlCapacity } from '../connection-capacity.js'
import { MysqlSession } from './mysql-session.js'
import { serverAddress } from '../server-address.js'
import { connectOrExplain, openSqlTarget, type SqlEngine } from '../sql-target.js'
import type { ClusterInfo, Target, TargetOptions } from '../target.js'
import type { Session } from '../session.js'
import { mysqlEngine } from './engine.js'
import { engineFamilyOf } from '../engine-family.js'

/**
 * Connects to a MySQL or MariaDB server and creates the run's own database in it. Every session
 * bounds its lock waits (innodb_lock_wait_timeout, lock_wait_timeout) and its statements
 * (max_statement_time on MariaDB, max_execution_time on MySQL, which covers SELECTs only).
 */
export async function openMysqlTarget(url: string, options: TargetOptions): Promise<Target> {
  const { namespace } = options
  const parsed = new URL(url)
  const where = serverAddress(url, parsed.protocol === 'mariadb:' ? 'MariaDB' : 'MySQL', { port: '3306', user: 'root', database: '' })
  const seconds = Math.max(1, Math.ceil(options.timeoutMs / 1_000)) // InnoDB counts lock waits in whole seconds
  let mariadb = false
  let galera = false

  const open = async (database: string | undefined, multipleStatements: boolean, via?: { readonly host: string; readonly port: number }) =>
    connectOrExplain(
      () =>
        mysql.createConnection({
          host: via?.host ?? where.host,
          port: via?.port ?? Number(where.port),
          user: where.user,
          // As node-postgres and ioredis do, a `?password=` stands in for one missing from the user info.
          password: decodeURIComponent(parsed.password) || parsed.searchParams.get('password') || undefined,
          database,
          multipleStatements,
          connectTimeout: Math.max(options.timeoutMs, 5_000),
          connectAttributes: { program_name: `racebench ${namespace}` },
        }),
      url,
      where,
    )

  const setTimeouts = (session: MysqlSession) =>
    session.query(
      `SET SESSION innodb_lock_wait_timeout = ${seconds}, lock_wait_timeout = ${seconds}, ` +
        (mariadb ? `max_statement_time = ${options.timeoutMs / 1_000}` : `max_execution_time = ${options.timeoutMs}`),
    )

  const engine: SqlEngine = {
    dialect: 'mysql',
    where,
    namespaceKind: 'database',
    async connect(role) {
      // The setup connection starts in the URL's database (ours does not exist yet) and runs scripts.
      const via = role === 'worker' && options.route ? await options.route({ host: where.host, port: Number(where.port) }) : undefined
      const session = new MysqlSession(await open(role === 'setup' ? where.database || undefined : namespace, role === 'setup', via))
      if (role === 'worker') await setTimeouts(session)
      return session
    },
    async describe(admin) {
      const { rows } = await admin.query<{ version: string }>('SELECT VERSION() AS version')
      const version = rows[0]?.version ?? ''
      mariadb = /mariadb/i.test(version)
      await setTimeouts(admin as MysqlSession)
      // MySQL 8 and MariaDB 11.1+ call it transaction_isolation; older MariaDB only tx_isolation.
      const isolation = await admin
        .query<{ level: string }>('SELECT @@transaction_isolation AS level')
        .catch(() => admin.query<{ level: string }>('SELECT @@tx_isolation AS level'))
      const cluster = mariadb ? await galeraOf(admin) : undefined
      galera = cluster !== undefined
      return {
        server: mariadb ? `MariaDB ${version.split('-')[0]}` : /-TiDB-/i.test(version) ? `TiDB ${version.split('-TiDB-')[1]}` : `MySQL ${version}`,
        defaultIsolation: (isolation.rows[0]?.level ?? 'REPEATABLE-READ').toLowerCase() as IsolationLevel,
        capacity: await readMysqlCapacity(admin),
        engine: mysqlEngine({ family: engineFamilyOf(version, 'mysql'), version, galera: cluster !== undefined }),
        cluster,
      }
    },
    async createNamespace(admin) {
      await admin.query(`CREATE DATABASE \`${namespace}\``)
      await admin.query(`USE \`${namespace}\``)
    },
    dropNamespaceSql: `DROP DATABASE IF EXISTS \`${namespace}\``,
    async namespaceExists(admin) {
      return (await admin.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [namespace])).rowCount > 0
    },
    async readCommittedEverywhere(session) {
      // Galera applies other nodes' commits asynchronously; wsrep_sync_wait makes reads wait for them.
      if (galera) await session.query('SET SESSION wsrep_sync_wait = 1')
    },
  }
  return openSqlTarget(url, namespace, engine, options, (other) => openMysqlTarget(url, { ...options, namespace: other }))
}

/**
 * The node's Galera cluster, when wsrep is on: MariaDB's packages ship the wsrep variables even without
 * a cluster (`wsrep_on` OFF), so the variable's value decides, not its presence.
 */
async function galeraOf(admin: Session): Promise<ClusterInfo | undefined> {
  const on = await admin.query<{ Value: string }>(`SHOW GLOBAL VARIABLES LIKE 'wsrep_on'`)
  if (on.rows[0]?.Value !== 'ON') return undefined
  const { rows } = await admin.query<{ Variable_name: string; Value: string }>(`SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_local_state_comment')`)
  const status = new Map(rows.map((row) => [row.Variable_name, row.Value]))
  return { kind: 'galera', size: Number(status.get('wsrep_cluster_size') ?? 0), state: status.get('wsrep_local_state_comment') ?? 'unknown' }
}
