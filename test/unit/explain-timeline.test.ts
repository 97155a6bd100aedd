import { Chalk } from 'chalk'
import { describe, expect, it } from 'vitest'
import type { InvariantResult } from '../../src/check/check-invariants.js'
import type { CompletionEvent, HistoryEvent, StepEvent } from '../../src/history/event.js'
import type { Trace } from '../../src/history/trace.js'
import { renderTimeline } from '../../src/report/timeline.js'
import type { ScheduleLine } from '../../src/schedule/drive.js'
import { explainTrace, whatStoppedTheRace } from '../../src/schedule/explain-trace.js'
import { OperationRecorder } from '../../src/schedule/operation-recorder.js'
import { workerName, type StepPoint } from '../../src/schedule/step-gate.js'

// Hand-written histories of scheduled runs (times in µs): what explain records and draws, without a database.

const plain = new Chalk({ level: 0 })
const SLOT = "SELECT 1 FROM bookings WHERE room_id = $1 AND night = $2 AND status = 'active' LIMIT 1"
const BOOK = 'INSERT INTO bookings (room_id, night, guest) VALUES ($1, $2, $3)'
const KEY = 'room 2 night 3'

const invoke = (t: number, worker: number): HistoryEvent => ({ t, type: 'invoke', worker, iteration: 0, key: KEY, keyValue: { room: 2, night: 3 }, attempt: 0 })
const step = (t: number, worker: number, sql: string, params: string[], answer: Partial<StepEvent> = {}): StepEvent => ({ t, type: 'step', worker, iteration: 0, sql, params, ms: 0.4, ...answer })
const done = (t: number, worker: number, type: CompletionEvent['type'] = 'ok'): CompletionEvent => ({ t, type, worker, iteration: 0, key: KEY, ms: t / 1000 })
const held = (name: string, detail: string): InvariantResult => ({ name, held: true, detail, broken: [], offline: false })

/** The canonical race of double-booking `none`: a1 b1 a2 b2, as the schedule's history has it. */
const race: HistoryEvent[] = [
  invoke(0, 0),
  invoke(5, 1),
  step(100, 0, SLOT, ['2', '3'], { rows: 0 }),
  step(20_000, 1, SLOT, ['2', '3'], { rows: 0 }),
  step(40_000, 0, BOOK, ['2', '3', 'guest-0-0'], { rows: 1 }),
  done(41_000, 0),
  step(60_000, 1, BOOK, ['2', '3', 'guest-1-0'], { rows: 1 }),
  done(61_000, 1),
]

function recorded(events: readonly HistoryEvent[]) {
  const recorder = new OperationRecorder()
  for (const event of events) recorder.append(event)
  return recorder.operations()
}

const point = (sql: string): StepPoint => ({ sent: { t: 0, type: 'step', iteration: 0, sql, ms: 0 }, kind: 'sql', lock: true })

describe('explain: the scheduled run as a timeline', () => {
  it('keeps each operation whole, from invoke to completion, in the order they began', () => {
    const operations = recorded(race)
    expect(operations.map((op) => [op.worker, op.start, op.end, op.outcome, op.events.length])).toEqual([
      [0, 0, 41_000, 'ok', 2],
      [1, 5, 61_000, 'ok', 2],
    ])
    // An operation still running when the history ended has no end.
    expect(recorded(race.slice(0, 4))[0]).not.toHaveProperty('end')
  })

  it('draws lanes a and b, both reads before either write, under the broken invariant', () => {
    const broken: InvariantResult = { name: 'no double booking', held: false, detail: 'room 2 on night 3 has 2 active bookings', broken: [{ key: KEY, keyValue: {}, detail: '2 active bookings' }], offline: false }
    const trace = explainTrace({ key: KEY, operations: recorded(race), invariants: [broken], lines: [], outcomes: [] })
    expect(trace).toMatchObject({ invariant: 'no double booking', key: KEY, detail: '2 active bookings', dropped: 0 })
    const text = renderTimeline(trace, plain, { width: 100, laneName: workerName })
    expect(text).toContain('how it happened on room 2 night 3 (no double booking)')
    expect(text).toMatch(/^ +\+0\.00 ms {2}┌ a$/m)
    expect(text).toMatch(/ms {2}│ {3}┌ b$/m)
    expect(text).not.toContain('worker 0')
    const rows = text.split('\n')
    const readB = rows.findIndex((row) => /│ {3}├ SELECT/.test(row))
    const writeA = rows.findIndex((row) => /ms {2}├ INSERT/.test(row))
    expect(readB).toBeGreaterThan(0)
    expect(writeA).toBeGreaterThan(readB)
    expect(text).toContain('⇒ workers a and b both read before either wrote')
    expect(text).toContain('final state of room 2 night 3: 2 active bookings')
  })

  it('without a lane name, a timeline is drawn as before: worker n · iteration i', () => {
    const trace: Trace = { invariant: 'x', key: KEY, detail: 'd', operations: recorded(race), dropped: 0 }
    const text = renderTimeline(trace, plain, { width: 100 })
    expect(text).toContain('┌ worker 0 · iteration 0')
    expect(text).toContain('⇒ workers 0 and 1 both read before either wrote')
    expect(text).toContain('one column per worker')
  })

  it('a held run is titled by what stopped the race: a wait, a failed step, a refusal', () => {
    const wait: ScheduleLine = { kind: 'step', label: 'b2', worker: 1, point: point('SELECT id FROM rooms WHERE id=2 FOR UPDATE'), status: 'waiting', waitingFor: ['a'] }
    const late: ScheduleLine = { kind: 'late', label: 'b2', worker: 1, point: wait.point, answer: step(0, 1, 'UPDATE x', [], { errorClass: 'serialization', code: '40001' }), ms: 30 }
    expect(whatStoppedTheRace([wait], [])).toBe('b2 waited for a lock held by a')
    expect(whatStoppedTheRace([wait, late], [])).toBe('b2 waited for a lock held by a, then failed: serialization 40001')
    expect(whatStoppedTheRace([late], [])).toBe('b2 failed: serialization 40001')
    const taken: ScheduleLine = { kind: 'step', label: 'b1', worker: 1, point: wait.point, answer: { t: 0, type: 'step', worker: 1, iteration: 0, redis: 'SET racebench_x:lock:slot:7 1:0:ab PX 10000 NX', rows: 0, ms: 0.2 }, status: 'answered' }
    expect(whatStoppedTheRace([taken], [{ worker: 'b', outcome: 'rejected' }])).toBe('b1 found the lock taken')
    expect(whatStoppedTheRace([], [{ worker: 'a', outcome: 'ok' }, { worker: 'b', outcome: 'rejected' }])).toBe('b was rejected')
    expect(whatStoppedTheRace([], [{ worker: 'b', outcome: 'conflict', errorClass: 'unique', code: '23505' }])).toBe('b ended in conflict (unique 23505)')
    expect(whatStoppedTheRace([], [{ worker: 'a', outcome: 'ok' }])).toBeUndefined()
    const trace = explainTrace({ key: KEY, operations: [], invariants: [held('no double booking', '1 slot booked'), held('counts', '1 acknowledged')], lines: [wait], outcomes: [] })
    expect(trace.invariant).toBe('every invariant held; b2 waited for a lock held by a')
    expect(trace.detail).toBe('1 slot booked; 1 acknowledged')
  })

  it('a lock wait is drawn from when its statement was released, not while the schedule held it back', () => {
    const events: HistoryEvent[] = [
      invoke(0, 1),
      { t: 1_000, type: 'lock', worker: 1, iteration: 0, phase: 'wait' },
      step(30_000, 1, 'SELECT id FROM rooms WHERE id = $1 FOR UPDATE', ['2'], { rows: 1, first: 'id=2', ms: 50 }),
      { t: 80_000, type: 'lock', worker: 1, iteration: 0, phase: 'acquired', ms: 79 },
      done(90_000, 1, 'rejected'),
    ]
    const [operation] = explainTrace({ key: KEY, operations: recorded(events), invariants: [], lines: [], outcomes: [] }).operations
    const locks = operation!.events.filter((event) => event.type === 'lock')
    expect(locks.map((event) => [event.t, event.type === 'lock' ? event.phase : '', event.type === 'lock' ? event.ms : undefined])).toEqual([
      [30_000, 'wait', undefined],
      [80_000, 'acquired', 50],
    ])
    // The wait stays before the statement it waits in.
    expect(operation!.events.map((event) => event.type)).toEqual(['lock', 'step', 'lock'])
  })
})
