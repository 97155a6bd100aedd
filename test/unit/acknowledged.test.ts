import { describe, expect, it } from 'vitest'
import { acknowledgedVerdict } from '../../src/check/acknowledged.js'

const outcomes = (ok: number, unknown = 0) => ({ ok, rejected: 0, conflict: 0, error: 0, unknown })
const names = { found: 'active bookings', lost: 'acknowledged bookings lost' }

describe('acknowledgedVerdict', () => {
  it('holds when the final state has exactly the acknowledged rows', () => {
    expect(acknowledgedVerdict(25, outcomes(25), names)).toEqual({ held: true, detail: '25 active bookings, 25 acknowledged' })
  })

  it('counts an unknown operation as maybe landed, either way', () => {
    expect(acknowledgedVerdict(25, outcomes(25, 2), names).held).toBe(true)
    expect(acknowledgedVerdict(27, outcomes(25, 2), names)).toEqual({ held: true, detail: '27 active bookings, 25 acknowledged (+2 unknown)' })
  })

  it('says how many were lost, or never acknowledged', () => {
    expect(acknowledgedVerdict(22, outcomes(25), names)).toEqual({ held: false, detail: '22 active bookings, 25 acknowledged: 3 acknowledged bookings lost' })
    expect(acknowledgedVerdict(29, outcomes(25, 2), names)).toEqual({ held: false, detail: '29 active bookings, 25 acknowledged (+2 unknown): 2 never acknowledged' })
  })
})
