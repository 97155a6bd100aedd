import type { Session } from '../engines/session.js'

/**
 * The server's id of the connection behind `session`: PostgreSQL's backend pid, MySQL's and
 * MariaDB's connection (thread) id. These are the ids `blockersOf` answers with.
 */
export async function sessionIdOf(session: Session): Promise<number> {
  const sql = session.dialect === 'postgres' ? 'SELECT pg_backend_pid() AS id' : 'SELECT CONNECTION_ID() AS id'
  const { rows } = await session.query<{ id: number | string }>(sql)
  const id = Number(rows[0]?.id)
  if (!Number.isInteger(id)) throw new Error(`the server did not say which session this is (${sql})`)
  return id
}

/**
 * The server session ids that session `sessionId` is waiting for on a lock right now, `[]` when it
 * is not waiting. `probe` must be another connection: the waiting one cannot answer while it waits.
 * PostgreSQL asks the lock manager (`pg_blocking_pids`); InnoDB asks the lock-wait view of the
 * server's version: `performance_schema.data_lock_waits` on MySQL 8, `information_schema.INNODB_LOCK_WAITS`
 * on MariaDB (MySQL 8 removed that one; MariaDB never had the other). On MariaDB, whether the
 * session waits is asked of InnoDB itself, and for whom of the views, which are a cache: such a call
 * takes 120 to 200 ms (see CACHE_IDLE_MS and mariadbBlockers), one for a session not waiting 2 ms.
 */
export async function blockersOf(probe: Session, sessionId: number): Promise<number[]> {
  const view = probe.dialect === 'postgres' ? undefined : await innodbLockViewOf(probe)
  const sql = view === undefined ? POSTGRES_BLOCKERS : view === 'performance_schema' ? MYSQL8_BLOCKERS : MARIADB_BLOCKERS
  const read = () => probe.query<{ id: number | string }>(sql, [sessionId])
  if (view === 'information_schema') return (await mariadbBlockers(probe, [sessionId], read)).get(sessionId) ?? []
  const { rows } = await read()
  // Several locks may be held by the same session (and pg lists a pid once per lock): one each.
  return [...new Set(rows.map((row) => Number(row.id)))].sort((a, b) => a - b)
}

const POSTGRES_BLOCKERS = 'SELECT unnest(pg_blocking_pids($1::int)) AS id'

const MARIADB_BLOCKERS = `SELECT blocking.trx_mysql_thread_id AS id
  FROM information_schema.INNODB_LOCK_WAITS w
  JOIN information_schema.INNODB_TRX waiting ON waiting.trx_id = w.requesting_trx_id
  JOIN information_schema.INNODB_TRX blocking ON blocking.trx_id = w.blocking_trx_id
 WHERE waiting.trx_mysql_thread_id = $1`

const MYSQL8_BLOCKERS = `SELECT blocking.PROCESSLIST_ID AS id
  FROM performance_schema.data_lock_waits w
  JOIN performance_schema.threads waiting ON waiting.THREAD_ID = w.REQUESTING_THREAD_ID
  JOIN performance_schema.threads blocking ON blocking.THREAD_ID = w.BLOCKING_THREAD_ID
 WHERE waiting.PROCESSLIST_ID = $1`

type InnodbLockView = 'performance_schema' | 'information_schema'

/** Which lock-wait view a server has, asked once per probe connection (a probe talks to one server). */
const lockViews = new WeakMap<Session, Promise<InnodbLockView>>()

function innodbLockViewOf(probe: Session): Promise<InnodbLockView> {
  let view = lockViews.get(probe)
  if (!view) {
    view = probe
      .query<{ n: number | string }>(
        `SELECT COUNT(*) AS n FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'performance_schema' AND TABLE_NAME = 'data_lock_waits'`,
      )
      .then(({ rows }) => (Number(rows[0]?.n) > 0 ? 'performance_schema' : 'information_schema'))
    lockViews.set(probe, view)
    // A failed look-up is asked again next time rather than remembered.
    view.catch(() => lockViews.delete(probe))
  }
  return view
}

/**
 * InnoDB fills INNODB_TRX / INNODB_LOCK_WAITS from one server-wide cache that it refreshes only when
 * the previous read, by anyone, ended more than 100 ms ago (trx0i_s.cc, can_cache_be_updated): reads
 * polled faster than that keep seeing the snapshot taken before a wait began, or after it ended. So
 * every read in this process starts CACHE_IDLE_MS after the previous one ended, whichever probe made
 * it, plus a random CACHE_JITTER_MS so that another process polling too cannot keep it stale. The
 * cache is read only for a session InnoDB itself (SHOW ENGINE INNODB STATUS, never cached) says waits.
 */
const CACHE_IDLE_MS = 120
/** Up to this much more, at random: two processes polling in step would otherwise starve the cache for ever. */
const CACHE_JITTER_MS = 80
let lastReadEnd = -Infinity
let queue: Promise<unknown> = Promise.resolve()

/** Runs one read of InnoDB's lock views, spaced from every other such read of this process. */
function pacedRead<T>(read: () => Promise<T>): Promise<T> {
  const turn = queue.then(async () => {
    const wait = CACHE_IDLE_MS + Math.random() * CACHE_JITTER_MS - (performance.now() - lastReadEnd)
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait))
    try {
      return await read()
    } finally {
      lastReadEnd = performance.now()
    }
  })
  queue = turn.catch(() => {})
  return turn
}

/**
 * For each of `sessionIds`, the sessions it waits for right now (`[]` when none): one query per id
 * on PostgreSQL and MySQL 8, one paced look at InnoDB's lock views for all of them on MariaDB, so a
 * driver watching several waiting steps pays the pacing once, not once per step.
 */
export async function blockersOfEach(probe: Session, sessionIds: readonly number[]): Promise<Map<number, number[]>> {
  const answers = new Map<number, number[]>()
  if (probe.dialect === 'postgres' || (await innodbLockViewOf(probe)) === 'performance_schema' || sessionIds.length <= 1) {
    for (const id of sessionIds) answers.set(id, await blockersOf(probe, id))
    return answers
  }
  return mariadbBlockers(probe, sessionIds, () => probe.query<{ waiting: number | string; id: number | string }>(ALL_MARIADB_WAITS))
}

/** How many times the lock views are read for a wait they do not list yet (each read 120 to 200 ms apart). */
const VIEW_ATTEMPTS = 4

const ALL_MARIADB_WAITS = `SELECT waiting.trx_mysql_thread_id AS waiting, blocking.trx_mysql_thread_id AS id
  FROM information_schema.INNODB_LOCK_WAITS w
  JOIN information_schema.INNODB_TRX waiting ON waiting.trx_id = w.requesting_trx_id
  JOIN information_schema.INNODB_TRX blocking ON blocking.trx_id = w.blocking_trx_id`

/**
 * MariaDB: whether each session waits comes from InnoDB itself (SHOW ENGINE INNODB STATUS, fresh).
 * For whom: when exactly one other connection of the same database holds locks, that one (every
 * racebench run works in a database of its own). Otherwise the lock views say, filtered to that
 * database's connections; they are a cache that another client reading them more often than every
 * 100 ms keeps from refreshing, so when they still say nothing the answer is every connection of the
 * database that holds locks: a superset, but never a wait reported as none.
 */
async function mariadbBlockers(
  probe: Session,
  sessionIds: readonly number[],
  read: () => Promise<{ rows: { waiting?: number | string; id: number | string }[] }>,
): Promise<Map<number, number[]>> {
  const answers = new Map<number, number[]>(sessionIds.map((id) => [id, []]))
  const { waiting, holding } = await innodbTransactions(probe)
  const asked = sessionIds.filter((id) => waiting.has(id))
  if (asked.length === 0) return answers
  const { rows: connections } = await probe.query<{ id: number | string; db: string | null }>('SELECT ID AS id, DB AS db FROM information_schema.PROCESSLIST')
  const dbOf = new Map(connections.map((c) => [Number(c.id), c.db]))
  const sorted = (ids: Iterable<number>) => [...new Set(ids)].sort((a, b) => a - b)
  const neighbours = new Map(asked.map((id) => [id, sorted([...holding].filter((other) => other !== id && dbOf.get(other) === dbOf.get(id)))]))
  const unclear = asked.filter((id) => neighbours.get(id)!.length !== 1)
  const listed = (rows: { waiting?: number | string }[], id: number) => rows.some((row) => row.waiting === undefined || Number(row.waiting) === id)
  let views: { waiting?: number | string; id: number | string }[] = []
  // A cache taken before the wait began does not list it: read again (paced) a few times before giving up.
  for (let attempt = 0; attempt < VIEW_ATTEMPTS && unclear.some((id) => !listed(views, id)); attempt++) views = (await pacedRead(read)).rows
  for (const id of asked) {
    const near = neighbours.get(id)!
    if (near.length === 1) {
      answers.set(id, near)
      continue
    }
    // A one-session query has no `waiting` column: its rows are all for that session.
    const seen = sorted(views.filter((row) => row.waiting === undefined || Number(row.waiting) === id).map((row) => Number(row.id)))
    const seenNear = seen.filter((other) => near.includes(other))
    answers.set(id, seenNear.length > 0 ? seenNear : near.length === 0 && seen.length > 0 ? seen : near.length > 0 ? near : sorted([...holding].filter((other) => other !== id)))
  }
  return answers
}

/**
 * From SHOW ENGINE INNODB STATUS (fresh on every call, 2 ms, unlike the lock views): the connections
 * whose transaction is in LOCK WAIT, and those whose transaction holds locks. It does not say who
 * waits for whom.
 */
async function innodbTransactions(probe: Session): Promise<{ waiting: Set<number>; holding: Set<number> }> {
  const { rows } = await probe.query<{ Status?: string; status?: string }>('SHOW ENGINE INNODB STATUS')
  const status = rows[0]?.Status ?? rows[0]?.status ?? ''
  const waiting = new Set<number>()
  const holding = new Set<number>()
  for (const transaction of status.split('\n---TRANSACTION ').slice(1)) {
    const thread = /(?:MariaDB|MySQL) thread id (\d+)/.exec(transaction)
    if (!thread) continue
    if (/^LOCK WAIT /m.test(transaction)) waiting.add(Number(thread[1]))
    if (/^(?:LOCK WAIT )?[1-9]\d* lock struct\(s\)/m.test(transaction)) holding.add(Number(thread[1]))
  }
  return { waiting, holding }
}
