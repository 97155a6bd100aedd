import type { Rng } from '../runner/rng.js'
import type { Session } from '../engines/session.js'

/** MySQL/MariaDB ER_NO_SUCH_THREAD: the connection went away between the listing and the KILL. */
const NO_SUCH_THREAD = 1094

/**
 * Kills `share` (0–1] of the run's worker connections, ceil(share × count) of them, picked with the
 * seeded `rng` from the candidates in id order (so a seed picks the same positions again). Never the
 * caller's own connection. PostgreSQL: backends whose application_name is `racebench worker <namespace>`,
 * through pg_terminate_backend. MySQL/MariaDB: connections whose current database is the namespace
 * (every connection of the run but the setup one: workers, and readers if any), through KILL CONNECTION.
 * A connection that ended meanwhile is not an error; it just does not count as killed.
 */
export async function killWorkerConnections(admin: Session, namespace: string, share: number, rng: Rng): Promise<{ killed: number; of: number }> {
  if (!(share > 0 && share <= 1)) throw new RangeError(`share must be in (0, 1], not ${share}`)
  const ids = admin.dialect === 'postgres' ? await postgresWorkers(admin, namespace) : await mysqlWorkers(admin, namespace)
  const chosen = pick(ids, Math.ceil(share * ids.length), rng)
  let killed = 0
  for (const id of chosen) {
    if (admin.dialect === 'postgres' ? await terminatePostgres(admin, id) : await killMysql(admin, id)) killed++
  }
  return { killed, of: ids.length }
}

async function postgresWorkers(admin: Session, namespace: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid() ORDER BY pid',
    [`racebench worker ${namespace}`],
  )
  return rows.map((row) => Number(row.pid))
}

/** False (with a server WARNING, not an error) when the backend is already gone. */
async function terminatePostgres(admin: Session, pid: number): Promise<boolean> {
  const { rows } = await admin.query<{ done: boolean }>('SELECT pg_terminate_backend($1) AS done', [pid])
  return rows[0]?.done === true
}

async function mysqlWorkers(admin: Session, namespace: string): Promise<number[]> {
  const { rows } = await admin.query<{ id: number | string }>(
    'SELECT id FROM information_schema.processlist WHERE db = $1 AND id <> CONNECTION_ID() ORDER BY id',
    [namespace],
  )
  return rows.map((row) => Number(row.id))
}

async function killMysql(admin: Session, id: number): Promise<boolean> {
  try {
    // KILL takes no placeholder; the id is a number read from the server, never user input.
    await admin.query(`KILL CONNECTION ${Math.trunc(id)}`)
    return true
  } catch (error) {
    if ((error as { errno?: unknown }).errno === NO_SUCH_THREAD) return false
    throw error
  }
}

/** `count` of `items`, drawn without replacement by a partial Fisher–Yates shuffle. */
function pick<T>(items: readonly T[], count: number, rng: Rng): T[] {
  const pool = [...items]
  const n = Math.min(count, pool.length)
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(pool.length - i)
    ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
  }
  return pool.slice(0, n)
}
