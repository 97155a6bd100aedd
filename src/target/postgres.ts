import pg from 'pg'
import { messageOf, TargetError } from '../errors.js'
import type { IsolationLevel } from '../config.js'
import { maskUrl, passwordOf, redact } from '../redact.js'
import { namespaceFor } from './namespace.js'
import { PostgresSession } from './postgres-session.js'
import type { Target, TargetOptions } from './target.js'

/** What to run when the target closes, after its schema is dropped (stopping an embedded server). */
export interface PostgresTargetExtras {
  readonly embedded?: { stop(): Promise<void> }
}

/**
 * Connects to a PostgreSQL server and creates the run's own schema in it. Every connection sets
 * search_path to that schema, and lock_timeout and statement_timeout so no run can hang.
 */
export async function openPostgresTarget(url: string, options: TargetOptions, extras: PostgresTargetExtras = {}): Promise<Target> {
  const where = describeServer(url)
  const secrets = [passwordOf(url) ?? '']
  const namespace = namespaceFor(options.scenario)
  const timeout = options.timeoutMs

  const connect = async (role: 'worker' | 'setup' = 'worker'): Promise<PostgresSession> => {
    const client = new pg.Client({
      connectionString: url,
      // Names the run, so a DBA (or a test) can tell its connections apart in pg_stat_activity.
      application_name: `racebench ${role} ${namespace}`,
      connectionTimeoutMillis: Math.max(timeout, 5_000),
      // Bound every wait on the server side; idle-in-transaction catches a worker that died mid-transaction.
      options: [
        `-c search_path=${namespace}`,
        `-c lock_timeout=${timeout}`,
        `-c statement_timeout=${timeout}`,
        `-c idle_in_transaction_session_timeout=${timeout * 2}`,
      ].join(' '),
    })
    try {
      await client.connect()
    } catch (error) {
      await client.end().catch(() => {})
      throw new TargetError(redact(describeConnectError(error, where), secrets), { cause: error })
    }
    return new PostgresSession(client)
  }

  const admin = await connect('setup')
  try {
    const { rows } = await admin.query<{ version: string; isolation: string }>(
      `SELECT current_setting('server_version') AS version, current_setting('default_transaction_isolation') AS isolation`,
    )
    const settings = rows[0]
    if (!settings) throw new Error('the server returned no settings')
    await admin.query(`CREATE SCHEMA "${namespace}"`).catch((error: unknown) => {
      throw new TargetError(redact(`cannot create schema ${namespace} on ${where.label}: ${messageOf(error)}`, secrets), { cause: error })
    })
    options.log(`created schema ${namespace} on ${where.label}`)

    return {
      dialect: 'postgres',
      server: `PostgreSQL ${settings.version.split(' ')[0]}`,
      url: maskUrl(url),
      embedded: extras.embedded !== undefined,
      namespace,
      defaultIsolation: settings.isolation.replace(/ /g, '-') as IsolationLevel,
      admin,
      connect: () => connect('worker'),
      async runScript(sql) {
        await admin.query(sql)
      },
      async close() {
        try {
          if (!options.keep) {
            await admin.query(`DROP SCHEMA IF EXISTS "${namespace}" CASCADE`)
            options.log(`dropped schema ${namespace}`)
          }
        } catch (error) {
          // The run's result stands; say what was left behind so the user can drop it.
          options.log(redact(`warning: could not drop schema ${namespace}: ${messageOf(error)}`, secrets))
        } finally {
          await admin.close()
          await extras.embedded?.stop()
        }
      },
    }
  } catch (error) {
    await admin.close()
    throw error instanceof TargetError ? error : new TargetError(redact(`cannot prepare ${where.label}: ${messageOf(error)}`, secrets), { cause: error })
  }
}

interface ServerDescription {
  readonly host: string
  readonly port: string
  readonly user: string
  readonly database: string
  /** `PostgreSQL at 127.0.0.1:5432 (postgres://u:***@127.0.0.1:5432/db)` */
  readonly label: string
}

function describeServer(url: string): ServerDescription {
  const parsed = new URL(url)
  const host = parsed.hostname || 'localhost'
  const port = parsed.port || '5432'
  return {
    host,
    port,
    user: decodeURIComponent(parsed.username) || 'postgres',
    database: decodeURIComponent(parsed.pathname.slice(1)) || 'postgres',
    label: `PostgreSQL at ${host}:${port} (${maskUrl(url)})`,
  }
}

/** One line that says what went wrong and what to check, for each common way a connect fails. */
function describeConnectError(error: unknown, where: ServerDescription): string {
  const code = (error as { code?: string }).code
  switch (code) {
    case '28P01':
    case '28000':
      return `authentication failed for user '${where.user}' at ${where.label}: check the user and password in --db`
    case '3D000':
      return `database '${where.database}' does not exist at ${where.label}`
    case '53300':
      return `${where.label} has no free connections (max_connections): lower --workers`
    case 'ECONNREFUSED':
      return `cannot reach ${where.label}: connection refused (is the server running?)`
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `cannot resolve host '${where.host}' of ${where.label}`
  }
  if (/timeout/i.test(messageOf(error))) return `no answer from ${where.label}: connection timed out`
  return `cannot connect to ${where.label}: ${messageOf(error)}`
}
