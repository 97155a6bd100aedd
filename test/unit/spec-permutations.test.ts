import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import { defineSpec } from '../../src/spec/define-spec.js'
import { allInterleavings, interleavingCount, MAX_PERMUTATIONS, permutationsOf } from '../../src/spec/permutations.js'
import { checkSpec } from '../../src/spec/validate-spec.js'
import { parseSpecIsolation } from '../../src/spec/isolation.js'
import { HERMITAGE_SPECS } from '../../src/anomalies/hermitage.js'

const SESSIONS = { a: ['a1', 'a2'], b: ['b1', 'b2'] }
const spec = (over: object) =>
  defineSpec({ name: 'x', summary: 'x', sessions: { a: { steps: { a1: 'BEGIN', a2: 'COMMIT' } }, b: { steps: { b1: 'SELECT 1' } } }, anomaly: () => ({ occurred: false, detail: '' }), ...over })

describe('spec permutations', () => {
  it('every interleaving keeps each session’s order, once each', () => {
    const all = allInterleavings(Object.values(SESSIONS))
    expect(all.map((p) => p.join(' '))).toEqual(['a1 a2 b1 b2', 'a1 b1 a2 b2', 'a1 b1 b2 a2', 'b1 a1 a2 b2', 'b1 a1 b2 a2', 'b1 b2 a1 a2'])
    expect(interleavingCount([2, 2])).toBe(6)
    expect(interleavingCount([4, 4])).toBe(70)
    expect(interleavingCount([3, 3, 3])).toBe(1680)
    expect(allInterleavings([['a1', 'a2', 'a3'], ['b1', 'b2'], ['c1']])).toHaveLength(interleavingCount([3, 2, 1]))
  })

  it('given permutations are checked: unknown, repeated, missing steps and a session’s order each one line', () => {
    const fail = (given: string) => {
      try {
        permutationsOf(SESSIONS, [given], 'spec.js')
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError)
        return (error as Error).message
      }
      throw new Error('no error')
    }
    expect(fail('a1 b1 a2 b3')).toBe("spec.js: permutation 1 (a1 b1 a2 b3) names an unknown step 'b3'; steps: a1, a2, b1, b2")
    expect(fail('a1 b1 a2 b1')).toBe("spec.js: permutation 1 (a1 b1 a2 b1) names step 'b1' twice")
    expect(fail('a1 b1 a2')).toBe('spec.js: permutation 1 (a1 b1 a2) leaves out step b2: a permutation names every step once')
    expect(fail('a2 a1 b1 b2')).toBe("spec.js: permutation 1 (a2 a1 b1 b2) runs session a's steps as a2 a1; a session's steps keep their order: a1 a2")
    expect(permutationsOf(SESSIONS, [['a1', 'b1', 'a2', 'b2'], 'b1, b2, a1, a2'], 'spec.js')).toEqual([
      ['a1', 'b1', 'a2', 'b2'],
      ['b1', 'b2', 'a1', 'a2'],
    ])
  })

  it('too many interleavings by default is a usage error that says what to do', () => {
    const sessions = { a: ['a1', 'a2', 'a3', 'a4', 'a5', 'a6', 'a7'], b: ['b1', 'b2', 'b3', 'b4', 'b5', 'b6', 'b7'] }
    expect(interleavingCount([7, 7])).toBeGreaterThan(MAX_PERMUTATIONS)
    expect(() => permutationsOf(sessions, undefined, 'spec.js')).toThrow('spec.js has 3432 interleavings, more than 1000: list the ones to run in its permutations')
  })
})

describe('spec shape', () => {
  it('a session without steps, a duplicate step name, one session, no anomaly(): one line each', () => {
    expect(() => checkSpec(spec({ sessions: { a: { steps: { a1: 'SELECT 1' } }, b: { steps: {} } } }), 'f.js')).toThrow('f.js: session b has no steps')
    expect(() => checkSpec(spec({ sessions: { a: { steps: { s1: 'SELECT 1' } }, b: { steps: { s1: 'SELECT 2' } } } }), 'f.js')).toThrow(
      "f.js: step name 's1' is used by sessions a and b; step names are unique",
    )
    expect(() => checkSpec(spec({ sessions: { a: { steps: { a1: 'SELECT 1' } } } }), 'f.js')).toThrow('needs at least two sessions, has 1')
    expect(() => checkSpec(spec({ anomaly: undefined }), 'f.js')).toThrow("spec 'x' has no anomaly(ctx) function")
    expect(() => checkSpec(spec({ sessions: { a: { steps: { a1: 42 } }, b: { steps: { b1: 'SELECT 1' } } } }), 'f.js')).toThrow('step a1 of session a must be SQL')
  })

  it('a spec without permutations runs every interleaving', () => {
    expect(checkSpec(spec({}), 'f.js').permutations.map((p) => p.join(' '))).toEqual(['a1 a2 b1', 'a1 b1 a2', 'b1 a1 a2'])
  })

  it('every Hermitage spec is well formed, with one permutation', () => {
    for (const hermitage of HERMITAGE_SPECS) expect(checkSpec(hermitage, hermitage.name).permutations).toHaveLength(1)
  })

  it('--isolation takes the levels in any spelling, read uncommitted too', () => {
    expect(parseSpecIsolation('READ UNCOMMITTED')).toBe('read-uncommitted')
    expect(parseSpecIsolation('repeatable_read')).toBe('repeatable-read')
    expect(() => parseSpecIsolation('snapshot')).toThrow("--isolation 'snapshot' is not one of: read-uncommitted, read-committed, repeatable-read, serializable")
  })
})
