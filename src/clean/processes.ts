import { readdirSync, readFileSync } from 'node:fs'
import { basename, resolve, sep } from 'node:path'

/**
 * What racebench can learn about another process. Linux answers through /proc; elsewhere only
 * "does it exist" is known, and callers then err on the side of leaving things alone.
 */

/**
 * Whether a process with this PID is running. A process of another user counts (signalling it is refused,
 * but it exists); a zombie does not: it has exited, and only waits for a parent that may never reap it.
 */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  return statFieldsOf(pid)?.[0] !== 'Z'
}

/** Whether /proc describes processes here: without it, command lines cannot be checked. */
export function hasProcFs(): boolean {
  try {
    readFileSync('/proc/self/cmdline')
    return true
  } catch {
    return false
  }
}

/** A process's argv from /proc (empty for a zombie), or undefined when it is gone or /proc cannot say. */
export function commandLineOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter((arg) => arg !== '')
  } catch {
    return undefined
  }
}

/** The parent PID from /proc/<pid>/stat, or undefined. */
export function parentPidOf(pid: number): number | undefined {
  const ppid = Number(statFieldsOf(pid)?.[1])
  return Number.isInteger(ppid) && ppid > 0 ? ppid : undefined
}

/** The fields of /proc/<pid>/stat after `pid (comm)`: state, ppid, …; undefined without /proc. */
function statFieldsOf(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // comm may hold spaces and parentheses, so read after the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

/**
 * Whether `pid` is still a racebench process: alive, and (where /proc can tell) a Node.js or racebench
 * command, not an unrelated program that was given the PID after racebench died.
 */
export function isRacebenchProcess(pid: number): boolean {
  if (!isAlive(pid)) return false
  if (!hasProcFs()) return true
  const argv = commandLineOf(pid)
  if (!argv || argv.length === 0) return false
  return /node|racebench/i.test(basename(argv[0] ?? '')) || argv.some((arg) => arg.includes('racebench'))
}

/** The data folder a PostgreSQL server command line serves (`postgres -D <dir> …`), if it is one. */
export function dataDirOf(argv: readonly string[]): string | undefined {
  if (!/^(postgres|postmaster)$/.test(basename(argv[0] ?? ''))) return undefined
  for (const [i, arg] of argv.entries()) {
    if (arg === '-D') return argv[i + 1]
    if (arg.startsWith('-D')) return arg.slice(2)
    if (arg.startsWith('--pgdata=')) return arg.slice('--pgdata='.length)
  }
  return undefined
}

/** Whether `path` is `folder` or lies inside it. */
export function isInside(path: string, folder: string): boolean {
  const inner = resolve(path)
  const outer = resolve(folder)
  return inner === outer || inner.startsWith(outer + sep)
}

/** Whether `pid` is, right now, a PostgreSQL server whose data folder lies inside `folder`. */
export function isServerOf(pid: number, folder: string): boolean {
  const dataDir = dataDirOf(commandLineOf(pid) ?? [])
  return dataDir !== undefined && isInside(dataDir, folder)
}

/** Every PostgreSQL server (postmaster) running on this machine, with its data folder. Empty without /proc. */
export function runningServers(): { pid: number; dataDir: string }[] {
  let entries: string[]
  try {
    entries = readdirSync('/proc')
  } catch {
    return []
  }
  return entries.flatMap((entry) => {
    const pid = Number(entry)
    if (!Number.isInteger(pid) || pid <= 0) return []
    const dataDir = dataDirOf(commandLineOf(pid) ?? [])
    return dataDir === undefined ? [] : [{ pid, dataDir }]
  })
}
