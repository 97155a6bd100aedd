import { describe, expect, it } from 'vitest'
import { UsageError } from '../../src/errors.js'
import { describeNemesis, NEMESIS_KINDS, parseNemesis } from '../../src/nemesis/spec.js'

const FORMS = 'valid forms: kill-connections:P%[/EVERY], pause-redis:MS[/EVERY], latency:MS, reset[/EVERY], pause-worker:MS[/EVERY], crash-saga:P%'

describe('parseNemesis', () => {
  it.each([
    ['kill-connections:10%', { kind: 'kill-connections', text: 'kill-connections:10%', share: 0.1, everyMs: 1_000 }],
    ['kill-connections:10', { kind: 'kill-connections', text: 'kill-connections:10', share: 0.1, everyMs: 1_000 }],
    ['kill-connections:25%/500ms', { kind: 'kill-connections', text: 'kill-connections:25%/500ms', share: 0.25, everyMs: 500 }],
    ['kill-connections:100%/2s', { kind: 'kill-connections', text: 'kill-connections:100%/2s', share: 1, everyMs: 2_000 }],
    ['kill-connections:1%/250', { kind: 'kill-connections', text: 'kill-connections:1%/250', share: 0.01, everyMs: 250 }],
    ['kill-connections:12.5%', { kind: 'kill-connections', text: 'kill-connections:12.5%', share: 0.125, everyMs: 1_000 }],
    ['pause-redis:200ms', { kind: 'pause-redis', text: 'pause-redis:200ms', ms: 200, everyMs: 1_000 }],
    ['pause-redis:200', { kind: 'pause-redis', text: 'pause-redis:200', ms: 200, everyMs: 1_000 }],
    ['pause-redis:1s/5s', { kind: 'pause-redis', text: 'pause-redis:1s/5s', ms: 1_000, everyMs: 5_000 }],
    ['latency:20ms', { kind: 'latency', text: 'latency:20ms', ms: 20 }],
    ['latency:20', { kind: 'latency', text: 'latency:20', ms: 20 }],
    ['reset', { kind: 'reset', text: 'reset', everyMs: 1_000 }],
    ['reset/300ms', { kind: 'reset', text: 'reset/300ms', everyMs: 300 }],
    ['pause-worker:1500ms/2s', { kind: 'pause-worker', text: 'pause-worker:1500ms/2s', ms: 1_500, everyMs: 2_000 }],
    ['crash-saga:20%', { kind: 'crash-saga', text: 'crash-saga:20%', share: 0.2 }],
    ['  reset/1m  ', { kind: 'reset', text: 'reset/1m', everyMs: 60_000 }],
  ])('%s', (text, expected) => {
    expect(parseNemesis(text)).toEqual(expected)
  })

  it.each([
    ['', 'empty'],
    ['explode', "unknown fault 'explode'"],
    ['kill-conections:10%', "unknown fault 'kill-conections' (did you mean kill-connections?)"],
    ['rest', "unknown fault 'rest' (did you mean reset?)"],
    ['kill-connections', 'kill-connections needs a share, e.g. kill-connections:10%'],
    ['kill-connections:', 'kill-connections needs a share, e.g. kill-connections:10%'],
    ['kill-connections:0%', "the share must be a percentage from 1 to 100 (10% or 10), not '0%'"],
    ['kill-connections:150%', "the share must be a percentage from 1 to 100 (10% or 10), not '150%'"],
    ['kill-connections:ten', "the share must be a percentage from 1 to 100 (10% or 10), not 'ten'"],
    ['kill-connections:-5%', "the share must be a percentage from 1 to 100 (10% or 10), not '-5%'"],
    ['kill-connections:10%/', 'nothing after /: give an interval, e.g. /500ms'],
    ['kill-connections:10%/soon', "the interval after / 'soon' is not a duration (200, 200ms, 1.5s)"],
    ['kill-connections:10%/0ms', 'the interval after / must be from 1ms to 1h, not 0ms'],
    ['kill-connections:10%/2h', 'the interval after / must be from 1ms to 1h, not 2h'],
    ['kill-connections:10%/1s/2s', 'expected KIND[:ARG][/EVERY], with one : and one / at most'],
    ['pause-redis', 'pause-redis needs a pause, e.g. pause-redis:200ms'],
    ['pause-redis:long', "a pause 'long' is not a duration (200, 200ms, 1.5s)"],
    ['pause-redis:0', 'a pause must be from 1ms to 1m, not 0'],
    ['pause-redis:2m/1h', 'a pause must be from 1ms to 1m, not 2m'],
    ['pause-redis:1s', 'the 1s fault must be shorter than its interval (1s), or faults would overlap'],
    ['pause-worker:2s/1s', 'the 2s fault must be shorter than its interval (1s), or faults would overlap'],
    ['pause-worker', 'pause-worker needs a pause, e.g. pause-worker:200ms'],
    ['latency', 'latency needs a delay, e.g. latency:200ms'],
    ['latency:20ms/1s', 'latency is on for the whole run and takes no /EVERY'],
    ['latency:-1ms', "a delay '-1ms' is not a duration (200, 200ms, 1.5s)"],
    ['crash-saga', 'crash-saga needs a share, e.g. crash-saga:10%'],
    ['crash-saga:0.5%', "the share must be a percentage from 1 to 100 (10% or 10), not '0.5%'"],
    ['crash-saga:20%/1s', 'crash-saga applies at every checkpoint for the whole run and takes no /EVERY'],
    ['reset:5', 'reset takes no argument (reset or reset/EVERY)'],
    ['reset:1:2', 'expected KIND[:ARG][/EVERY], with one : and one / at most'],
  ])('%j is refused', (text, problem) => {
    let caught: unknown
    try {
      parseNemesis(text)
    } catch (error) {
      caught = error
    }
    expect(caught).toBeInstanceOf(UsageError)
    const message = (caught as UsageError).message
    expect(message).toBe(`--nemesis '${text.trim()}': ${problem}; ${FORMS}`)
    expect(message).not.toContain('\n')
    expect((caught as UsageError).exitCode).toBe(2)
  })
})

describe('describeNemesis', () => {
  it.each([
    ['kill-connections:10%', 'kill 10% of connections every 1s'],
    ['kill-connections:12.5%/500ms', 'kill 12.5% of connections every 500ms'],
    ['pause-redis:200ms/1.5s', 'pause Redis for 200ms every 1.5s'],
    ['latency:20ms', 'delay database traffic by 20ms each way'],
    ['reset/300ms', 'reset every database connection every 300ms'],
    ['pause-worker:1500ms/2s', 'stall the next worker to think for 1.5s, at the start and every 2s'],
    ['crash-saga:20%', 'crash 20% of checkpoints'],
  ])('%s → %s', (text, line) => {
    expect(describeNemesis(parseNemesis(text))).toBe(line)
  })
})

describe('NEMESIS_KINDS', () => {
  it('lists each kind once with a form starting with its name and a one-line summary', () => {
    const kinds = NEMESIS_KINDS.map((k) => k.kind)
    expect(new Set(kinds).size).toBe(kinds.length)
    for (const { kind, form, summary } of NEMESIS_KINDS) {
      expect(form.startsWith(kind)).toBe(true)
      expect(summary).not.toContain('\n')
      expect(summary.length).toBeGreaterThan(10)
    }
  })
})
