import type { IsolationLevel } from '../config.js'
import { messageOf, TargetError } from '../errors.js'
import { maskUrl, redact, rememberSecretsOf } from '../redact.js'
import { describeConnectError } from './connect-error.js'
import { assertRunFits, type ConnectionCapacity } from './connection-capacity.js'
import type { ServerAddress } from './server-address.js'
import type { Dialect, Session } from './session.js'
import type { Engine } from './engine.js'
import type { ClusterInfo, Target, TargetOptions } from './target.js'

/** What differs between SQL engines; the run's lifecycle around it is the same for all. */
export interface SqlEngine {
  readonly dialect: Dialect
  readonly where: ServerAddress
  /** `schema` on PostgreSQL, `database` on MySQL: what the run's namespace is, for messages. */
  readonly namespaceKind: string
  /** Opens a connection with every session timeout set; `setup` is the one that creates the namespace. */
  connect(role: 'setup' | 'worker'): Promise<Session>
  /** The server's version and default level, and how many more connections it accepts. */
  describe(admin: Session): Promise<{ server: string; defaultIsolation: IsolationLevel; capacity: ConnectionCapacity; engine: Engine; cluster?: ClusterInfo }>
  /** Creates the namespace and makes the setup connection work inside it. */
  createNamespace(admin: Session): Promise<void>
  /** The statement that drops the namespace: run at close, and told to the user if it fails. */
  readonly dropNamespaceSql: string
  /** Whether the namespace exists on this server, as this session sees it. */
  namespaceExists(admin: Session): Promise<boolean>
  /** Makes the session's reads wait for what the cluster committed (Galera); absent on a single server. */
  readCommittedEverywhere?(session: Session): Promise<void>
}

/**
 * Opens a SQL target: creates the run's own namespace, and on close drops it (unless kept), closes
 * the setup connection and stops an embedded server. Nothing outside the namespace is touched.
 */
export async function openSqlTarget(
  url: string,
  namespace: string,
  engine: SqlEngine,
  options: TargetOptions,
  sibling: (namespace: string) => Promise<Target>,
  embedded?: { stop(): Promise<void> },
): Promise<Target> {
  const secrets = rememberSecretsOf(url)
  const fail = (what: string, error: unknown) => new TargetError(redact(`${what}: ${messageOf(error)}`, secrets), { cause: error })
  const what = `${engine.namespaceKind} ${namespace}`

  const admin = await engine.connect('setup')
  try {
    const { server, defaultIsolation, capacity, engine: facts, cluster } = await engine.describe(admin)
    // Before anything is created: a run that cannot fit says so now, not after thousands of connects.
    assertRunFits(capacity, { workers: options.workers, readers: options.readers ?? 0 }, engine.where)
    if (!options.join) {
      await engine.createNamespace(admin).catch((error: unknown) => {
        throw fail(`cannot create ${what} on ${engine.where.label}`, error)
      })
      options.log(`created ${what} on ${engine.where.label}`)
    }
    return {
      dialect: engine.dialect,
      engine: facts,
      cluster,
      server,
      url: maskUrl(url),
      embedded: embedded !== undefined,
      namespace,
      defaultIsolation,
      admin,
      connect: () => engine.connect('worker'),
      sibling,
      readCommittedEverywhere: async (db) => {
        await engine.readCommittedEverywhere?.(db)
      },
      async awaitNamespace() {
        await engine.readCommittedEverywhere?.(admin)
        // DDL reaches the other nodes of a cluster in its own time: wait for it, within --timeout.
        const deadline = Date.now() + options.timeoutMs
        while (!(await engine.namespaceExists(admin))) {
          if (Date.now() >= deadline) {
            throw new TargetError(`${engine.where.label} does not have the ${what} that the first --db node created: --db nodes must be nodes of one cluster`)
          }
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
      },
      async runScript(sql) {
        await admin.query(sql)
      },
      async close() {
        try {
          if (!options.keep && !options.join) {
            await admin.query(engine.dropNamespaceSql)
            options.log(`dropped ${what}`)
          }
        } catch (error) {
          // The run's result stands; say what was left behind so the user can drop it.
          options.warn(redact(`could not drop ${what} (${messageOf(error)}); drop it yourself with: ${engine.dropNamespaceSql}`, secrets))
        } finally {
          await admin.close()
          await embedded?.stop()
        }
      },
    }
  } catch (error) {
    await admin.close()
    throw error instanceof TargetError ? error : fail(`cannot prepare ${engine.where.label}`, error)
  }
}

/** Opens a driver connection, turning any failure into one TargetError line with the password masked. */
export async function connectOrExplain<T>(open: () => Promise<T>, url: string, where: ServerAddress): Promise<T> {
  try {
    return await open()
  } catch (error) {
    throw new TargetError(redact(describeConnectError(error, where), rememberSecretsOf(url)), { cause: error })
  }
}
