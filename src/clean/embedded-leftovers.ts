import { readdirSync, statSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { isAbsolute, join, relative, sep } from 'node:path'
import { messageOf, TargetError } from '../errors.js'
import { DATA_DIR, EMBEDDED_DIR_PREFIX, OWNER_FILE, readOwner, readPostmasterPid } from '../engines/embedded/embedded-folder.js'
import type { Finding } from './finding.js'
import { hasProcFs, isAlive, isRacebenchProcess, isServerOf, parentPidOf, runningServers } from './processes.js'
import { stopServer } from './stop-server.js'

/** Exactly what mkdtemp makes of the prefix: six random letters and digits. Nothing else is ours. */
const FOLDER_NAME = new RegExp(`^${EMBEDDED_DIR_PREFIX}[A-Za-z0-9]{6}$`)

/** A folder without owner.json younger than this may be one a run is creating right now: never touched. */
export const FRESH_FOLDER_MS = 60_000

export interface EmbeddedSurveyOptions {
  /** Where embedded runs make their folders: os.tmpdir(), as they do. */
  readonly root?: string
  readonly freshMs?: number
}

/**
 * Embedded servers' folders (and servers) on this machine, each judged: in use while its owner
 * (owner.json) is a running racebench; a leftover once the owner is gone. A folder without owner.json is
 * judged by its server's parent process, or, with no server, by its age. A server whose folder is
 * already gone is a leftover too.
 */
export function findEmbeddedLeftovers(options: EmbeddedSurveyOptions = {}): Finding[] {
  const root = options.root ?? tmpdir()
  const freshMs = options.freshMs ?? FRESH_FOLDER_MS
  const servers = runningServers().map((server) => ({ ...server, folder: folderOf(server.dataDir, root) }))
  const folders = foldersIn(root)
  const findings = folders.map((folder) =>
    judgeFolder(folder, servers.filter((server) => server.folder === folder).map((server) => server.pid), freshMs),
  )
  for (const server of servers) {
    if (server.folder !== undefined && !folders.includes(server.folder)) findings.push(strayServer(server.pid, server.folder, server.dataDir))
  }
  return findings
}

function judgeFolder(folder: string, scannedPids: readonly number[], freshMs: number): Finding {
  const found = (state: Finding['state'], detail: string, remove?: Finding['remove']): Finding => ({
    kind: 'embedded folder',
    name: folder,
    state,
    detail,
    remove,
  })
  const recorded = readPostmasterPid(folder)
  if (!hasProcFs() && recorded !== undefined && isAlive(recorded)) {
    return found('unsure', `its server PID ${recorded} may still be running, and without /proc racebench cannot check it is that folder's`)
  }
  const servers = [...new Set([...scannedPids, ...(recorded !== undefined && isServerOf(recorded, folder) ? [recorded] : [])])].filter(isAlive)
  const serverNote = servers.length > 0 ? `; its server PID ${servers.join(', ')} is still running` : ''

  const owner = readOwner(folder)
  if (owner) {
    if (isRacebenchProcess(owner.pid)) return found('in use', `owner racebench PID ${owner.pid} is running`)
    return found('leftover', `owner PID ${owner.pid} is gone${serverNote}`, () => removeFolder(folder, servers))
  }
  // No owner.json: a run creating the folder right now, or a racebench that did not write one.
  const liveParent = servers.map(parentPidOf).find((ppid) => ppid !== undefined && isRacebenchProcess(ppid))
  if (liveParent !== undefined) return found('in use', `no ${OWNER_FILE}, but its server's parent PID ${liveParent} is a running racebench`)
  const remove = () => removeFolder(folder, servers)
  if (servers.length > 0) return found('leftover', `no ${OWNER_FILE}, and the racebench that started its server is gone${serverNote}`, remove)
  const ageMs = ageOf(folder)
  if (ageMs < freshMs) return found('in use', `being created: no ${OWNER_FILE} yet, changed ${Math.round(ageMs / 1000)}s ago`)
  return found('leftover', `no ${OWNER_FILE} and no server, unchanged for ${Math.round(ageMs / 60_000)} min`, remove)
}

/** Stops the folder's servers, then removes it; refuses if a live racebench has claimed it since the survey. */
async function removeFolder(folder: string, servers: readonly number[]): Promise<string | undefined> {
  const owner = readOwner(folder)
  if (owner && isRacebenchProcess(owner.pid)) throw new Error(`racebench PID ${owner.pid} owns it now`)
  for (const pid of servers) await stopServer(pid, folder)
  try {
    await rm(folder, { recursive: true, force: true })
  } catch (error) {
    throw new Error(`cannot remove it: ${messageOf(error)}`, { cause: error })
  }
  return servers.length > 0 ? `stopped its server PID ${servers.join(', ')}` : undefined
}

function strayServer(pid: number, folder: string, dataDir: string): Finding {
  return {
    kind: 'embedded server',
    name: `PID ${pid}`,
    state: 'leftover',
    detail: `serves ${dataDir}, whose folder is gone`,
    remove: async () => {
      await stopServer(pid, folder)
      return undefined
    },
  }
}

/** Our folders directly under `root` (real folders only: a symlink is never followed). */
function foldersIn(root: string): string[] {
  try {
    return readdirSync(root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && FOLDER_NAME.test(entry.name))
      .map((entry) => join(root, entry.name))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return []
    throw new TargetError(`cannot list ${root} for embedded servers' folders: ${messageOf(error)}`, { cause: error })
  }
}

/** `<root>/racebench-pg-Ab12Cd/data` → `<root>/racebench-pg-Ab12Cd`; undefined for a server not of ours. */
function folderOf(dataDir: string, root: string): string | undefined {
  const path = relative(root, dataDir)
  const first = path.split(sep)[0] ?? ''
  return !isAbsolute(path) && FOLDER_NAME.test(first) ? join(root, first) : undefined
}

/**
 * Milliseconds since an entry was last added to the folder or to its cluster folder (initdb filling it).
 * Modification times only: a chmod or chown (done as root) says nothing about a run being under way.
 */
function ageOf(folder: string): number {
  const times = [folder, join(folder, DATA_DIR)].flatMap((path) => {
    try {
      return [statSync(path).mtimeMs]
    } catch {
      return []
    }
  })
  return Date.now() - Math.max(...times, 0)
}
