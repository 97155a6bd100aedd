import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

/**
 * The layout of an embedded server's folder, shared by the code that starts one and `racebench clean`,
 * which must tell a live run's folder from one a killed run left behind:
 *
 *     <tmpdir>/racebench-pg-XXXXXX/
 *       owner.json        { pid, port, startedAt }: the racebench process that owns the folder
 *       data/             the cluster; data/postmaster.pid's first line is the server's PID
 */
export const EMBEDDED_DIR_PREFIX = 'racebench-pg-'
export const OWNER_FILE = 'owner.json'
export const DATA_DIR = 'data'

export interface EmbeddedOwner {
  /** The racebench process that started the server. */
  readonly pid: number
  readonly port: number
  /** ISO 8601. */
  readonly startedAt: string
}

export function writeOwner(dir: string, owner: EmbeddedOwner): void {
  writeFileSync(join(dir, OWNER_FILE), JSON.stringify(owner) + '\n')
}

/** The folder's owner, or undefined when the file is missing or unreadable (a folder being created, or not ours). */
export function readOwner(dir: string): EmbeddedOwner | undefined {
  try {
    const owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8')) as Partial<EmbeddedOwner>
    return typeof owner.pid === 'number' && typeof owner.port === 'number' && typeof owner.startedAt === 'string' ? (owner as EmbeddedOwner) : undefined
  } catch {
    return undefined
  }
}

/** The server's PID from `data/postmaster.pid`, or undefined when it is not running or the file is gone. */
export function readPostmasterPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, DATA_DIR, 'postmaster.pid'), 'utf8').split('\n')[0])
    return Number.isInteger(pid) && pid > 0 ? pid : undefined
  } catch {
    return undefined
  }
}
