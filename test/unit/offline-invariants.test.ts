import { describe, expect, it } from 'vitest'
import { checkOfflineInvariants } from '../../src/check/check-invariants.js'
import { showKeyOf } from '../../src/history/keys.js'
import type { History, Observation, Scenario } from '../../src/scenario/define-scenario.js'
import scenario from '../../scenarios/duplicate-chunk-insert.js'

const PARTIAL_READS = 'no reader saw a COMPLETED document short of chunks'
const outcomes = { ok: 10, rejected: 40, conflict: 0, error: 0, unknown: 0 }
const calls = { origin: 'the built-in scenario duplicate-chunk-insert', showKey: showKeyOf(scenario) }

/** A history as a history file gives it back: only the readers' reads and notes matter here. */
function history(samples: readonly string[], count = samples.length, readErrors = 0): History {
  const observations: Record<string, Observation> = samples.length > 0 ? { 'partial read': { count, samples } } : {}
  return { reads: 500, readErrors, observations }
}

const check = (h: History) => checkOfflineInvariants(scenario as unknown as Scenario, { params: scenario.params, outcomes, history: h }, calls)

describe('duplicate-chunk-insert, checked on its history alone', () => {
  it('is the only offline invariant of the scenario: the others need the final state', () => {
    expect(check(history([])).map((result) => result.name)).toEqual([PARTIAL_READS])
  })

  it('holds when no reader saw a COMPLETED document short of chunks', () => {
    expect(check(history([], 0, 2))).toEqual([
      { name: PARTIAL_READS, held: true, detail: '500 reads (2 failed), none saw a COMPLETED document with fewer than its 5 chunks', broken: [], offline: true },
    ])
  })

  it('names each document readers saw short, the fewest chunks seen first', () => {
    const samples = [
      'document 4 was COMPLETED with 3 of 5 chunks',
      'document 2 was COMPLETED with 1 of 5 chunks',
      'document 4 was COMPLETED with 0 of 5 chunks',
      'document 7 was COMPLETED with 1 of 5 chunks',
    ]
    const [result] = check(history(samples, 9))
    expect(result).toMatchObject({
      held: false,
      detail:
        '9 of 500 reads saw a COMPLETED document short of chunks, e.g. document 4 was COMPLETED with 3 of 5 chunks; ' +
        'document 2 was COMPLETED with 1 of 5 chunks; document 4 was COMPLETED with 0 of 5 chunks',
      offline: true,
    })
    expect(result?.broken).toEqual([
      { key: 'document 4', keyValue: 4, detail: 'read COMPLETED with 0 of 5 chunks' },
      { key: 'document 2', keyValue: 2, detail: 'read COMPLETED with 1 of 5 chunks' },
      { key: 'document 7', keyValue: 7, detail: 'read COMPLETED with 1 of 5 chunks' },
    ])
  })

  it('names no key for a note it does not recognise, and still fails', () => {
    const [result] = check(history(['something else entirely']))
    expect(result).toMatchObject({ held: false, broken: [] })
  })
})
