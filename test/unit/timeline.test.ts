import { stripVTControlCharacters } from 'node:util'
import { describe, expect, it } from 'vitest'
import { Chalk } from 'chalk'
import type { CompletionEvent, LockEvent, OperationEvent, StepEvent } from '../../src/history/event.js'
import type { Outcome } from '../../src/history/outcome.js'
import type { Trace, TracedOperation } from '../../src/history/trace.js'
import { cellWidth } from '../../src/report/cell-width.js'
import { sqlForms } from '../../src/report/sql-text.js'
import { stepText } from '../../src/report/step-text.js'
import { renderTimeline } from '../../src/report/timeline.js'

// Hand-written traces of each built-in scenario's `none` strategy (and a few more), with the
// statements the scenarios send, in their order. Times are given in ms from the run's start.

type Draft = (worker: number, iteration: number) => OperationEvent
type Answer = Partial<Pick<StepEvent, 'rows' | 'first' | 'ms' | 'errorClass' | 'code' | 'error'>>
const US = 1000

const sql = (at: number, text: string, params: readonly unknown[], answer: Answer = {}): Draft => (worker, iteration) =>
  ({ t: at * US, type: 'step', worker, iteration, sql: text, params: params.map(String), ms: 0.3, ...answer })
const think = (at: number, ms = 10): Draft => (worker, iteration) => ({ t: at * US, type: 'think', worker, iteration, ms })
const lock = (at: number, phase: LockEvent['phase'], ms?: number): Draft => (worker, iteration) =>
  ({ t: at * US, type: 'lock', worker, iteration, phase, ...(ms === undefined ? {} : { ms }) })
const retry = (at: number, attempt: number, why: Partial<Pick<CompletionEvent, 'errorClass' | 'code' | 'message'>>): Draft => (worker, iteration) =>
  ({ t: at * US, type: 'retry', worker, iteration, attempt, ...why })
const note = (at: number, name: string, detail: string): Draft => (worker, iteration) => ({ t: at * US, type: 'note', worker, iteration, name, detail })

function operation(
  key: string,
  [worker, iteration]: [number, number],
  [start, end]: [number, number],
  drafts: readonly Draft[],
  outcome: Outcome,
  why: Partial<Pick<CompletionEvent, 'errorClass' | 'code' | 'message'>> = {},
): TracedOperation {
  const completion: CompletionEvent = { t: end * US, type: outcome, worker, iteration, key, ms: end - start, ...why }
  return { worker, iteration, key, start: start * US, end: end * US, outcome, events: drafts.map((d) => d(worker, iteration)), completion }
}

const SLOT_TAKEN = "SELECT 1 FROM bookings WHERE room_id = $1 AND night = $2 AND status = 'active' LIMIT 1"
const BOOK = 'INSERT INTO bookings (room_id, night, guest) VALUES ($1, $2, $3)'

/** Two guests: both find room 2 free on night 3, pause, and both book it. */
function booking(worker: number, iteration: number, start: number): TracedOperation {
  return operation('room 2 night 3', [worker, iteration], [start, start + 11.1], [
    sql(start + 0.04, SLOT_TAKEN, [2, 3], { rows: 0, ms: 0.31 }),
    think(start + 0.4),
    sql(start + 10.45, BOOK, [2, 3, `guest-${worker}-${iteration}`], { rows: 1, ms: 0.52 }),
  ], 'ok')
}
const doubleBooking: Trace = { invariant: 'no double booking', key: 'room 2 night 3', detail: '2 active bookings', operations: [booking(3, 7, 0), booking(5, 4, 0.12)], dropped: 0 }

const READ_STOCK = 'SELECT stock, version FROM products WHERE id = $1'
const WRITE_BACK = 'UPDATE products SET stock = $2, version = version + 1 WHERE id = $1'

/** Two checkouts read stock 7, pause, and both write back 6. */
function checkout(worker: number, iteration: number, start: number): TracedOperation {
  return operation('product 4', [worker, iteration], [start, start + 10.9], [
    sql(start + 0.03, READ_STOCK, [4], { rows: 1, first: 'stock=7 version=93', ms: 0.25 }),
    think(start + 0.3),
    sql(start + 10.35, WRITE_BACK, [4, 6], { rows: 1, ms: 0.44 }),
  ], 'ok')
}
const lostUpdate: Trace = {
  invariant: 'stock = initial - ok decrements',
  key: 'product 4',
  detail: 'stock 6, expected 5 (1 decrement lost)',
  operations: [checkout(1, 12, 0), checkout(6, 9, 0.21)],
  dropped: 0,
}

const READ_DOCUMENT = 'SELECT status, version, (SELECT count(*) FROM chunks WHERE document_id = $1) AS chunks FROM documents WHERE id = $1'
const SET_STATUS = 'UPDATE documents SET status = $2 WHERE id = $1'
const INSERT_CHUNK = 'INSERT INTO chunks (document_id, chunk_index, content) VALUES ($1, $2, $3)'

/** The naive worker on document 4; `found` chunks left by another worker are deleted first. */
function ingest(worker: number, iteration: number, start: number, status: string, found: number): TracedOperation {
  const drafts = [sql(start + 0.05, READ_DOCUMENT, [4], { rows: 1, first: `status=${status} version=0 chunks=${found}` }), sql(start + 0.4, SET_STATUS, [4, 'PROCESSING'], { rows: 1 })]
  let at = start + 0.75
  if (found > 0) drafts.push(sql(at, 'DELETE FROM chunks WHERE document_id = $1', [4], { rows: found })), (at += 0.35)
  for (let chunk = 1; chunk <= 5; chunk++) {
    drafts.push(think(at), sql(at + 10.05, INSERT_CHUNK, [4, chunk, `document 4, chunk ${chunk}`], { rows: 1 }))
    at += 10.4
  }
  drafts.push(sql(at, SET_STATUS, [4, 'COMPLETED'], { rows: 1 }))
  return operation('document 4', [worker, iteration], [start, at + 0.4], drafts, 'ok')
}
const duplicateChunks: Trace = {
  invariant: 'every COMPLETED document has exactly its chunks',
  key: 'document 4',
  detail: '9 chunks instead of 5 (4 duplicates)',
  operations: [ingest(2, 3, 0, 'PENDING', 0), ingest(7, 1, 12.6, 'PROCESSING', 1)],
  dropped: 0,
}

const FIND_OPEN = "SELECT id FROM positions WHERE bot_id = $1 AND market_id = $2 AND side = $3 AND status = 'open' LIMIT 1"
const OPEN = 'INSERT INTO positions (bot_id, market_id, side, opened_by) VALUES ($1, $2, $3, $4)'
const positionSync: Trace = {
  invariant: 'at most one open position',
  key: 'bot 1 market 2 side long',
  detail: '2 open positions',
  operations: [
    operation('bot 1 market 2 side long', [0, 5], [0, 10.9], [
      sql(0.04, FIND_OPEN, [1, 2, 'long'], { rows: 0 }),
      think(0.36),
      sql(10.4, OPEN, [1, 2, 'long', 'exchange-sync:0:5'], { rows: 1, ms: 0.41 }),
    ], 'ok'),
    operation('bot 1 market 2 side long', [1, 5], [0.08, 10.95], [
      sql(0.11, FIND_OPEN, [1, 2, 'long'], { rows: 0 }),
      note(0.42, 'fills fetch shared', "order-monitor 1 got the fills of bot 1's long position in market 2 from exchange-sync 0's fetch"),
      sql(10.41, OPEN, [1, 2, 'long', 'order-monitor:1:5'], { rows: 1, ms: 0.45 }),
    ], 'ok'),
  ],
  dropped: 0,
}

const JOB = 'SELECT client_id, contractor_id, amount, status FROM jobs WHERE id = $1'
function payment(worker: number, iteration: number, request: number, start: number): TracedOperation {
  return operation(`job 17 request ${request}`, [worker, iteration], [start, start + 12], [
    sql(start + 0.05, JOB, [17], { rows: 1, first: 'client_id=2 contractor_id=6 amount=100 status=open' }),
    sql(start + 0.4, 'SELECT balance, version FROM accounts WHERE id = $1', [2], { rows: 1, first: 'balance=900 version=0' }),
    think(start + 0.75),
    sql(start + 10.8, 'UPDATE accounts SET balance = balance - $2, version = version + 1 WHERE id = $1', [2, 100], { rows: 1 }),
    sql(start + 11.1, 'UPDATE accounts SET balance = balance + $2, version = version + 1 WHERE id = $1', [6, 100], { rows: 1 }),
    sql(start + 11.4, "UPDATE jobs SET status = 'paid' WHERE id = $1", [17], { rows: 1 }),
    sql(start + 11.7, 'INSERT INTO payments (job_id, request_id, amount) VALUES ($1, $2, $3)', [17, request, 100], { rows: 1 }),
  ], 'ok')
}
const doublePayment: Trace = {
  invariant: 'each job paid at most once',
  key: 'job 17',
  detail: 'paid 2 times: once by request 34, once by request 35',
  operations: [payment(2, 8, 34, 0), payment(5, 6, 35, 0.2)],
  dropped: 0,
}

const LOCK_STOCK = `${READ_STOCK} FOR UPDATE`
/** Pessimistic lost-update: worker 2's SELECT … FOR UPDATE waits for worker 1's COMMIT. */
const lockWait: Trace = {
  invariant: 'stock = initial - ok decrements',
  key: 'product 4',
  detail: 'stock 5, expected 5',
  operations: [
    operation('product 4', [1, 3], [0, 11.6], [
      sql(0.02, 'BEGIN', []), lock(0.1, 'wait'), sql(0.1, LOCK_STOCK, [4], { rows: 1, first: 'stock=7 version=93' }), lock(0.4, 'acquired', 0.3),
      think(0.45), sql(10.5, WRITE_BACK, [4, 6], { rows: 1 }), sql(10.9, 'COMMIT', [], { ms: 0.6 }),
    ], 'ok'),
    operation('product 4', [2, 3], [0.05, 23.1], [
      sql(0.07, 'BEGIN', []), lock(0.2, 'wait'), sql(0.2, LOCK_STOCK, [4], { rows: 1, first: 'stock=6 version=94', ms: 11.3 }), lock(11.5, 'acquired', 11.3),
      think(11.55), sql(21.6, WRITE_BACK, [4, 5], { rows: 1 }), sql(22.0, 'COMMIT', [], { ms: 0.7 }),
    ], 'ok'),
  ],
  dropped: 0,
}

const COMPARE_AND_SET = 'UPDATE products SET stock = $2, version = version + 1 WHERE id = $1 AND version = $3'
/** Optimistic lost-update: worker 6's compare-and-set finds the version moved, and its retry reads afresh. */
const optimistic: Trace = {
  invariant: 'stock = initial - ok decrements',
  key: 'product 4',
  detail: 'stock 5, expected 5',
  operations: [
    checkout(1, 12, 0),
    operation('product 4', [6, 9], [0.21, 23.4], [
      sql(0.24, READ_STOCK, [4], { rows: 1, first: 'stock=7 version=93', ms: 0.25 }), think(0.51),
      sql(10.6, 'BEGIN', []), sql(10.9, COMPARE_AND_SET, [4, 6, 93], { rows: 0 }), sql(11.2, 'ROLLBACK', []),
      retry(11.4, 1, { message: 'product 4 changed since version 93 was read' }),
      sql(12.3, READ_STOCK, [4], { rows: 1, first: 'stock=6 version=94' }), think(12.6),
      sql(22.7, 'BEGIN', []), sql(22.9, COMPARE_AND_SET, [4, 5, 94], { rows: 1 }), sql(23.1, 'COMMIT', []),
    ], 'ok'),
  ],
  dropped: 0,
}

/** Serializable double-booking: worker 5's COMMIT fails, its retry finds the slot taken. */
const retries: Trace = {
  invariant: 'no double booking',
  key: 'room 2 night 3',
  detail: '1 active booking',
  operations: [
    operation('room 2 night 3', [3, 7], [0, 11.5], [
      sql(0.02, 'BEGIN ISOLATION LEVEL SERIALIZABLE', []), sql(0.3, SLOT_TAKEN, [2, 3], { rows: 0 }), think(0.65),
      sql(10.7, BOOK, [2, 3, 'guest-3-7'], { rows: 1 }), sql(11.05, 'COMMIT', []),
    ], 'ok'),
    operation('room 2 night 3', [5, 4], [0.1, 13.9], [
      sql(0.12, 'BEGIN ISOLATION LEVEL SERIALIZABLE', []), sql(0.4, SLOT_TAKEN, [2, 3], { rows: 0 }), think(0.75),
      sql(10.8, BOOK, [2, 3, 'guest-5-4'], { rows: 1 }),
      sql(11.2, 'COMMIT', [], { errorClass: 'serialization', code: '40001', error: 'could not serialize access due to read/write dependencies among transactions' }),
      retry(11.6, 1, { errorClass: 'serialization', code: '40001' }), sql(12.9, 'BEGIN ISOLATION LEVEL SERIALIZABLE', []),
      sql(13.2, SLOT_TAKEN, [2, 3], { rows: 1, first: '?column?=1' }), sql(13.5, 'COMMIT', []),
    ], 'rejected'),
    operation('room 2 night 3', [6, 2], [0.3, 12.2], [
      sql(0.35, SLOT_TAKEN, [2, 3], { rows: 0 }), think(0.7),
      sql(11.9, BOOK, [2, 3, 'guest-6-2'], { errorClass: 'unique', code: '23505', error: 'duplicate key value violates unique constraint' }),
    ], 'conflict', { errorClass: 'unique', code: '23505', message: 'duplicate key value violates unique constraint "bookings_one_active_per_slot"' }),
  ],
  dropped: 0,
}

/** Six guests on one slot: three got through, three found it taken. */
const sixWorkers: Trace = {
  invariant: 'no double booking',
  key: 'room 2 night 3',
  detail: '3 active bookings',
  operations: [
    booking(0, 1, 0), booking(1, 1, 0.1),
    operation('room 2 night 3', [2, 1], [11.3, 11.7], [sql(11.35, SLOT_TAKEN, [2, 3], { rows: 1 })], 'rejected'),
    booking(3, 1, 0.3),
    ...[4, 5].map((w) => operation('room 2 night 3', [w, 1], [11.5 + w / 10, 12 + w / 10], [sql(11.55 + w / 10, SLOT_TAKEN, [2, 3], { rows: 1 })], 'rejected')),
  ],
  dropped: 0,
}

/** A Redis command and its reply: `OK`, `1`, or nil (no reply row). */
const redis = (at: number, command: string, reply?: string): Draft => (worker, iteration) =>
  ({ t: at * US, type: 'step', worker, iteration, redis: command, rows: reply === undefined ? 0 : 1, ...(reply === undefined ? {} : { first: reply }), ms: 0.1 })
// As the history records them: the run's key namespace left out, each argument cut at 48 characters.
const LEASE = (token: string) => `SET lock:slot:7 ${token} PX 50 NX`
const RELEASE = (token: string) => `EVAL if redis.call('get', KEYS[1]) == ARGV[1] then r… 1 lock:slot:7 ${token}`
/** A Redis lease that expired (--lock-ttl 50ms) while its holder paused 100 ms: a second worker took it. */
const expiredLease: Trace = {
  invariant: 'no double booking',
  key: 'room 2 night 3',
  detail: '2 active bookings',
  operations: [
    operation('room 2 night 3', [1, 4], [0, 102], [
      lock(0.02, 'wait'), redis(0.03, LEASE('1:4:9f2c01ab34cd'), 'OK'), lock(0.13, 'acquired', 0.11),
      sql(0.2, 'BEGIN', []), sql(0.4, SLOT_TAKEN, [2, 3], { rows: 0 }), think(0.75, 100),
      sql(100.8, BOOK, [2, 3, 'guest-1-4'], { rows: 1 }), sql(101.1, 'COMMIT', []),
      redis(101.5, RELEASE('1:4:9f2c01ab34cd'), '0'), lock(101.6, 'lost'),
    ], 'ok'),
    operation('room 2 night 3', [2, 9], [0.05, 153], [
      lock(0.05, 'wait'), redis(0.06, LEASE('2:9:77aa01bc9e1f')), redis(21, LEASE('2:9:77aa01bc9e1f')),
      redis(50.2, LEASE('2:9:77aa01bc9e1f'), 'OK'), lock(50.3, 'acquired', 50.25),
      sql(50.4, 'BEGIN', []), sql(50.6, SLOT_TAKEN, [2, 3], { rows: 0 }), think(50.95, 100),
      sql(151, BOOK, [2, 3, 'guest-2-9'], { rows: 1 }), sql(151.4, 'COMMIT', []),
      redis(152, RELEASE('2:9:77aa01bc9e1f'), '1'), lock(152.1, 'released'),
    ], 'ok'),
  ],
  dropped: 0,
}

const TRACES: Record<string, Trace> = { doubleBooking, lostUpdate, duplicateChunks, positionSync, doublePayment, lockWait, optimistic, retries, sixWorkers, expiredLease, dropped: { ...lostUpdate, dropped: 12 } }

const plain = new Chalk({ level: 0 })
const render = (trace: Trace, width = 80, options = {}) => renderTimeline(trace, plain, { width, ...options })
const lines = (text: string) => text.trimEnd().split('\n')
/** The index of the first line matching `pattern` at or after `from`. */
function lineOf(text: string, pattern: RegExp, from = 0): number {
  const index = lines(text).findIndex((line, i) => i >= from && pattern.test(line))
  expect(index, `no line matches ${pattern} in\n${text}`).toBeGreaterThanOrEqual(0)
  return index
}

describe('renderTimeline', () => {
  it('shows both guests reading the slot free before either books it', () => {
    const text = render(doubleBooking)
    const reads = lines(text).filter((line) => line.includes('SELECT 1 FROM bookings WHERE room_id=2 AND night=3'))
    expect(reads).toHaveLength(2)
    reads.forEach((read) => expect(read).toMatch(/→ 0 rows$/))
    const secondRead = lineOf(text, /→ 0 rows/, lineOf(text, /→ 0 rows/) + 1)
    expect(secondRead).toBeLessThan(lineOf(text, /INSERT INTO bookings/))
    // The second worker's lane is the second column: its rows start after the first lane's rail.
    expect(lines(text)[secondRead]).toMatch(/ms {2}│ {3}├ SELECT/)
    expect(text).toContain("├ INSERT INTO bookings VALUES (2, 3, 'guest-3-7') → 1 row")
    expect(text).toContain('├ think 10 ms')
    expect(lines(text).filter((line) => line.includes('└ ✔ ok'))).toHaveLength(2)
    expect(lines(text)[0]).toBe('how it happened on room 2 night 3 (no double booking)')
    expect(lines(text).slice(-2)).toEqual(['  ⇒ workers 3 and 5 both read before either wrote', '  final state of room 2 night 3: 2 active bookings'])
  })

  it('shows two checkouts reading the same stock and writing back the same value', () => {
    const text = render(lostUpdate)
    expect(lines(text).filter((line) => line.includes('SELECT … FROM products WHERE id=4 → stock=7 version=93'))).toHaveLength(2)
    const writes = lines(text).filter((line) => line.includes('UPDATE products SET stock=6 … WHERE id=4 → 1 row'))
    expect(writes).toHaveLength(2)
    expect(lineOf(text, /stock=7/, lineOf(text, /stock=7/) + 1)).toBeLessThan(lineOf(text, /UPDATE products/))
    expect(text).toContain('final state of product 4: stock 6, expected 5 (1 decrement lost)')
  })

  it('shows the second ingestion worker deleting the first one’s chunks', () => {
    const text = render(duplicateChunks)
    expect(text).toContain('SELECT … FROM documents → status=PROCESSING version=0 chunks=1')
    expect(text).toContain('DELETE FROM chunks WHERE document_id=4 → 1 row')
    expect(lines(text).filter((line) => line.includes('INSERT INTO chunks'))).toHaveLength(10)
    expect(lineOf(text, /DELETE FROM chunks/)).toBeGreaterThan(lineOf(text, /INSERT INTO chunks/))
    expect(text).not.toContain('⇒')
  })

  it('shows both jobs finding no open position before both open one', () => {
    const text = render(positionSync)
    const secondCheck = lineOf(text, /→ 0 rows/, lineOf(text, /→ 0 rows/) + 1)
    expect(secondCheck).toBeLessThan(lineOf(text, /INSERT INTO positions/))
    expect(lines(text).filter((line) => line.includes('INSERT INTO positions'))).toHaveLength(2)
    expect(text).toContain('note fills fetch shared: order-monitor 1 got')
  })

  it('shows both payments reading the balance before either debits it', () => {
    const text = render(doublePayment)
    const secondBalance = lineOf(text, /balance=900/, lineOf(text, /balance=900/) + 1)
    expect(secondBalance).toBeLessThan(lineOf(text, /UPDATE accounts SET balance=balance-100/))
    expect(lines(text).filter((line) => /INSERT INTO payments .*→ 1 row/.test(line))).toHaveLength(2)
    expect(text).toContain('final state of job 17: paid 2 times: once by request 34, once by request 35')
  })

  it('shows a blocked SELECT … FOR UPDATE as waiting until the other worker commits', () => {
    const text = render(lockWait)
    const sent = lineOf(text, /FOR UPDATE → waiting…/)
    const commit = lineOf(text, /├ COMMIT/)
    const answered = lineOf(text, /→ stock=6 version=94 \(answered after 11\.3 ms\)/)
    expect(sent).toBeLessThan(commit)
    expect(commit).toBeLessThan(answered)
    expect(text).toContain('lock wait…')
    expect(text).toContain('lock acquired after 11.3 ms')
    // The lock made them take turns: worker 2's read came after worker 1's write.
    expect(text).not.toContain('⇒')
  })

  it('shows a compare-and-set that lost, and its retry reading afresh', () => {
    const text = render(optimistic)
    // The guard (version=93) explains the 0 rows; at 80 columns it wins over what was set.
    const lost = lineOf(text, /UPDATE products SET … WHERE id=4 AND version=93 → 0 rows/)
    expect(lineOf(text, /retry 1 \(product 4 changed since version 93 was read\)/)).toBe(lost + 2)
    expect(lineOf(text, /→ stock=6 version=94/)).toBeGreaterThan(lost)
    expect(text).toContain('UPDATE products SET … WHERE id=4 AND version=94 → 1 row')
    expect(render(optimistic, 100)).toContain('UPDATE products SET stock=6, version=version+1 WHERE id=4 AND version=93 → 0 rows')
  })

  it('shows retries, failed statements and each outcome at the end of its lane', () => {
    const text = render(retries)
    expect(text).toContain('COMMIT → ✘ serialization 40001')
    expect(text).toContain('retry 1 (serialization 40001)')
    expect(text).toContain('└ – rejected')
    expect(text).toContain('└ ✘ conflict: unique 23505')
    expect(text).toMatch(/SELECT 1 FROM bookings .*→ 1 row\b/)
    expect(text).not.toContain('?column?')
  })

  it('draws at most 4 workers, those whose operations went through first, and counts the rest', () => {
    const text = render(sixWorkers)
    expect(lines(text).filter((line) => line.includes('┌ worker'))).toHaveLength(4)
    for (const worker of [0, 1, 3]) expect(text).toContain(`┌ worker ${worker} `)
    expect(text).toContain('2 more workers not shown: worker 4 (rejected), worker 5 (rejected)')
    expect(text).toContain('⇒ workers 0, 1 and 3 all read before any of them wrote')
    expect(render(sixWorkers, 80, { maxWorkers: 2 })).toContain('4 more workers not shown')
  })

  it('says when other operations on the key were not kept', () => {
    expect(render(TRACES.dropped!)).toContain('12 other operations on product 4 not kept')
    expect(render(lostUpdate)).not.toContain('not kept')
  })

  it('leaves out middle rows beyond maxRows, keeping the outcomes', () => {
    const text = render(duplicateChunks, 80, { maxRows: 20 })
    expect(text).toMatch(/⋮ \d+ rows left out/)
    expect(lines(text).filter((line) => line.includes('└ ✔ ok'))).toHaveLength(2)
  })

  it('shows an expired Redis lease letting a second worker in', () => {
    const text = render(expiredLease)
    expect(text).toContain('redis SET lock:slot:7 1:4:9f2c01ab34cd PX 50 NX → OK')
    expect(text).toContain('lock acquired after 50.3 ms')
    expect(text).toContain('redis EVAL … lock:slot:7 1:4:9f2c01ab34cd → 0')
    expect(text).toContain('✘ lock lost: its lease expired before release')
    expect(render(expiredLease, 60)).toContain('redis SET lock:slot:7 … PX 50 NX → nil')
  })

  it('draws a key no kept operation touched, an operation still running, and text with line breaks', () => {
    expect(render({ ...doubleBooking, operations: [] })).toContain('no operation kept in the history touched room 2 night 3')
    const running = { ...booking(3, 7, 0), end: undefined, outcome: undefined, completion: undefined }
    expect(render({ ...doubleBooking, operations: [running] })).toContain('└ still running when the history ended')
    const multiline = operation('room 2 night 3', [3, 7], [0, 1], [sql(0.1, BOOK, [2, 3, 'a\nb\u001b[31m'], { rows: 1 })], 'error', { message: 'line one\nline two' })
    const text = render({ ...doubleBooking, operations: [multiline] })
    expect(text).not.toMatch(/\x1b/)
    expect(text).toContain('✘ error: line one line two')
  })

  for (const [name, trace] of Object.entries(TRACES)) {
    it(`${name}: fits every line in 80, 60 and 40 columns, and colour adds nothing the text lacks`, () => {
      for (const width of [80, 60, 40]) {
        const text = render(trace, width)
        expect(text.endsWith('\n')).toBe(true)
        for (const line of lines(text)) expect(cellWidth(line), `${width} columns: ${line}`).toBeLessThanOrEqual(width)
        expect(text).not.toMatch(/\x1b\[/)
        expect(text.replace(/\n +/g, ' ')).toContain(`final state of ${trace.key}: ${trace.detail}`)
        const coloured = renderTimeline(trace, new Chalk({ level: 1 }), { width })
        expect(coloured).toMatch(/\x1b\[/)
        expect(stripVTControlCharacters(coloured)).toBe(text)
      }
    })
  }
})

describe('the short form of a step', () => {
  it('puts the parameters in place and shortens clause by clause', () => {
    const forms = sqlForms(SLOT_TAKEN, ['2', '3'])
    expect(forms[0]).toBe("SELECT 1 FROM bookings WHERE room_id=2 AND night=3 AND status='active' LIMIT 1")
    expect(forms).toContain("SELECT 1 FROM bookings WHERE room_id=2 AND night=3 AND status='active'")
    expect(forms).toContain('SELECT 1 FROM bookings WHERE room_id=2 AND night=3 …')
    expect(forms.at(-1)).toBe('SELECT 1 FROM bookings')
    expect(sqlForms(READ_DOCUMENT, ['4'])).toContain('SELECT status, version, (SELECT …) AS chunks FROM documents WHERE id=4')
    expect(sqlForms(BOOK, ['2', '3', 'guest-3-7'])).toContain("INSERT INTO bookings VALUES (2, 3, 'guest-3-7')")
    expect(sqlForms(`${FIND_OPEN} FOR UPDATE`, ['1', '2', 'long']).at(-1)).toBe('SELECT id FROM positions FOR UPDATE')
  })

  it('leaves quoted text alone and takes ? placeholders in order', () => {
    expect(sqlForms("SELECT 'a = $1' AS x FROM t WHERE a = ? AND b = ?", ['1', 'x'])[0]).toBe("SELECT 'a = $1' AS x FROM t WHERE a=1 AND b='x'")
    expect(sqlForms('SELECT pg_advisory_xact_lock($1::int, $2::int)', ['77', '12']).at(-1)).toBe('SELECT pg_advisory_xact_lock(77::int, 12::int)')
  })

  it('keeps what came back whole and shortens what was sent to fit', () => {
    const step: StepEvent = { t: 0, type: 'step', worker: 1, iteration: 0, sql: READ_STOCK, params: ['4'], rows: 1, first: 'stock=7 version=93', ms: 0.2 }
    expect(stepText(step, 80)).toEqual({ sent: 'SELECT stock, version FROM products WHERE id=4', answer: 'stock=7 version=93', failed: false })
    const narrow = stepText(step, 56)
    expect(narrow).toEqual({ sent: 'SELECT … FROM products WHERE id=4', answer: 'stock=7 version=93', failed: false })
    const job: StepEvent = { ...step, sql: JOB, params: ['17'], first: 'client_id=2 contractor_id=6 amount=100 status=open' }
    expect(stepText(job, 60).answer).toBe('client_id=2 … amount=100 status=open')
    expect(stepText(job, 60, 'client_id=2 contractor_id=6 amount=100 status=open (7.2 ms)').answer).toBe('client_id=2 … status=open (7.2 ms)')
    expect(stepText(job, 50, 'client_id=2 contractor_id=6 amount=100 status=open (7.2 ms)').answer).toBe('client_id=2 … status=open')
    const cramped = stepText(step, 30)
    expect(cramped.answer).toMatch(/^stock=7 /)
    expect(cellWidth(`${cramped.sent} → ${cramped.answer}`)).toBeLessThanOrEqual(30)
    const lease: StepEvent = { t: 0, type: 'step', worker: 1, iteration: 0, redis: 'SET racebench_double_booking_3f9a0c1e:lock:slot:7 NX PX 10000', rows: 0, ms: 0.1 }
    expect(stepText(lease, 80)).toEqual({ sent: 'redis SET lock:slot:7 NX PX 10000', answer: 'nil', failed: false })
    const script: StepEvent = { ...lease, redis: 'EVAL return 0 end 1 lock:slot:7 5', rows: 1, first: '0' }
    expect(stepText(script, 30).sent).toBe('redis EVAL … lock:slot:7 5')
  })
})
