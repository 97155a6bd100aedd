import { readdirSync, readFileSync } from 'node:fs'
import { freemem, platform, totalmem } from 'node:os'
import { TargetError } from '../errors.js'
import type { ServerAddress } from './server-address.js'
import type { Session } from './session.js'

/**
 * How many connections a server will still accept from racebench's user, read before the run opens
 * any worker connection, so a run that cannot fit says so at once instead of failing mid-way with
 * "too many clients" after thousands of connects.
 */
export interface ConnectionCapacity {
  /** The server's connection limit (`max_connections`). */
  readonly max: number
  /** Slots this user may not take: PostgreSQL's superuser (and reserved) connections for a non-superuser. */
  readonly reserved: number
  /** Connections open now, not counting racebench's own setup connection. */
  readonly inUseByOthers: number
}

/** What a run opens: the setup connection (already open), one per worker, one per reader. */
export interface ConnectionsNeeded {
  readonly workers: number
  readonly readers: number
}

/**
 * PostgreSQL: max_connections, less superuser_reserved_connections (and reserved_connections, 16+)
 * unless the user is a superuser, less the client backends already connected. A user without
 * pg_read_all_stats sees other users' sessions with backend_type hidden (NULL): those in a database,
 * as a user, are counted as clients (an autovacuum or parallel worker among them errs on the safe side).
 */
export async function readPostgresCapacity(admin: Session): Promise<ConnectionCapacity> {
  const { rows } = await admin.query<{ max: number; superuser_reserved: number; reserved: number | null; superuser: boolean; in_use: number }>(
    `SELECT current_setting('max_connections')::int AS max,
            current_setting('superuser_reserved_connections')::int AS superuser_reserved,
            current_setting('reserved_connections', true)::int AS reserved,
            (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS superuser,
            (SELECT count(*) FROM pg_stat_activity
              WHERE backend_type = 'client backend' OR (backend_type IS NULL AND datid IS NOT NULL AND usesysid IS NOT NULL))::int AS in_use`,
  )
  const row = rows[0]
  if (!row) throw new Error('the server returned no connection settings')
  return {
    max: row.max,
    // A member of pg_use_reserved_connections (16+) could take reserved_connections too; counting them
    // as unavailable errs on the side of a clear refusal over a failure mid-way.
    reserved: row.superuser ? 0 : row.superuser_reserved + (row.reserved ?? 0),
    inUseByOthers: Math.max(0, row.in_use - 1),
  }
}

/**
 * MySQL and MariaDB: @@max_connections less Threads_connected. The one extra connection they keep
 * for administrators (and MariaDB's extra_max_connections on its extra port) is not for a workload.
 */
export async function readMysqlCapacity(admin: Session): Promise<ConnectionCapacity> {
  const settings = await admin.query<{ max: number }>('SELECT @@max_connections AS max')
  const status = await admin.query<{ Value: string }>("SHOW GLOBAL STATUS LIKE 'Threads_connected'")
  const connected = Number(status.rows[0]?.Value ?? 1)
  return { max: Number(settings.rows[0]?.max), reserved: 0, inUseByOthers: Math.max(0, connected - 1) }
}

/** How many connections the run may open in all, its setup connection included. */
export function connectionsAllowed(capacity: ConnectionCapacity): number {
  return Math.max(0, capacity.max - capacity.reserved - capacity.inUseByOthers)
}

/**
 * Throws a TargetError (exit 3) with one line saying what the run needs, what the server allows and
 * what to change, when the run's connections do not fit. Called before the namespace is created.
 */
export function assertRunFits(capacity: ConnectionCapacity, needed: ConnectionsNeeded, where: ServerAddress): void {
  const total = needed.workers + needed.readers + 1
  const allowed = connectionsAllowed(capacity)
  if (total <= allowed) return
  const parts = [`${count(needed.workers)} workers`, ...(needed.readers > 0 ? [`${count(needed.readers)} readers`] : []), '1 setup']
  const limits = [
    `max_connections ${count(capacity.max)}`,
    ...(capacity.reserved > 0 ? [`${count(capacity.reserved)} reserved for superusers`] : []),
    `${count(capacity.inUseByOthers)} in use by others`,
  ]
  throw new TargetError(
    `the run needs ${count(total)} connections (${parts.join(', ')}) but ${where.label} allows ${count(allowed)} ` +
      `(${limits.join(', ')}): lower --workers or raise max_connections`,
  )
}

/**
 * Memory of one connection to the embedded server: 1.3 MiB measured per idle backend (PSS, PostgreSQL
 * 18, 2,000 and 5,000 connections; bench/README.md), rounded up for what a query needs while it runs.
 */
const EMBEDDED_MIB_PER_CONNECTION = 2
/** The server's own share (shared_buffers 128 MiB and the rest), whatever the connections. */
const EMBEDDED_BASE_MIB = 256
const MIB = 2 ** 20

/**
 * The embedded server forks one backend per connection, so a run sized past the machine's memory
 * would end in the kernel's out-of-memory killer, which may pick any process. Refuse it first, with
 * the numbers. Linux reports the memory available (MemAvailable); elsewhere "free" leaves out the
 * cache, so the total is the bound there.
 */
export function assertEmbeddedFits(connections: number, availableBytes = platform() === 'linux' ? freemem() : totalmem()): void {
  const neededMib = EMBEDDED_BASE_MIB + connections * EMBEDDED_MIB_PER_CONNECTION
  if (neededMib * MIB <= availableBytes) return
  throw new TargetError(
    `the embedded PostgreSQL would need about ${gib(neededMib * MIB)} of memory for ${count(connections)} connections ` +
      `(a process of about ${EMBEDDED_MIB_PER_CONNECTION} MiB each) and this machine has ${gib(availableBytes)} available: ` +
      'lower --workers, or pass --db with a server sized for the run',
  )
}

/** Files the process keeps besides the run's sockets: its own, the driver's, a history file, a margin. */
const SPARE_FILES = 64

/**
 * Every connection is a socket, and a socket is a file descriptor: a run past `ulimit -n` would fail
 * mid-way with `connect EMFILE`. Node raises its soft limit to the hard limit at start, so what is
 * left is the hard limit; say so before opening anything. Linux only (/proc): elsewhere nothing is checked.
 */
export function assertOpenFilesAllow(sockets: number, limits = openFileLimits()): void {
  if (!limits || sockets + SPARE_FILES <= limits.max - limits.open) return
  throw new TargetError(
    `the run needs ${count(sockets)} connections but this process may open only ${count(Math.max(0, limits.max - limits.open - SPARE_FILES))} more ` +
      `(ulimit -n is ${count(limits.max)}): lower --workers or raise the limit (ulimit -n ${Math.ceil((sockets + limits.open + SPARE_FILES) / 1000) * 1000})`,
  )
}

/** The process's open-file limit and how many files it has open, or null where /proc is missing. */
function openFileLimits(): { max: number; open: number } | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8').split('\n').find((l) => l.startsWith('Max open files'))
    const max = Number(line?.split(/\s{2,}/)[1])
    return Number.isFinite(max) ? { max, open: readdirSync('/proc/self/fd').length } : null
  } catch {
    return null
  }
}

function gib(bytes: number): string {
  return `${(bytes / 2 ** 30).toFixed(1)} GiB`
}

/** 2001 → `2,001`: the way the README and messages write counts. */
function count(value: number): string {
  return value.toLocaleString('en-US')
}
