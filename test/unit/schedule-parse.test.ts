import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import { alternatingChooser, exploringChooser, fixedChooser } from '../../src/schedule/choosers.js'
import type { WorkerView } from '../../src/schedule/drive.js'
import { branchesOf } from '../../src/schedule/permutations.js'
import { parseSchedule, scheduleText } from '../../src/schedule/schedule.js'

const view = (phase: WorkerView['phase'], steps = 0, waitingFor: number[] = []): WorkerView => ({ phase, steps, point: undefined, out: undefined, waitingFor })

describe('parseSchedule', () => {
  it('reads workers and step numbers, spaces or commas between them', () => {
    expect(parseSchedule('a1 b1 a2 b2')).toEqual([
      { worker: 0, step: 1, label: 'a1' },
      { worker: 1, step: 1, label: 'b1' },
      { worker: 0, step: 2, label: 'a2' },
      { worker: 1, step: 2, label: 'b2' },
    ])
    expect(scheduleText(parseSchedule(' A1,b1 ,  b2 a2 '))).toBe('a1 b1 b2 a2')
  })

  it.each([
    ['', /^--schedule is empty/],
    ['a1 c1', /^--schedule: unknown worker 'c' in c1: the workers are a and b$/],
    ['a1 b1 a1', /^--schedule: a1 appears twice: each step runs once$/],
    ['a1 b1 a3', /^--schedule: a2 is missing: a3 comes before it$/],
    ['a0 b1', /^--schedule: a0 is not a step: steps are numbered from 1$/],
    ['a1 b-1', /^--schedule: 'b-1' is not a step/],
    ['a1 a2', /^--schedule: worker b has no steps/],
  ])('%j is one clear line', (text, message) => {
    expect(() => parseSchedule(text)).toThrow(UsageError)
    expect(() => parseSchedule(text)).toThrow(message)
  })
})

describe('choosers', () => {
  it('a fixed schedule names a step that never comes, or one that cannot go yet', () => {
    const chooser = fixedChooser(parseSchedule('a1 b1 b2 a2'))
    expect(chooser.next([view('requesting'), view('requesting')])).toBe(0)
    expect(chooser.next([view('requesting', 1), view('requesting')])).toBe(1)
    expect(() => chooser.next([view('requesting', 1), view('done', 1)])).toThrow(/^--schedule: b2 never comes: b's operation ended after 1 step$/)
    const waits = fixedChooser(parseSchedule('a1 b1 b2 a2'))
    waits.next([view('requesting'), view('requesting')])
    waits.next([view('requesting', 1), view('requesting')])
    expect(() => waits.next([view('requesting', 1), view('running', 1, [0])])).toThrow(/^--schedule cannot go on: b2 is next, but b1 waits for a; put a's next steps before b2$/)
  })

  it('the canonical race takes turns, and lets a worker go on alone while the other waits', () => {
    const chooser = alternatingChooser()
    expect(chooser.next([view('requesting'), view('requesting')])).toBe(0)
    expect(chooser.next([view('requesting', 1), view('requesting')])).toBe(1)
    expect(chooser.next([view('requesting', 1), view('running', 1, [0])])).toBe(0)
    expect(chooser.next([view('requesting', 2), view('running', 1, [0])])).toBe(0)
    expect(chooser.next([view('done', 3), view('requesting', 1)])).toBe(1)
  })

  it('an exploring chooser follows its prefix at each point where both could go, then takes a', () => {
    const chooser = exploringChooser([1])
    expect(chooser.next([view('requesting'), view('requesting')])).toBe(1)
    expect(chooser.next([view('requesting'), view('done', 1)])).toBe(0)
    expect(chooser.next([view('requesting', 1), view('requesting', 1)])).toBe(0)
    expect(chooser.decisions).toEqual([
      { chosen: 1, options: [0, 1] },
      { chosen: 0, options: [0, 1] },
    ])
  })
})

describe('branchesOf', () => {
  it('each point past the prefix where the other worker could have gone is a branch, the deepest last', () => {
    const decisions = [
      { chosen: 0, options: [0, 1] },
      { chosen: 0, options: [0, 1] },
      { chosen: 1, options: [0, 1] },
    ]
    expect(branchesOf(decisions, 0)).toEqual([[1], [0, 1], [0, 0, 0]])
    expect(branchesOf(decisions, 2)).toEqual([[0, 0, 0]])
  })
})
