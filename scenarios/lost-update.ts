import { defineScenario, Conflict, type StrategyContext, safeWhenStaleWritesFail, withRedisLock, safeUnlessHolderStalls, withRedlock, compareWithAcknowledged, type Session, plural, wholeNumberIn } from '../src/scenario/building-blocks.js'

const params = { products: 10, stock: 100 }
type Ctx = StrategyContext<typeof params, number>
type Product = { readonly stock: number; readonly version: number }
type ProductRow = Product & { readonly id: number }

/**
 * Read, compute, write back loses a decrement whenever another one lands between the read and the
 * write, unless the engine refuses to write over a row that changed since the read. Inside one
 * transaction (--isolation) the engines differ at REPEATABLE READ: PostgreSQL refuses (first updater
 * wins: the late UPDATE fails with a serialization error, a conflict), while InnoDB's UPDATE writes
 * over the newer row with the stock computed from its stale snapshot (measured, 16 workers on one
 * product: 148 of 160 decrements lost on MariaDB 10.11; 0 lost and 148 conflicts on PostgreSQL 15).
 * At SERIALIZABLE both refuse: PostgreSQL with a serialization error, InnoDB with a deadlock, since
 * its reads take shared locks that both writers then wait on.
 * MariaDB's innodb_snapshot_isolation (off in 10.11, on by default since 11.6.2) makes InnoDB refuse
 * too, with error 1020 (measured with it on: 0 lost, 149 conflicts), which an expectation that knows
 * only the dialect and the level cannot tell.
 */
const unsafeUnlessStaleWritesFail = safeWhenStaleWritesFail

const READ = 'SELECT stock, version FROM products WHERE id = $1'
const WRITE_BACK = 'UPDATE products SET stock = $2, version = version + 1 WHERE id = $1'
// The PUT with If-Match: 0 rows means the version moved since the read (the shop's 409).
const COMPARE_AND_SET = 'UPDATE products SET stock = $2, version = version + 1 WHERE id = $1 AND version = $3'
const DECREMENT = 'UPDATE products SET stock = stock - 1, version = version + 1 WHERE id = $1 AND stock > 0'

async function readProduct({ db, key }: Ctx, lock = ''): Promise<Product> {
  const { rows } = await db.query<Product>(READ + lock, [key])
  const product = rows[0]
  if (!product) throw new Error(`product ${key} does not exist`)
  return product
}

async function writeBack({ db, key }: Ctx, product: Product): Promise<void> {
  await db.query(WRITE_BACK, [key, product.stock - 1])
}

/** The PUT with If-Match, alone in a transaction so that --isolation applies to it. */
async function compareAndSet(ctx: Ctx, product: Product): Promise<void> {
  const { db, key } = ctx
  const written = await ctx.transaction(() => db.query(COMPARE_AND_SET, [key, product.stock - 1, product.version]))
  if (written.rowCount === 0) throw new Conflict(`product ${key} changed since version ${product.version} was read`)
}

/**
 * The handler every read-then-write strategy builds on: out of stock is a refusal; otherwise pause
 * (the client computing its PUT), then write back one less than was read.
 */
async function sellOne(ctx: Ctx, product: Product, write = writeBack): Promise<'ok' | 'rejected'> {
  if (product.stock <= 0) return 'rejected'
  await ctx.think()
  await write(ctx, product)
  return 'ok'
}

async function readProducts(db: Session): Promise<ProductRow[]> {
  return (await db.query<ProductRow>('SELECT id, stock, version FROM products ORDER BY id')).rows
}

/**
 * `product 3: stock 20, expected 13 (7 decrements lost)`. An expected stock below zero means the lost
 * decrements also hid an oversell: the shop sold units it never had.
 */
function lossOf(product: ProductRow & { readonly lost: number }, initialStock: number): string {
  const expected = initialStock - product.version
  const oversold = expected < 0 ? `, ${plural(-expected, 'unit')} sold that did not exist` : ''
  return `product ${product.id}: stock ${product.stock}, expected ${expected} (${plural(product.lost, 'decrement')} lost${oversold})`
}

export default defineScenario({
  name: 'lost-update',
  summary: "Clients decrement a product's stock: read it, compute one less, write it back (read-modify-write).",
  story:
    "A shop's checkout read a product, computed the stock minus one and sent PUT /products/{id} with the new stock. " +
    'Two checkouts that read the same stock both wrote the same value back, one sale vanished from the stock, and ' +
    'the shop sold items it did not have. The version column was there, but only a PUT that compares it (and answers ' +
    '409 on a stale one) uses it; an atomic UPDATE, a row lock, serializable isolation or a lock around the whole ' +
    'read-modify-write also keep every decrement.',
  schema: 'lost-update.sql',
  params,
  // 10,000 products is as far as the MySQL seed counts.
  validate: (p) => [...wholeNumberIn('products', p.products, 1, 10_000), ...wholeNumberIn('stock', p.stock, 0, 1_000_000)],
  pickKey: (rng, p) => 1 + rng.int(p.products),
  showKey: (id) => `product ${id}`,

  strategies: {
    none: {
      summary: 'SELECT the stock, pause, UPDATE it to what was read minus one: a decrement landing in between is lost.',
      expect: unsafeUnlessStaleWritesFail,
      run: async (ctx) => sellOne(ctx, await readProduct(ctx)),
    },
    atomic: {
      summary: 'One statement, UPDATE … SET stock = stock - 1 WHERE id = $1 AND stock > 0: 0 rows means out of stock.',
      expect: 'safe',
      // Nothing is read before the write, so there is no window for --think to widen. Inside a
      // REPEATABLE READ transaction PostgreSQL still refuses an UPDATE of a row changed since the
      // snapshot (a conflict); InnoDB applies it to the newest row. On a Galera cluster two nodes'
      // decrements of one row meet at commit, and the later is refused (1213): retried, it applies.
      run: (ctx) => ctx.retry(async () => ((await ctx.db.query(DECREMENT, [ctx.key])).rowCount === 0 ? 'rejected' : 'ok')),
    },
    pessimistic: {
      summary: 'In a transaction, SELECT … FOR UPDATE the product, then compute and write back: decrements of a product queue up.',
      // Safe at every level, but at REPEATABLE READ and above PostgreSQL refuses to lock a row changed
      // since the snapshot (taken when FOR UPDATE started waiting): a serialization error, not retried
      // here, so most decrements of a busy product end as conflicts. InnoDB locks the newest row and goes on.
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) => ctx.transaction(async () => sellOne(ctx, await ctx.lockWait(() => readProduct(ctx, ' FOR UPDATE')))),
    },
    optimistic: {
      summary: 'Read stock and version, pause, UPDATE … WHERE version = the one read; 0 rows is a 409: back off, retry.',
      expect: 'safe',
      // The GET and the PUT are two requests, never one transaction: a retry reads afresh.
      ownsTransaction: true,
      run: (ctx) => ctx.retry(async () => sellOne(ctx, await readProduct(ctx), compareAndSet)),
    },
    serializable: {
      summary: 'The naive read-compute-write under SERIALIZABLE isolation, retried on serialization failure or deadlock.',
      expect: 'safe',
      isolation: 'serializable',
      ownsTransaction: true,
      run: (ctx) => ctx.retry(() => ctx.transaction(async () => sellOne(ctx, await readProduct(ctx)))),
    },
    'redis-lock': {
      summary: 'A Redis lease lock on the product (SET NX PX, released by compare-and-delete) around read, write and commit.',
      // Safe while every operation finishes within --lock-ttl; a lease that expires first lets a second worker in.
      expect: safeUnlessHolderStalls,
      requires: ['redis'],
      // The lock must outlive the commit: released before it, the next holder could read the stock
      // the previous one is about to overwrite.
      ownsTransaction: true,
      run: (ctx) => withRedisLock(ctx, `product:${ctx.key}`, () => ctx.transaction(async () => sellOne(ctx, await readProduct(ctx)))),
    },
    redlock: {
      notReplayable: "Redlock's per-node timeouts count wall time, so a SET held back for its turn would count as a node that did not answer",
      summary: 'Redlock over every --redis node (a quorum of SET NX PX grants with time left, released on all) around read, write and commit.',
      // As redis-lock: safe while every operation finishes within --lock-ttl, now with a minority of nodes down.
      expect: safeUnlessHolderStalls,
      requires: ['redis'],
      ownsTransaction: true,
      run: (ctx) => withRedlock(ctx, `product:${ctx.key}`, () => ctx.transaction(async () => sellOne(ctx, await readProduct(ctx)))),
    },
  },

  invariants: {
    'stock = initial - ok decrements': async ({ db, params: p, outcomes }) => {
      const products = await readProducts(db)
      const sold = products.reduce((units, product) => units + p.stock - product.stock, 0)
      const acknowledged = outcomes.unknown > 0 ? `${outcomes.ok} ok decrements (+${outcomes.unknown} unknown)` : plural(outcomes.ok, 'ok decrement')
      if (compareWithAcknowledged(sold, outcomes).held) {
        return { held: true, detail: `${plural(products.length, 'product')}, ${plural(sold, 'unit')} sold by ${acknowledged}: every decrement accounted for` }
      }
      // Every write bumps the version, so a product whose stock fell by less than its version lost the difference.
      const losing = products
        .map((product) => ({ ...product, lost: product.version - (p.stock - product.stock) }))
        .filter((product) => product.lost > 0)
        .sort((a, b) => b.lost - a.lost || a.id - b.id)
      const worst = losing.slice(0, 3).map((product) => lossOf(product, p.stock))
      const total =
        sold < outcomes.ok
          ? `${outcomes.ok - sold} of ${acknowledged} lost across ${plural(losing.length, 'product')}`
          : `${plural(sold, 'unit')} left the stock but only ${acknowledged} were acknowledged`
      // A surplus of units sold over acknowledged ones cannot be pinned on a product: only losses can.
      const broken = losing.map((product) => ({ key: product.id, detail: `stock ${product.stock} after ${plural(product.version, 'ok decrement')} (${product.lost} lost)` }))
      return { held: false, detail: [...worst, total].join('; '), broken }
    },
    'stock never negative': async ({ db }) => {
      const products = await readProducts(db)
      const oversold = products.filter((product) => product.stock < 0).sort((a, b) => a.stock - b.stock || a.id - b.id)
      if (oversold.length === 0) {
        const soldOut = products.filter((product) => product.stock === 0).length
        return { held: true, detail: `${plural(products.length, 'product')}, none below zero` + (soldOut > 0 ? `, ${soldOut} sold out` : '') }
      }
      const worst = oversold.slice(0, 3).map((product) => `product ${product.id}: stock ${product.stock} (${plural(-product.stock, 'unit')} sold that did not exist)`)
      const more = oversold.length > 3 ? ` (${oversold.length} products oversold in all)` : ''
      const broken = oversold.map((product) => ({ key: product.id, detail: `stock ${product.stock} (${plural(-product.stock, 'unit')} sold that did not exist)` }))
      return { held: false, detail: worst.join('; ') + more, broken }
    },
  },
})
