import { describe, expect, it } from 'vitest'
import type { InvariantResult } from '../../src/check/check-invariants.js'
import type { HistoryEvent } from '../../src/history/event.js'
import { KeyRings } from '../../src/history/key-rings.js'
import { pickRace } from '../../src/history/pick-race.js'
import { defaultShowKey, keyMatches, showKeyOf } from '../../src/history/keys.js'
import { Totals } from '../../src/history/totals.js'
import { HistoryStream } from '../../src/history/stream.js'

/** One operation of a hand-written history: check, think, act, as double-booking's `none` does. */
function operation(worker: number, iteration: number, room: number, start: number, end: number, outcome: 'ok' | 'rejected' | 'conflict', free = true): HistoryEvent[] {
  const key = `room ${room} night 1`
  return [
    { t: start, type: 'invoke', worker, iteration, key, keyValue: { room, night: 1 }, attempt: 0 },
    { t: start + 10, type: 'step', worker, iteration, sql: 'SELECT 1 FROM bookings WHERE room_id = $1', params: [String(room)], rows: free ? 0 : 1, ms: 0.5 },
    { t: start + 600, type: 'think', worker, iteration, ms: 10 },
    ...(outcome === 'ok' ? [{ t: end - 900, type: 'step' as const, worker, iteration, sql: 'INSERT INTO bookings (room_id) VALUES ($1)', params: [String(room)], rows: 1, ms: 0.8 }] : []),
    { t: end, type: outcome, worker, iteration, key, ms: (end - start) / 1000 },
  ]
}

/** One operation on a whole-number key by worker 0: an invoke, one statement, ok. */
function op(iteration: number, key: number, start: number): HistoryEvent[] {
  return [
    { t: start, type: 'invoke', worker: 0, iteration, key: `key ${key}`, keyValue: key, attempt: 0 },
    { t: start + 10, type: 'step', worker: 0, iteration, sql: 'UPDATE kv SET v = v + 1 WHERE k = $1', params: [String(key)], rows: 1, ms: 0.1 },
    { t: start + 500, type: 'ok', worker: 0, iteration, key: `key ${key}`, ms: 0.5 },
  ]
}

/** Events of several operations in the order a run appends them: by time, each operation's own in order. */
function merged(...operations: HistoryEvent[][]): HistoryEvent[] {
  return operations.flat().sort((a, b) => a.t - b.t)
}

function violated(key: Record<string, number>, shown: string): InvariantResult[] {
  return [{ name: 'no double booking', held: false, detail: `${shown} has 2 active bookings`, broken: [{ key: shown, keyValue: key, detail: '2 active bookings' }], offline: false }]
}

describe('the per-key rings and the race they pick', () => {
  it('shows the two acknowledged operations that overlapped on the broken key, with their steps', () => {
    const rings = new KeyRings()
    const history = merged(
      operation(0, 0, 2, 0, 12_000, 'ok'),
      operation(1, 0, 2, 300, 12_500, 'ok'),
      operation(2, 0, 3, 100, 11_000, 'ok'),
      operation(2, 1, 2, 13_000, 14_000, 'rejected', false),
    )
    for (const event of history) rings.append(event)
    const [trace] = rings.traces(violated({ room: 2, night: 1 }, 'room 2 night 1'), 1)
    expect(trace?.key).toBe('room 2 night 1')
    expect(trace?.detail).toBe('2 active bookings')
    expect(trace?.operations.map((op) => [op.worker, op.outcome])).toEqual([
      [0, 'ok'],
      [1, 'ok'],
    ])
    expect(trace?.operations[0]?.events.map((event) => event.type)).toEqual(['step', 'think', 'step'])
    expect(trace?.dropped).toBe(0)
  })

  it('keeps the first acknowledged operations of a key however many rejected ones follow, and counts what it dropped', () => {
    const rings = new KeyRings({ recent: 3, firstAcknowledged: 2 })
    const later = Array.from({ length: 10 }, (_, i) => operation(3, i + 1, 2, 20_000 + i * 2_000, 21_000 + i * 2_000, 'rejected', false))
    for (const event of merged(operation(0, 0, 2, 0, 12_000, 'ok'), operation(1, 0, 2, 300, 12_500, 'ok'), ...later)) rings.append(event)
    const [trace] = rings.traces(violated({ room: 2, night: 1 }, 'room 2 night 1'), 1)
    expect(trace?.operations.map((op) => op.worker)).toEqual([0, 1])
    expect(trace?.dropped).toBe(7)
  })

  it('matches part of a key: { room: 2 } stands for every night of room 2', () => {
    const rings = new KeyRings()
    for (const event of merged(operation(0, 0, 2, 0, 12_000, 'ok'), operation(1, 0, 2, 300, 12_500, 'ok'))) rings.append(event)
    expect(rings.traces(violated({ room: 2 }, 'room 2'), 5)).toHaveLength(1)
    expect(rings.traces(violated({ room: 7 }, 'room 7'), 5)).toEqual([])
    expect(keyMatches({ job: 17 }, { job: 17, request: 35 })).toBe(true)
    expect(keyMatches({ job: 17 }, { job: 18, request: 35 })).toBe(false)
    expect(keyMatches(4, 4)).toBe(true)
    expect(keyMatches({}, { job: 1 })).toBe(false)
  })

  it('keeps no operations of keys first seen past the cap, so memory stays bounded', () => {
    const rings = new KeyRings({ maxOperations: 2 })
    for (const event of merged(operation(0, 0, 1, 0, 1_000, 'ok'), operation(0, 1, 2, 2_000, 3_000, 'ok'), operation(0, 2, 3, 4_000, 5_000, 'ok'))) rings.append(event)
    expect(rings.traces(violated({ room: 3, night: 1 }, 'room 3 night 1'), 1)).toEqual([])
    expect(rings.traces(violated({ room: 2, night: 1 }, 'room 2 night 1'), 1)).toHaveLength(1)
  })

  it('counts the drops of a whole-number key that can keep no more, and keeps nothing of one first seen past the cap', () => {
    const rings = new KeyRings({ recent: 1, firstAcknowledged: 1, maxOperations: 2 })
    // Keys 7 and 8 take the cap's two operations; key 7's next five can go nowhere; key 9 comes after the cap.
    const starts = [7, 8, 7, 7, 7, 7, 7, 9, 9]
    for (const [i, key] of starts.entries()) for (const event of op(i, key, i * 1_000)) rings.append(event)
    const brokenAt = (key: number): InvariantResult[] => [{ name: 'kept', held: false, detail: '', broken: [{ key: `key ${key}`, keyValue: key, detail: 'off' }], offline: false }]
    const [seven] = rings.traces(brokenAt(7), 1)
    expect(seven?.operations.map((operation) => operation.iteration)).toEqual([0])
    expect(seven?.operations[0]?.events).toMatchObject([{ type: 'step', params: ['7'] }])
    expect(seven?.dropped).toBe(5)
    expect(rings.traces(brokenAt(9), 1)).toEqual([])
  })

  it('wants no steps of an operation on a whole-number key that can keep nothing more, unless another consumer does', () => {
    const rings = new KeyRings({ recent: 1, firstAcknowledged: 1, maxOperations: 1 })
    const stream = new HistoryStream([new Totals(), rings])
    expect(stream.wantsSteps(7)).toBe(true)
    // Key 7's first operation takes the cap; its second is dropped, and so will every later one be.
    for (const event of [...op(0, 7, 0), ...op(1, 7, 1_000)]) stream.append(event)
    expect(stream.wantsSteps(7)).toBe(false)
    // Key 8 is first seen past the cap: untracked from its first operation on.
    expect(stream.wantsSteps(8)).toBe(true)
    for (const event of op(2, 8, 2_000)) stream.append(event)
    expect(stream.wantsSteps(8)).toBe(false)
    // Keys the rings file otherwise (objects, strings) are always wanted, and so is every key when a
    // consumer says nothing (a history file).
    expect(stream.wantsSteps({ room: 1 })).toBe(true)
    expect(stream.wantsSteps('a')).toBe(true)
    expect(new HistoryStream([new Totals(), rings, { append: () => {} }]).wantsSteps(7)).toBe(true)
    expect(new HistoryStream([new Totals()]).wantsSteps(7)).toBe(false)
  })

  it('prefers the pair that overlapped longest over two operations that merely touch', () => {
    const rings = new KeyRings()
    const history = merged(operation(0, 0, 2, 0, 12_000, 'ok'), operation(1, 0, 2, 11_900, 24_000, 'ok'), operation(2, 0, 2, 30_000, 42_000, 'ok'), operation(3, 0, 2, 30_500, 42_500, 'ok'))
    for (const event of history) rings.append(event)
    const [trace] = rings.traces(violated({ room: 2, night: 1 }, 'room 2 night 1'), 1)
    expect(trace?.operations.map((op) => op.worker)).toEqual([2, 3])
    expect(pickRace([])).toEqual([])
  })
})

describe('the totals read off a history', () => {
  it('count outcomes, retries, error classes, locks, reads and notes as the table shows them', () => {
    const totals = new Totals()
    const events: HistoryEvent[] = [
      ...operation(0, 0, 2, 0, 12_000, 'ok'),
      { t: 13_000, type: 'invoke', worker: 0, iteration: 1, key: 'room 2 night 1', keyValue: { room: 2, night: 1 }, attempt: 0 },
      { t: 13_100, type: 'lock', worker: 0, iteration: 1, phase: 'wait' },
      { t: 14_100, type: 'lock', worker: 0, iteration: 1, phase: 'acquired', ms: 1 },
      { t: 15_000, type: 'retry', worker: 0, iteration: 1, attempt: 1, errorClass: 'serialization', code: '40001', message: 'could not serialize access' },
      { t: 16_000, type: 'conflict', worker: 0, iteration: 1, key: 'room 2 night 1', ms: 3, errorClass: 'unique', code: '23505', message: 'duplicate key' },
      { t: 17_000, type: 'error', worker: 1, iteration: 0, key: 'room 1 night 1', ms: 1, errorClass: 'other', code: '42P01', message: 'relation does not exist' },
      { t: 18_000, type: 'read', reader: 0, iteration: 0, ok: true, ms: 1 },
      { t: 19_000, type: 'read', reader: 0, iteration: 1, ok: false, ms: 1, message: 'timeout' },
      { t: 19_500, type: 'note', reader: 0, iteration: 1, name: 'partial read', detail: 'document 4: 2 of 5 chunks' },
    ]
    for (const event of events) totals.append(event)
    expect(totals.outcomes).toEqual({ ok: 1, rejected: 0, conflict: 1, error: 1, unknown: 0 })
    expect(totals.completed).toBe(3)
    expect(totals.retries).toBe(1)
    expect(totals.errorsByClass).toMatchObject({ serialization: 1, unique: 1, other: 1 })
    expect(totals.lockWait.totalCount).toBe(1)
    expect(totals.errorSamples).toEqual(['relation does not exist', 'reader: timeout'])
    expect(totals.history()).toEqual({ reads: 1, readErrors: 1, observations: { 'partial read': { count: 1, samples: ['document 4: 2 of 5 chunks'] } } })
  })
})

describe('how keys read', () => {
  it('shows object keys as their fields, other keys plainly, and falls back when showKey fails', () => {
    expect(defaultShowKey({ room: 2, night: 3 })).toBe('room 2 night 3')
    expect(defaultShowKey(4)).toBe('key 4')
    expect(showKeyOf({ showKey: (key: never) => `product ${key as number}` })(4)).toBe('product 4')
    const broken = showKeyOf({
      showKey: () => {
        throw new Error('bug')
      },
    })
    expect(broken({ room: 1 })).toBe('room 1')
  })
})
