import pg from 'pg'
import type { IsolationLevel } from '../../config.js'
import { readPostgresCapacity } from '../connection-capacity.js'
import { ignoreIdleError, PostgresSession } from './postgres-session.js'
import { serverAddress } from '../server-address.js'
import { connectOrExplain, openSqlTarget, type SqlEngine } from '../sql-target.js'
import type { Target, TargetOptions } from '../target.js'
import { postgresEngine } from './engine.js'
import { engineFamilyOf } from '../engine-family.js'

/** count(*) is bigint: parse it as a number (exact below 2^53), as mysql2 does, so SQL stays portable. */
const BIGINT_AS_NUMBER = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
}

/** URL parameters that would override the schema and the timeouts racebench sets on every connection. */
const OVERRIDING_PARAMS = ['options', 'search_path', 'statement_timeout', 'lock_timeout', 'idle_in_transaction_session_timeout']

/**
 * node-postgres lets a URL's `?options=` replace the `options` we give (and sends its timeouts as
 * startup parameters, which the server applies after options): a run would then create its tables
 * outside its schema, with no timeouts. Take them out of the URL; the user's options go first in ours.
 */
function withoutOverrides(url: string): { safeUrl: string; userOptions: string } {
  const parsed = new URL(url)
  const userOptions = parsed.searchParams.get('options') ?? ''
  for (const name of OVERRIDING_PARAMS) parsed.searchParams.delete(name)
  return { safeUrl: parsed.toString(), userOptions }
}

/**
 * Connects to a PostgreSQL server and creates the run's own schema in it. Every connection sets
 * search_path to that schema, and lock_timeout and statement_timeout so no run can hang.
 */
export function openPostgresTarget(url: string, options: TargetOptions, embedded?: { stop(): Promise<void> }): Promise<Target> {
  const { namespace } = options
  const where = serverAddress(url, 'PostgreSQL', { port: '5432', user: 'postgres', database: 'postgres' })
  const timeout = options.timeoutMs
  const { safeUrl, userOptions } = withoutOverrides(url)

  const engine: SqlEngine = {
    dialect: 'postgres',
    where,
    namespaceKind: 'schema',
    async connect(role) {
      const client = new pg.Client({
        connectionString: role === 'worker' && options.route ? await routed(safeUrl, where, options.route) : safeUrl,
        types: BIGINT_AS_NUMBER,
        // Names the run, so a DBA (or a test) can tell its connections apart in pg_stat_activity.
        application_name: `racebench ${role} ${namespace}`,
        connectionTimeoutMillis: Math.max(timeout, 5_000),
        // Bound every wait on the server side; idle-in-transaction catches a worker that died mid-transaction.
        options: [
          // The URL's own options come first, so that ours, later, win.
          userOptions,
          `-c search_path=${namespace}`,
          `-c lock_timeout=${timeout}`,
          `-c statement_timeout=${timeout}`,
          `-c idle_in_transaction_session_timeout=${timeout * 2}`,
        ]
          .filter(Boolean)
          .join(' '),
      })
      client.on('error', ignoreIdleError)
      await connectOrExplain(
        () => client.connect().catch(async (error: unknown) => {
          await client.end().catch(() => {})
          throw error
        }),
        url,
        where,
      )
      return new PostgresSession(client)
    },
    async describe(admin) {
      // version() as well: it names the family (CockroachDB, YugabyteDB) where server_version does not.
      const { rows } = await admin.query<{ version: string; full: string; isolation: string }>(
        `SELECT current_setting('server_version') AS version, version() AS full, current_setting('default_transaction_isolation') AS isolation`,
      )
      const settings = rows[0]
      if (!settings) throw new Error('the server returned no settings')
      const engine = postgresEngine(engineFamilyOf(settings.full, 'postgres'), settings.full)
      return {
        // CockroachDB and YugabyteDB answer a PostgreSQL version: name the engine, keep the version they give.
        server: engine.family === 'postgresql' ? `PostgreSQL ${settings.version.split(' ')[0]}` : `${engine.name} (PostgreSQL ${settings.version.split(' ')[0]} protocol)`,
        defaultIsolation: settings.isolation.replace(/ /g, '-') as IsolationLevel,
        capacity: await readPostgresCapacity(admin),
        engine,
      }
    },
    async createNamespace(admin) {
      await admin.query(`CREATE SCHEMA "${namespace}"`)
    },
    dropNamespaceSql: `DROP SCHEMA IF EXISTS "${namespace}" CASCADE`,
    async namespaceExists(admin) {
      return (await admin.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [namespace])).rowCount > 0
    },
  }
  return openSqlTarget(url, namespace, engine, options, (other) => openPostgresTarget(url, { ...options, namespace: other }), embedded)
}

/** The URL with its host and port replaced by where `route` sends worker connections. */
async function routed(url: string, where: { readonly host: string; readonly port: string }, route: NonNullable<TargetOptions['route']>): Promise<string> {
  const via = await route({ host: where.host, port: Number(where.port) })
  const parsed = new URL(url)
  parsed.hostname = via.host
  parsed.port = String(via.port)
  return parsed.toString()
}
