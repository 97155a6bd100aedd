import { defineSpec, type AnomalyContext, type Spec } from '../spec/define-spec.js'
import { finalRows, HERMITAGE_SETUP, readOf, shownRows, valueIn } from './hermitage-helpers.js'

/*
 * Hermitage's lost-update, read-skew and write-skew tests as specs
 * (https://github.com/ept/hermitage/blob/master/postgres.md and mysql.md), in Hermitage's order.
 */

/** Whether every step of both `a` and `b` succeeded: both transactions committed what they meant to. */
const bothCommitted = (ctx: AnomalyContext) => ctx.succeeded('a') && ctx.succeeded('b')
const failures = (ctx: AnomalyContext) =>
  Object.values(ctx.results)
    .filter((r) => r.error)
    .map((r) => `${r.step} failed (${r.error!.class})`)
    .join(', ')

/**
 * P4, lost update: both read x, both write x + 1 from what they read. Hermitage writes the literal
 * 11 twice; here the write is computed from the read (a step written as a function), so a lost
 * update shows in the final state: 11 although two increments committed.
 */
export const P4: Spec = defineSpec({
  name: 'P4',
  summary: 'lost update: two read-modify-write transactions, one increment lost',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: {
      steps: {
        a1: 'BEGIN',
        a2: 'SELECT id, value FROM test WHERE id = 1',
        a3: (ctx) => ({ sql: 'UPDATE test SET value = $1 WHERE id = 1', params: [Number(ctx.results.a2?.rows[0]?.value) + 1] }),
        a4: 'COMMIT',
      },
    },
    b: {
      steps: {
        b1: 'BEGIN',
        b2: 'SELECT id, value FROM test WHERE id = 1',
        b3: (ctx) => ({ sql: 'UPDATE test SET value = $1 WHERE id = 1', params: [Number(ctx.results.b2?.rows[0]?.value) + 1] }),
        b4: 'COMMIT',
      },
    },
  },
  permutations: ['a1 b1 a2 b2 a3 b3 a4 b4'],
  async anomaly(ctx) {
    const x = (await finalRows(ctx)).find((r) => r.id === 1)?.value
    const lost = bothCommitted(ctx) && x === 11
    return { occurred: lost, detail: `both increments ${bothCommitted(ctx) ? 'committed' : `did not both commit (${failures(ctx)})`}; x is ${x}` }
  },
})

/** G-single, read skew: T1 reads x before T2 and y after it. */
export const G_SINGLE: Spec = defineSpec({
  name: 'G-single',
  summary: 'read skew: a read-only transaction sees x before and y after another transaction',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'SELECT id, value FROM test WHERE id = 1', a3: 'SELECT id, value FROM test WHERE id = 2', a4: 'COMMIT' } },
    b: {
      steps: {
        b1: 'BEGIN',
        b2: 'SELECT id, value FROM test WHERE id = 1',
        b3: 'SELECT id, value FROM test WHERE id = 2',
        b4: 'UPDATE test SET value = 12 WHERE id = 1',
        b5: 'UPDATE test SET value = 18 WHERE id = 2',
        b6: 'COMMIT',
      },
    },
  },
  permutations: ['a1 b1 a2 b2 b3 b4 b5 b6 a3 a4'],
  anomaly(ctx) {
    const skew = valueIn(ctx, 'a2', 1) === 10 && valueIn(ctx, 'a3', 2) === 18
    return { occurred: skew, detail: `${readOf(ctx, 'a2')}; ${readOf(ctx, 'a3')}` }
  },
})

/** G-single with predicate reads (Hermitage: "test using predicate dependencies"). */
export const G_SINGLE_PREDICATE: Spec = defineSpec({
  name: 'G-single-predicate',
  summary: 'read skew through predicates: a second predicate read sees a change the first did not',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'SELECT id, value FROM test WHERE value % 5 = 0 ORDER BY id', a3: 'SELECT id, value FROM test WHERE value % 3 = 0 ORDER BY id', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'UPDATE test SET value = 12 WHERE value = 10', b3: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 b3 a3 a4'],
  anomaly(ctx) {
    const skew = valueIn(ctx, 'a2', 1) === 10 && valueIn(ctx, 'a3', 1) === 12
    return { occurred: skew, detail: `${readOf(ctx, 'a2')}; ${readOf(ctx, 'a3')}` }
  },
})

/**
 * G-single with a write predicate: T1 read x before T2, and its delete of `value = 20` then acts on
 * T2's state (deletes nothing) while T1 still sees y = 20.
 */
export const G_SINGLE_WRITE: Spec = defineSpec({
  name: 'G-single-write',
  summary: 'read skew on a write predicate: a delete sees another transaction’s writes that the reads do not',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'SELECT id, value FROM test WHERE id = 1', a3: 'DELETE FROM test WHERE value = 20', a4: 'SELECT id, value FROM test WHERE id = 2', a5: 'COMMIT' } },
    b: {
      steps: {
        b1: 'BEGIN',
        b2: 'SELECT id, value FROM test ORDER BY id',
        b3: 'UPDATE test SET value = 12 WHERE id = 1',
        b4: 'UPDATE test SET value = 18 WHERE id = 2',
        b5: 'COMMIT',
      },
    },
  },
  permutations: ['a1 b1 a2 b2 b3 b4 b5 a3 a4 a5'],
  anomaly(ctx) {
    const deleteFailed = ctx.results.a3?.error !== undefined
    const skew = valueIn(ctx, 'a2', 1) === 10 && !deleteFailed && ctx.results.a3?.rowCount === 0
    return { occurred: skew, detail: `${readOf(ctx, 'a2')}; a3 ${deleteFailed ? `failed (${ctx.results.a3!.error!.class})` : `deleted ${ctx.results.a3?.rowCount ?? 0} row(s)`}; ${readOf(ctx, 'a4')}` }
  },
})

/** G2-item, write skew: each reads both rows and writes one; both commit. */
export const G2_ITEM: Spec = defineSpec({
  name: 'G2-item',
  summary: 'write skew: two transactions read the same rows and each updates a different one',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'SELECT id, value FROM test WHERE id IN (1, 2) ORDER BY id', a3: 'UPDATE test SET value = 11 WHERE id = 1', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'SELECT id, value FROM test WHERE id IN (1, 2) ORDER BY id', b3: 'UPDATE test SET value = 21 WHERE id = 2', b4: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 a3 b3 a4 b4'],
  async anomaly(ctx) {
    return { occurred: bothCommitted(ctx), detail: bothCommitted(ctx) ? `both committed: ${shownRows(await finalRows(ctx))}` : failures(ctx) }
  },
})

/** G2, anti-dependency cycle on a predicate: each sees no `value % 3 = 0` row and inserts one. */
export const G2: Spec = defineSpec({
  name: 'G2',
  summary: 'anti-dependency cycle: two transactions read a predicate and each inserts a row matching it',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'SELECT id, value FROM test WHERE value % 3 = 0', a3: 'INSERT INTO test (id, value) VALUES (3, 30)', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'SELECT id, value FROM test WHERE value % 3 = 0', b3: 'INSERT INTO test (id, value) VALUES (4, 42)', b4: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 a3 b3 a4 b4'],
  async anomaly(ctx) {
    return { occurred: bothCommitted(ctx), detail: bothCommitted(ctx) ? `both committed: ${shownRows(await finalRows(ctx))}` : failures(ctx) }
  },
})

/**
 * G2 with a read-only transaction (Fekete, O'Neil and O'Neil's anomaly, "Making Snapshot Isolation
 * Serializable" 2005): T3 sees T2's increment but not T1's write, although T1 read before T2.
 */
export const G2_FEKETE: Spec = defineSpec({
  name: 'G2-fekete',
  summary: 'Fekete’s read-only anomaly: a read-only transaction sees a state no serial order produces',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'SELECT id, value FROM test ORDER BY id', a3: 'UPDATE test SET value = 0 WHERE id = 1', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'UPDATE test SET value = value + 5 WHERE id = 2', b3: 'COMMIT' } },
    c: { steps: { c1: 'BEGIN', c2: 'SELECT id, value FROM test ORDER BY id', c3: 'COMMIT' } },
  },
  permutations: ['a1 a2 b1 b2 b3 c1 c2 c3 a3 a4'],
  anomaly(ctx) {
    const all = ctx.succeeded('a') && ctx.succeeded('b') && ctx.succeeded('c')
    const cSawBNotA = valueIn(ctx, 'c2', 2) === 25 && valueIn(ctx, 'c2', 1) === 10
    return { occurred: all && cSawBNotA, detail: all ? `all three committed; ${readOf(ctx, 'c2')}` : failures(ctx) }
  },
})
