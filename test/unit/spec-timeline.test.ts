import { Chalk } from 'chalk'
import { describe, expect, it } from 'vitest'
import { renderSpecRun, swimlaneShown } from '../../src/report/spec-text.js'
import { SpecHistory } from '../../src/spec/spec-history.js'
import type { PermutationResult } from '../../src/spec/run-permutations.js'
import type { SpecRunResult } from '../../src/spec/run-spec.js'

const plain = new Chalk({ level: 0 })
const order = ['alice1', 'bob1', 'alice2', 'bob2']
const sessionOf = new Map([['alice1', 'alice'], ['alice2', 'alice'], ['bob1', 'bob'], ['bob2', 'bob']])
const serialization = Object.assign(new Error('could not serialize access due to concurrent update'), { code: '40001' })

/** A permutation's history as drivePermutation records it: alice reads and commits, bob's update fails. */
function history(): SpecHistory {
  const h = new SpecHistory(['alice', 'bob'], order, sessionOf, 'counter')
  const send = (session: string, sql: string, result?: { rows: unknown[]; rowCount: number }, error?: unknown, params?: unknown[]) =>
    h.answered(session, h.sending(session, { sql }), { sql, ...(params ? { params } : {}) }, result, error)
  send('alice', 'BEGIN', { rows: [], rowCount: 0 })
  send('bob', 'SELECT n FROM counter WHERE id = 1', { rows: [{ n: 0 }], rowCount: 1 })
  send('alice', 'COMMIT', { rows: [], rowCount: 0 })
  send('bob', 'UPDATE counter SET n = $1 WHERE id = 1', undefined, serialization, [1])
  return h
}

function permutation(occurred: boolean, h = history()): PermutationResult {
  return {
    order,
    events: [],
    anomaly: { occurred, detail: occurred ? 'counter is 1' : 'counter is 2' },
    prevention: [],
    trace: { invariant: `permutation: ${occurred ? 'anomaly occurred' : 'no anomaly'}`, key: 'counter', detail: 'counter is 1', operations: h.operations(), dropped: 0 },
  }
}

function run(permutations: PermutationResult[]): SpecRunResult {
  const db = { dialect: 'postgres', server: 'PostgreSQL 15.20', url: 'postgres://x', embedded: false, schema: 's' }
  return { spec: 'counter', summary: 'two increments', isolation: 'read committed', db, sessions: ['alice', 'bob'], permutations, occurred: permutations.filter((p) => p.anomaly?.occurred).length, stuck: 0 }
}

describe('spec: each permutation as a history, drawn as a swimlane', () => {
  it('records each session as one operation of its steps, formatted as a traced session does', () => {
    const [alice, bob] = history().operations()
    expect(alice).toMatchObject({ worker: 0, key: 'counter', outcome: 'ok' })
    // BEGIN and COMMIT answer no rows of their own: no `0 rows` for them.
    expect(alice!.events.map((e) => (e.type === 'step' ? [e.sql, e.rows] : []))).toEqual([['BEGIN', undefined], ['COMMIT', undefined]])
    expect(bob).toMatchObject({ worker: 1, outcome: 'conflict', completion: { errorClass: 'serialization', code: '40001' } })
    expect(bob!.events).toMatchObject([
      { type: 'step', sql: 'SELECT n FROM counter WHERE id = 1', rows: 1, first: 'n=0' },
      { type: 'step', sql: 'UPDATE counter SET n = $1 WHERE id = 1', params: ['1'], errorClass: 'serialization', code: '40001', error: 'could not serialize access due to concurrent update' },
    ])
  })

  it('a session whose steps did not all run is still running, and a step never answered is shown as such', () => {
    const h = new SpecHistory(['alice', 'bob'], order, sessionOf, 'counter')
    h.answered('alice', h.sending('alice', { sql: 'BEGIN' }), { sql: 'BEGIN' }, { rows: [], rowCount: 0 })
    h.sending('alice', { sql: 'UPDATE t SET v = 1' })
    const [alice] = h.operations()
    expect(alice).not.toHaveProperty('end')
    expect(alice!.events).toMatchObject([{ sql: 'BEGIN' }, { sql: 'UPDATE t SET v = 1', error: 'never answered' }])
  })

  it('draws the first permutation where the anomaly occurred, after its steps, lanes named by the sessions', () => {
    const result = run([permutation(false), permutation(true), permutation(true)])
    expect(swimlaneShown(result)).toBe(1)
    const text = renderSpecRun(result, plain, 100)
    expect(text.match(/how it happened/g)).toHaveLength(1)
    const swimlane = text.slice(text.indexOf('how it happened'))
    expect(text.indexOf('how it happened')).toBeGreaterThan(text.indexOf('permutation 2: alice1 bob1 alice2 bob2'))
    expect(text.indexOf('how it happened')).toBeLessThan(text.indexOf('permutation 3:'))
    expect(swimlane).toContain('one column per session')
    expect(swimlane).toMatch(/┌ alice$/m)
    expect(swimlane).toMatch(/┌ bob$/m)
    expect(swimlane).toContain('✘ conflict: serialization 40001')
    expect(swimlane).not.toContain('worker')
  })

  it('draws the first permutation when the anomaly never occurred', () => {
    const result = run([permutation(false), permutation(false)])
    expect(swimlaneShown(result)).toBe(0)
    const text = renderSpecRun(result, plain, 100)
    expect(text.indexOf('how it happened')).toBeLessThan(text.indexOf('permutation 2:'))
  })
})
