import { defineSpec, type Spec } from '../spec/define-spec.js'
import { finalRows, HERMITAGE_SETUP, readOf, shownRows, valueIn } from './hermitage-helpers.js'

/*
 * Hermitage's tests of the read-committed family and of predicates, as specs
 * (https://github.com/ept/hermitage/blob/master/postgres.md and mysql.md). Each keeps Hermitage's
 * statements and order; where Hermitage's order only shows an engine's locking (G0), the order is
 * changed so the anomaly itself, not just a wait, is what decides, and the comment says how.
 * One order serves every engine and level: a step whose session is waiting runs once it is free.
 */

/**
 * G0, write cycles (dirty writes). Hermitage has T2 write x and later y after T1; here T2 writes
 * x and then y before T1 writes y, so that without write locks the final state mixes the two
 * transactions (x from T2, y from T1), which no serial order gives.
 */
export const G0: Spec = defineSpec({
  name: 'G0',
  summary: 'write cycles (dirty writes): two transactions overwrite each other’s uncommitted writes',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'UPDATE test SET value = 11 WHERE id = 1', a3: 'UPDATE test SET value = 21 WHERE id = 2', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'UPDATE test SET value = 12 WHERE id = 1', b3: 'UPDATE test SET value = 22 WHERE id = 2', b4: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 b3 a3 a4 b4'],
  async anomaly(ctx) {
    const rows = await finalRows(ctx)
    const [x, y] = [rows.find((r) => r.id === 1)?.value, rows.find((r) => r.id === 2)?.value]
    const mixed = (x === 11 && y === 22) || (x === 12 && y === 21)
    return { occurred: mixed, detail: `final state ${shownRows(rows)}${mixed ? ': one row from each transaction' : ''}` }
  },
})

/** G1a, aborted reads: T2 sees a write of T1 that T1 then rolls back. */
export const G1A: Spec = defineSpec({
  name: 'G1a',
  summary: 'aborted reads: a transaction sees a write that is later rolled back',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'UPDATE test SET value = 101 WHERE id = 1', a3: 'ROLLBACK' } },
    b: { steps: { b1: 'BEGIN', b2: 'SELECT id, value FROM test ORDER BY id', b3: 'SELECT id, value FROM test ORDER BY id', b4: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 a3 b3 b4'],
  anomaly(ctx) {
    const saw = valueIn(ctx, 'b2', 1) === 101 || valueIn(ctx, 'b3', 1) === 101
    return { occurred: saw, detail: `${readOf(ctx, 'b2')}; ${readOf(ctx, 'b3')}` }
  },
})

/** G1b, intermediate reads: T2 sees a value T1 overwrote before committing. */
export const G1B: Spec = defineSpec({
  name: 'G1b',
  summary: 'intermediate reads: a transaction sees a value that was never committed',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'UPDATE test SET value = 101 WHERE id = 1', a3: 'UPDATE test SET value = 11 WHERE id = 1', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'SELECT id, value FROM test ORDER BY id', b3: 'SELECT id, value FROM test ORDER BY id', b4: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 a3 a4 b3 b4'],
  anomaly(ctx) {
    const saw = valueIn(ctx, 'b2', 1) === 101 || valueIn(ctx, 'b3', 1) === 101
    return { occurred: saw, detail: `${readOf(ctx, 'b2')}; ${readOf(ctx, 'b3')}` }
  },
})

/** G1c, circular information flow: each transaction sees the other's uncommitted write. */
export const G1C: Spec = defineSpec({
  name: 'G1c',
  summary: 'circular information flow: each of two transactions reads the other’s write',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'UPDATE test SET value = 11 WHERE id = 1', a3: 'SELECT id, value FROM test WHERE id = 2', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'UPDATE test SET value = 22 WHERE id = 2', b3: 'SELECT id, value FROM test WHERE id = 1', b4: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 a3 b3 a4 b4'],
  anomaly(ctx) {
    const cycle = valueIn(ctx, 'a3', 2) === 22 && valueIn(ctx, 'b3', 1) === 11
    return { occurred: cycle, detail: `${readOf(ctx, 'a3')}; ${readOf(ctx, 'b3')}` }
  },
})

/**
 * OTV, observed transaction vanishes: T3 sees T2's write to x together with the value of y that T2
 * overwrites (T1's), i.e. part of T2 and then none of it. Hermitage's MySQL order (T3 reads the table).
 */
export const OTV: Spec = defineSpec({
  name: 'OTV',
  summary: 'observed transaction vanishes: a reader sees part of a transaction, then loses it',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'UPDATE test SET value = 11 WHERE id = 1', a3: 'UPDATE test SET value = 19 WHERE id = 2', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'UPDATE test SET value = 12 WHERE id = 1', b3: 'UPDATE test SET value = 18 WHERE id = 2', b4: 'COMMIT' } },
    c: { steps: { c1: 'BEGIN', c2: 'SELECT id, value FROM test ORDER BY id', c3: 'SELECT id, value FROM test ORDER BY id', c4: 'SELECT id, value FROM test ORDER BY id', c5: 'COMMIT' } },
  },
  permutations: ['a1 b1 c1 a2 a3 b2 a4 c2 b3 c3 b4 c4 c5'],
  anomaly(ctx) {
    const reads = ['c2', 'c3', 'c4']
    const vanished = reads.some((step) => valueIn(ctx, step, 1) === 12 && valueIn(ctx, step, 2) === 19)
    return { occurred: vanished, detail: reads.map((step) => readOf(ctx, step)).join('; ') }
  },
})

/** PMP, predicate-many-preceders (read predicates): a second predicate read sees a row inserted meanwhile. */
export const PMP: Spec = defineSpec({
  name: 'PMP',
  summary: 'predicate-many-preceders: a predicate read sees a row committed after the transaction’s first read',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'SELECT id, value FROM test WHERE value = 30', a3: 'SELECT id, value FROM test WHERE value % 3 = 0', a4: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'INSERT INTO test (id, value) VALUES (3, 30)', b3: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 b3 a3 a4'],
  anomaly(ctx) {
    const saw = ctx.rows('a2').length === 0 && valueIn(ctx, 'a3', 3) === 30
    return { occurred: saw, detail: `${readOf(ctx, 'a2')}; ${readOf(ctx, 'a3')}` }
  },
})

/**
 * PMP with a write predicate (the example of PostgreSQL's documentation): T2 deletes `value = 20`
 * while T1 moves every value up by 10, then still finds a row with value 20. Hermitage's MySQL
 * order (T2 reads before it deletes, which fixes its snapshot before T1 commits).
 */
export const PMP_WRITE: Spec = defineSpec({
  name: 'PMP-write',
  summary: 'predicate-many-preceders on a write predicate: a delete misses a row its own transaction then sees',
  setup: HERMITAGE_SETUP,
  sessions: {
    a: { steps: { a1: 'BEGIN', a2: 'UPDATE test SET value = value + 10', a3: 'COMMIT' } },
    b: { steps: { b1: 'BEGIN', b2: 'SELECT id, value FROM test WHERE value = 20', b3: 'DELETE FROM test WHERE value = 20', b4: 'SELECT id, value FROM test WHERE value = 20', b5: 'COMMIT' } },
  },
  permutations: ['a1 b1 a2 b2 b3 a3 b4 b5'],
  anomaly(ctx) {
    const left = ctx.results.b3?.error === undefined && ctx.rows('b4').length > 0
    return { occurred: left, detail: `b3 deleted ${ctx.results.b3?.error ? `nothing (${ctx.results.b3.error.class})` : `${ctx.results.b3?.rowCount ?? 0} row(s)`}; ${readOf(ctx, 'b4')}` }
  },
})
