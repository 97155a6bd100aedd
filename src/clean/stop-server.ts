import { setTimeout as sleep } from 'node:timers/promises'
import { isAlive, isServerOf } from './processes.js'

/** How long a server gets for a fast shutdown before it is killed, and then to die. */
const GRACE_MS = 5_000
const KILL_WAIT_MS = 3_000
const POLL_MS = 50

/**
 * Stops the PostgreSQL server `pid` of a leftover folder: a fast shutdown (SIGINT: roll back open
 * transactions, close connections, checkpoint), then SIGKILL if it has not exited in time. The command
 * line is checked again first, so a PID reused since the survey is never signalled. As root this works
 * for a server running as OS user `postgres`. Resolves once the process is gone; rejects if it will not go.
 */
export async function stopServer(pid: number, folder: string, timing = { graceMs: GRACE_MS, killWaitMs: KILL_WAIT_MS }): Promise<void> {
  if (!isServerOf(pid, folder)) return // gone already, or the PID now belongs to something else
  signal(pid, 'SIGINT')
  if (await exited(pid, timing.graceMs)) return
  if (!isServerOf(pid, folder)) return
  signal(pid, 'SIGKILL')
  if (!(await exited(pid, timing.killWaitMs))) throw new Error(`its server PID ${pid} did not stop after SIGKILL`)
}

function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name)
  } catch (error) {
    // ESRCH: it exited between the check and the signal, which is what we wanted.
    if ((error as NodeJS.ErrnoException).code !== 'ESRCH') throw new Error(`cannot signal its server PID ${pid}: ${(error as Error).message}`)
  }
}

async function exited(pid: number, withinMs: number): Promise<boolean> {
  const deadline = Date.now() + withinMs
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false
    await sleep(POLL_MS)
  }
  return true
}
