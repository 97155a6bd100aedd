import { defineScenario, type PrepareContext, type StrategyContext, safeWhenMissingRowsGuarded, type StrategyOutcome, classifyError, acknowledgedVerdict, type Session, plural, wholeNumberIn } from '../src/scenario/building-blocks.js'

const params = { bots: 3, symbols: 4, sides: 2 }
type P = typeof params
type Side = 'long' | 'short'
type PositionKey = { readonly bot: number; readonly market: number; readonly side: Side }
type Ctx = StrategyContext<P, PositionKey>
type Step = (ctx: Ctx) => Promise<StrategyOutcome>

/** The schema lists ten symbols (BTCUSDT, ETHUSDT, …); a bot trades the first `symbols` of them. */
const LISTED_SYMBOLS = 10
const SIDES: readonly Side[] = ['long', 'short']

/**
 * What a job answers when the position turns out to be open already, whether its check found it or
 * its insert was refused: `rejected`, "one open position per key" said no to a second one. The job's
 * goal (an open position exists) is met, but `ok` is kept for "this job opened it": then `ok` counts
 * the positions opened, `ok` above the number of keys shows the duplicates at a glance, and the
 * invariant "open positions = positions opened" holds every strategy to its word.
 */
const ALREADY_OPEN = 'rejected'

/**
 * Where a job that finds no position is stopped from opening a second one without a unique key:
 * - PostgreSQL has nothing to lock when the row does not exist. `SELECT … FOR UPDATE` locks no row, and
 *   the `NOT EXISTS` of a conditional insert reads its statement's snapshot, which cannot see the other
 *   job's uncommitted insert. Measured, 16 workers on one key: `pessimistic` opens 16 positions;
 *   `conditional-insert` races in 20 runs of 20 at READ COMMITTED (18 of 20 before both jobs shared
 *   one fetch of fills: see fetchFills) and opens 16 at REPEATABLE READ, whose snapshot predates the
 *   pause. Only SERIALIZABLE, whose predicate locks see the jobs cross, stops it.
 * - InnoDB locks the gap where the row would go (a next-key lock) at REPEATABLE READ and above, for
 *   `FOR UPDATE` and for the rows an `INSERT … SELECT` reads. Both jobs get the gap (gap locks do not
 *   conflict), each insert then waits on the other job's gap lock, and InnoDB kills one as a deadlock
 *   (1213; for `INSERT … SELECT`, which also holds the table's AUTO-INC lock, MariaDB reports it as
 *   error 1467, "Failed to read auto-increment value"). At READ COMMITTED InnoDB takes no gap locks,
 *   and the race is back (measured: 16 positions from `pessimistic`, races in 20 runs of 20 from
 *   `conditional-insert`).
 */
const safeWhereTheMissingRowIsGuarded = safeWhenMissingRowsGuarded

const FIND_OPEN = `SELECT id FROM positions WHERE bot_id = $1 AND market_id = $2 AND side = $3 AND status = 'open' LIMIT 1`
const OPEN = `INSERT INTO positions (bot_id, market_id, side, opened_by) VALUES ($1, $2, $3, $4)`
// One statement checks and inserts; without a unique key, whether that is atomic is up to the engine.
const OPEN_IF_NONE = `INSERT INTO positions (bot_id, market_id, side, opened_by) SELECT $1, $2, $3, $4
  WHERE NOT EXISTS (SELECT 1 FROM positions WHERE bot_id = $1 AND market_id = $2 AND side = $3 AND status = 'open')`
/** The key of open positions: unique per (bot, symbol, side) among open ones, so a bot reopens its closed ones. */
const OPEN_KEY = { table: 'positions', index: 'positions_one_open', columns: ['bot_id', 'market_id', 'side'], where: `status = 'open'` } as const
const OPENED_BY_ME = `SELECT id FROM positions WHERE bot_id = $1 AND market_id = $2 AND side = $3 AND status = 'open' AND opened_by = $4`

/** Which job this worker plays: the two that open positions, half the workers each. */
function job(worker: number): string {
  return worker % 2 === 0 ? 'exchange-sync' : 'order-monitor'
}

/** The key and who opens it, as the statements above take them; `opened_by` is unique per operation. */
function newPosition({ key, worker, iteration }: Ctx): [number, number, Side, string] {
  return [key.bot, key.market, key.side, `${job(worker)}:${worker}:${iteration}`]
}

async function positionOpen(ctx: Ctx, sql = FIND_OPEN): Promise<boolean> {
  return (await ctx.db.query(sql, [ctx.key.bot, ctx.key.market, ctx.key.side])).rowCount > 0
}

async function insertPosition(ctx: Ctx): Promise<StrategyOutcome> {
  await ctx.db.query(OPEN, newPosition(ctx))
  return 'ok'
}

async function insertUnlessOpen(ctx: Ctx): Promise<StrategyOutcome> {
  return (await ctx.db.query(OPEN_IF_NONE, newPosition(ctx))).rowCount === 1 ? 'ok' : ALREADY_OPEN
}

async function upsertPosition(ctx: Ctx): Promise<StrategyOutcome> {
  const { rowCount } = await ctx.db.query(ctx.engine.upsertKeepingExisting(OPEN, { ...OPEN_KEY, idColumn: 'id' }), newPosition(ctx))
  if (!ctx.engine.countsMatchedRows) return rowCount === 1 ? 'ok' : ALREADY_OPEN
  // mysql2 connects with CLIENT_FOUND_ROWS, so a row "updated" to itself counts as affected: 1 row
  // whether this job inserted or the other job's position was there (measured). Only a look tells.
  return (await ctx.db.query(OPENED_BY_ME, newPosition(ctx))).rowCount === 1 ? 'ok' : ALREADY_OPEN
}

/** The unique key refused a second open position: the other job opened it first, not a failure. */
function alreadyOpenOnDuplicate(open: Step): Step {
  return async (ctx) => {
    try {
      return await open(ctx)
    } catch (error) {
      if (classifyError(error) === 'unique') return ALREADY_OPEN
      throw error
    }
  }
}

/** Fetches of fills in flight, by run and position key, and which job sent each: see fetchFills. */
const fetchesInFlight = new Map<string, { readonly done: Promise<void>; readonly by: string }>()

/** Noted when a job got its fills from a fetch another job had already sent. */
const SHARED_FETCH = 'fills fetch shared'

/** `exchange-sync 2`: the job a worker plays, and which worker. */
function jobOf({ worker }: Ctx): string {
  return `${job(worker)} ${worker}`
}

/**
 * Fetches the position's fills from the exchange: the pause, `--think`. A fill wakes both jobs, and
 * both ask the exchange about it: the platform's exchange client sends one request for the two and
 * hands both the answer (concurrent requests for the same fills share one fetch, as a request
 * coalescer does), so the two jobs go on to open the position at the same moment, as they did in
 * the incident ("both ran at once"). That moment is what a one-statement check-and-insert needs to
 * race: when each job paused on its own clock, in 2 % of default runs on PostgreSQL (10 of 500) no
 * two of their conditional INSERTs ran close enough together, and the run held; with the shared
 * fetch, none of 500 did (bench/README.md, "Race rates").
 */
async function fetchFills(ctx: Ctx): Promise<void> {
  const { bot, market, side } = ctx.key
  const key = `${ctx.runId}:${bot}:${market}:${side}`
  const inFlight = fetchesInFlight.get(key)
  if (inFlight) {
    ctx.note(SHARED_FETCH, `${jobOf(ctx)} got the fills of bot ${bot}'s ${side} position in market ${market} from ${inFlight.by}'s fetch`)
    return inFlight.done
  }
  const done = ctx.think().finally(() => fetchesInFlight.delete(key))
  fetchesInFlight.set(key, { done, by: jobOf(ctx) })
  await done
}

/**
 * What both jobs do, whatever the strategy: look for the open position, and if there is none, fetch
 * its fills from the exchange (the pause) and open it. Every strategy does this same work, so
 * `compare` weighs only how each one opens the position.
 */
function checkThenOpen(open: Step, find = FIND_OPEN): Step {
  return async (ctx) => {
    if (await positionOpen(ctx, find)) return ALREADY_OPEN
    await fetchFills(ctx)
    return open(ctx)
  }
}

/** At most one open position per (bot, symbol, side), and only open ones: a bot reopens its closed ones. */
async function addOpenPositionKey({ db, engine }: PrepareContext<P>): Promise<void> {
  await db.query(engine.uniqueWhere(OPEN_KEY))
}

async function countOpen(db: Session): Promise<number> {
  const { rows } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM positions WHERE status = 'open'`)
  return rows[0]?.n ?? 0
}

export default defineScenario({
  name: 'position-sync',
  summary: 'Two jobs open the trading position for (bot, symbol, side) when they find none open: check-then-insert.',
  story:
    'A trading platform kept one open position per bot, symbol and side. Two jobs created it when missing: the ' +
    'periodic exchange sync and the order monitor. When a fill arrived, both ran at once, both found no open ' +
    'position, and both inserted one: the bot held the same position twice, and its exposure and PnL were counted ' +
    'double. A SELECT … FOR UPDATE did not help on PostgreSQL, since a row that does not exist yet cannot be ' +
    'locked; what does help is a unique key over open positions.',
  schema: 'position-sync.sql',
  params,
  validate: (p) => [
    ...wholeNumberIn('bots', p.bots, 1, 1_000),
    ...wholeNumberIn('symbols', p.symbols, 1, LISTED_SYMBOLS),
    ...wholeNumberIn('sides', p.sides, 1, SIDES.length, ' (2: long and short, 1: long only)'),
  ],
  pickKey: (rng, p): PositionKey => ({ bot: 1 + rng.int(p.bots), market: 1 + rng.int(p.symbols), side: SIDES[rng.int(p.sides)] ?? 'long' }),
  // `bot 1 market 2 long`; a partial key shows only what it names (`bot 1`, `bot 1 short`).
  showKey: ({ bot, market, side }) => [bot === undefined ? '' : `bot ${bot}`, market === undefined ? '' : `market ${market}`, side ?? ''].filter(Boolean).join(' '),

  strategies: {
    none: {
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: 'SELECT the open position, pause, INSERT one if none: separate statements, so both jobs may pass the check.',
      // Under SERIALIZABLE the engine catches the crossing itself: SSI on PostgreSQL, shared next-key
      // locks and a deadlock on InnoDB (measured, 16 workers on one key: one position, 15 conflicts).
      expect: ({ isolation, oneTransaction }) => (oneTransaction && isolation === 'serializable' ? 'safe' : 'unsafe'),
      run: checkThenOpen(insertPosition),
    },
    pessimistic: {
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: 'In a transaction, SELECT … FOR UPDATE the open position, pause, INSERT: a missing row locks nothing on PostgreSQL, a gap on InnoDB.',
      expect: safeWhereTheMissingRowIsGuarded,
      ownsTransaction: true,
      run: (ctx) =>
        ctx.transaction(async () => {
          if (await ctx.lockWait(() => positionOpen(ctx, `${FIND_OPEN} FOR UPDATE`))) return ALREADY_OPEN
          await fetchFills(ctx)
          return insertPosition(ctx)
        }),
    },
    'unique-catch': {
      summary: 'A unique key on open positions; check, pause, INSERT, and a duplicate-key error means "already open".',
      expect: 'safe',
      prepare: addOpenPositionKey,
      run: checkThenOpen(alreadyOpenOnDuplicate(insertPosition)),
    },
    upsert: {
      summary: 'A unique key on open positions; check, pause, INSERT … ON CONFLICT DO NOTHING (ON DUPLICATE KEY UPDATE id = id).',
      expect: 'safe',
      prepare: addOpenPositionKey,
      run: checkThenOpen(upsertPosition),
    },
    'conditional-insert': {
      // Its guard is a lock alone (the racing transactions write no common row): one node's only on Galera.
      serverLocks: true,
      summary: 'Check, pause, INSERT … SELECT … WHERE NOT EXISTS an open position: one statement, but no unique key.',
      expect: safeWhereTheMissingRowIsGuarded,
      run: checkThenOpen(insertUnlessOpen),
    },
    'conditional-insert-unique': {
      summary: 'The same conditional INSERT over a unique key on open positions; a duplicate-key error means "already open".',
      expect: 'safe',
      prepare: addOpenPositionKey,
      run: checkThenOpen(alreadyOpenOnDuplicate(insertUnlessOpen)),
    },
  },

  invariants: {
    'at most one open position': async ({ db }) => {
      const { rows } = await db.query<{ bot_id: number; market_id: number; side: Side; symbol: string; n: number }>(
        `SELECT p.bot_id, p.market_id, p.side, m.symbol, count(*) AS n FROM positions p JOIN markets m ON m.id = p.market_id
         WHERE p.status = 'open' GROUP BY p.bot_id, p.market_id, p.side, m.symbol HAVING count(*) > 1 ORDER BY n DESC, p.bot_id, m.symbol, p.side`,
      )
      if (rows.length === 0) {
        const open = await countOpen(db)
        return { held: true, detail: `${plural(open, 'open position')}, none twice for the same bot, symbol and side` }
      }
      const worst = rows.slice(0, 3).map((r) => `bot ${r.bot_id} holds ${r.n} open ${r.side} ${r.symbol} positions`)
      const more = rows.length > 3 ? ` (${rows.length} positions opened more than once in all)` : ''
      const broken = rows.map((r) => ({ key: { bot: r.bot_id, market: r.market_id, side: r.side }, detail: `${r.n} open ${r.symbol} positions` }))
      return { held: false, detail: worst.join('; ') + more, broken }
    },
    'open positions = positions opened': async ({ db, outcomes }) => {
      return acknowledgedVerdict(await countOpen(db), outcomes, { found: 'open positions', lost: 'acknowledged positions missing' })
    },
  },
})
