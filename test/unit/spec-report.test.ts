import { Chalk } from 'chalk'
import { describe, expect, it } from 'vitest'
import type { AnomalyTable } from '../../src/anomalies/run-anomalies.js'
import { cellText, renderAnomalyTable } from '../../src/report/anomaly-table.js'
import { renderPermutation, stepAnswer } from '../../src/report/spec-text.js'
import { preventionOf } from '../../src/spec/run-permutations.js'

const plain = new Chalk({ level: 0 })
const ok = (step: string, rows: Record<string, unknown>[] = [], rowCount = rows.length) => ({ step, session: step[0]!, rows, rowCount, waitedFor: [] as string[] })

describe('spec reports', () => {
  it('a step answers with its rows, a row count, ok, or its error', () => {
    expect(stepAnswer(ok('a1'))).toBe('ok')
    expect(stepAnswer(ok('a2', [], 1))).toBe('1 row')
    expect(stepAnswer(ok('a3', [{ id: 1, value: 10 }, { id: 2, value: null }]))).toBe('id=1 value=10; id=2 value=null')
    expect(stepAnswer({ ...ok('b3'), error: { class: 'serialization', code: '40001', message: 'could not serialize access' } })).toBe('error (serialization 40001): could not serialize access')
  })

  it('a permutation prints each step where it happened, waits included, and its verdict', () => {
    const text = renderPermutation(
      {
        order: ['a1', 'b1', 'a2'],
        events: [
          { type: 'step', step: 'a1', session: 'a', sql: 'UPDATE t SET v = 1', result: ok('a1', [], 1) },
          { type: 'waiting', step: 'b1', session: 'b', sql: 'UPDATE t SET v = 2', waitingFor: ['a'] },
          { type: 'step', step: 'a2', session: 'a', sql: 'COMMIT', result: ok('a2') },
          { type: 'unblocked', step: 'b1', session: 'b', after: 'a2', result: { ...ok('b1', [], 1), waitedFor: ['a'] } },
        ],
        anomaly: { occurred: false, detail: 'v = 2' },
        prevention: ['blocked'],
      },
      0,
      plain,
      80,
    )
    expect(text.split('\n')).toEqual([
      'permutation 1: a1 b1 a2',
      '  a1   UPDATE t SET v = 1                        1 row',
      '  b1   UPDATE t SET v = 2                        … waiting for a',
      '  a2   COMMIT                                    ok',
      '  b1   (done waiting, after a2)                  1 row',
      '  ✔ no anomaly (blocked): v = 2',
    ])
  })

  it('how a permutation kept the anomaly out: waits, serialization failures, deadlocks', () => {
    expect(preventionOf([ok('a1'), { ...ok('b1'), waitedFor: ['a'] }, { ...ok('b2'), error: { class: 'deadlock', code: '1213', message: '' } }])).toEqual(['blocked', 'deadlock'])
    expect(preventionOf([{ ...ok('a1'), error: { class: 'serialization', code: '40001', message: '' } }])).toEqual(['serialization failure'])
    expect(preventionOf([ok('a1')])).toEqual([])
  })

  it('the anomaly table has a row per anomaly and a column per level', () => {
    const table: AnomalyTable = {
      db: { dialect: 'postgres', server: 'PostgreSQL 15.20', url: 'postgres://x', embedded: false },
      levels: ['read committed', 'serializable'],
      anomalies: [{ name: 'P4', summary: 'lost update' }],
      cells: [
        { anomaly: 'P4', level: 'read committed', outcome: 'possible', how: ['blocked'], detail: '' },
        { anomaly: 'P4', level: 'serializable', outcome: 'prevented', how: ['blocked', 'serialization failure'], detail: '' },
      ],
    }
    expect(cellText(table.cells[1]!)).toBe('prevented (blocked, serialization failure)')
    const text = renderAnomalyTable(table, plain)
    expect(text).toContain('Isolation anomalies on PostgreSQL 15.20')
    expect(text).toMatch(/│ P4 +│ possible +│ prevented \(blocked, serialization failure\) │/)
  })
})
