import { spawn, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { once } from 'node:events'
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import pg from 'pg'
import { EMBEDDED_DIR_PREFIX, writeOwner } from '../../src/engines/embedded/embedded-folder.js'
import { MYSQL_URL, PG_URL } from './services.js'

/**
 * Fixtures for `racebench clean`: leftovers made by hand, kept apart from everything else on the machine
 * (a private folder for embedded runs, a private PostgreSQL database, a MySQL user who sees only the test's
 * databases), so cleaning them can never touch a concurrently running test's, or anyone's, run.
 */

/** A slug unique to this test run: its namespaces are `racebench_<slug>_<8 hex>`. */
export function testSlug(): string {
  return `cleantest${randomBytes(3).toString('hex')}`
}

/** A namespace named exactly as a run's. */
export function runNamespace(slug: string): string {
  return `racebench_${slug}_${randomBytes(4).toString('hex')}`
}

/** The PID of a process that has exited (and been reaped). */
export async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''], { stdio: 'ignore' })
  await once(child, 'exit')
  return child.pid ?? 0
}

/** A private stand-in for os.tmpdir(), where fake embedded folders are made. */
export class EmbeddedRoot {
  private made: string | undefined
  private readonly children: ChildProcess[] = []

  /** Made on first use: a suite that is skipped (and so never disposes) leaves nothing behind. */
  get root(): string {
    this.made ??= mkdtempSync(join(tmpdir(), 'clean-test-'))
    return this.made
  }

  /** A folder as an embedded run makes it, with owner.json when `owner` is given, last changed `ageMs` ago. */
  folder(options: { owner?: number; ageMs?: number } = {}): string {
    const dir = mkdtempSync(join(this.root, EMBEDDED_DIR_PREFIX))
    mkdirSync(join(dir, 'data'))
    if (options.owner !== undefined) writeOwner(dir, { pid: options.owner, port: 1, startedAt: new Date().toISOString() })
    if (options.ageMs !== undefined) {
      const then = new Date(Date.now() - options.ageMs)
      for (const path of [join(dir, 'data'), dir]) utimesSync(path, then, then)
    }
    return dir
  }

  /**
   * A process that looks like an embedded server of `dataDir` (`…/postgres … -D <dataDir>`) without being
   * one: Node under the name `postgres`. `ignoreSigint` makes it sit out a fast shutdown.
   */
  async fakeServer(dataDir: string, options: { ignoreSigint?: boolean } = {}): Promise<ChildProcess> {
    const bin = join(this.root, 'bin', 'postgres')
    mkdirSync(join(this.root, 'bin'), { recursive: true })
    try {
      symlinkSync(process.execPath, bin)
    } catch {
      // made by an earlier call
    }
    const code = `${options.ignoreSigint ? 'process.on("SIGINT", () => {});' : ''} setInterval(() => {}, 1000); console.log("ready")`
    const child = spawn(bin, ['-e', code, '--', '-D', dataDir], { stdio: ['ignore', 'pipe', 'ignore'] })
    this.children.push(child)
    await once(child.stdout!, 'data')
    return child
  }

  dispose(): void {
    for (const child of this.children) child.kill('SIGKILL')
    if (this.made) rmSync(this.made, { recursive: true, force: true })
  }
}

/** Whether a child process has exited (or was killed). */
export function hasExited(child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves once the child has exited. */
export async function exitOf(child: ChildProcess): Promise<void> {
  if (!hasExited(child)) await once(child, 'exit')
}

/** A SQL server prepared for `clean --db`: namespaces made by hand, seen only through `url`. */
export interface NamespaceFixture {
  /** What `clean` is given: a user who sees (and may drop) only what `create` made, and sees every connection. */
  readonly url: string
  /** Creates a namespace with one table; `droppable: false` leaves `url`'s user unable to drop it. */
  create(name: string, options?: { droppable?: boolean }): Promise<void>
  exists(name: string): Promise<boolean>
  /** Opens a connection as a live run of `namespace` would; resolves to its closer. */
  connectAsRun(namespace: string): Promise<() => Promise<void>>
  /** Runs a statement as the server's administrator. */
  admin(sql: string): Promise<unknown[]>
  dispose(): Promise<void>
}

/** A private database (schemas belong to one database) and a role that owns only the droppable schemas. */
export async function postgresFixture(slug: string): Promise<NamespaceFixture> {
  const name = `${slug}_db`
  const onServer = (sql: string) => runPg(PG_URL, sql)
  await onServer(`CREATE ROLE ${slug} LOGIN`)
  await onServer(`CREATE DATABASE ${name}`)
  const url = (user: string) => {
    const parsed = new URL(PG_URL)
    parsed.username = user
    parsed.pathname = `/${name}`
    return parsed.toString()
  }
  const inDatabase = (sql: string) => runPg(url('postgres'), sql)
  return {
    url: url(slug),
    async create(namespace, { droppable = true } = {}) {
      await inDatabase(`CREATE SCHEMA "${namespace}" AUTHORIZATION ${droppable ? slug : 'postgres'}; CREATE TABLE "${namespace}".t (id int)`)
    },
    exists: async (namespace) => (await inDatabase(`SELECT 1 FROM pg_namespace WHERE nspname = '${namespace}'`)).length > 0,
    async connectAsRun(namespace) {
      const client = new pg.Client({ connectionString: url('postgres'), application_name: `racebench worker ${namespace}` })
      await client.connect()
      return () => client.end()
    },
    admin: inDatabase,
    async dispose() {
      await onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)
      await onServer(`DROP ROLE IF EXISTS ${slug}`)
    },
  }
}

/** Databases the test makes, and a user with PROCESS who has privileges on those alone (so sees no other). */
export async function mysqlFixture(slug: string): Promise<NamespaceFixture> {
  const user = `'${slug}'@'%'`
  const created: string[] = []
  await runMysql(`CREATE USER ${user}`)
  await runMysql(`GRANT PROCESS ON *.* TO ${user}`)
  const url = new URL(MYSQL_URL)
  url.username = slug
  url.password = ''
  url.pathname = '/'
  return {
    url: url.toString(),
    async create(namespace, { droppable = true } = {}) {
      created.push(namespace)
      await runMysql(`CREATE DATABASE \`${namespace}\``)
      await runMysql(`CREATE TABLE \`${namespace}\`.t (id int)`)
      // `_` is a wildcard in a grant's database name: escape it to grant this database alone.
      await runMysql(`GRANT ${droppable ? 'ALL PRIVILEGES' : 'SELECT'} ON \`${namespace.replace(/_/g, '\\_')}\`.* TO ${user}`)
    },
    exists: async (namespace) => (await runMysql(`SHOW DATABASES LIKE '${namespace.replace(/_/g, '\\_')}'`)).length > 0,
    async connectAsRun(namespace) {
      const connection = await mysql.createConnection({ uri: MYSQL_URL, database: namespace, connectAttributes: { program_name: `racebench ${namespace}` } })
      return () => connection.end()
    },
    admin: runMysql,
    async dispose() {
      for (const namespace of created) await runMysql(`DROP DATABASE IF EXISTS \`${namespace}\``)
      await runMysql(`DROP USER IF EXISTS ${user}`)
    },
  }
}

async function runPg(url: string, sql: string): Promise<unknown[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    const result = await client.query(sql)
    return Array.isArray(result) ? [] : result.rows
  } finally {
    await client.end()
  }
}

async function runMysql(sql: string): Promise<unknown[]> {
  const connection = await mysql.createConnection({ uri: MYSQL_URL })
  try {
    return (await connection.query(sql))[0] as unknown[]
  } finally {
    await connection.end()
  }
}
