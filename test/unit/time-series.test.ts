import { describe, expect, it } from 'vitest'
import type { HistoryEvent } from '../../src/history/event.js'
import { TimeSeriesSink } from '../../src/history/time-series.js'

/** A completion at `s` seconds after the start barrier, `ms` long. */
const done = (s: number, type: 'ok' | 'conflict' | 'error', ms = 2): HistoryEvent => ({ t: Math.round(s * 1e6), type, worker: 0, iteration: 0, key: 'k', ms })

function seriesOf(events: readonly HistoryEvent[], endS: number, intervalMs = 1_000) {
  const sink = new TimeSeriesSink(intervalMs)
  for (const event of events) sink.append(event)
  return sink.series(endS * 1e6)
}

describe('the time series, cut by the events’ own time', () => {
  it('counts each completion in the interval it happened in, with that interval’s percentiles', () => {
    const { points, intervalMs } = seriesOf([done(0.1, 'ok', 1), done(0.2, 'ok', 3), done(1.5, 'conflict', 10), done(2.2, 'error', 7)], 2.5)
    expect(intervalMs).toBe(1_000)
    expect(points.map((p) => [p.t, p.seconds, p.outcomes.ok, p.outcomes.conflict, p.outcomes.error])).toEqual([
      [0, 1, 2, 0, 0],
      [1, 1, 0, 1, 0],
      [2, 0.5, 0, 0, 1],
    ])
    expect(points[0]).toMatchObject({ opsPerSec: 2, p50: 1, p99: 3 })
    // The last interval is cut short by the run's end: its rate is per second of it.
    expect(points[2]).toMatchObject({ opsPerSec: 2, p50: 7, p99: 7 })
  })

  it('keeps the empty intervals a pause went through, at zero', () => {
    const { points } = seriesOf([done(0.5, 'ok'), done(3.5, 'ok')], 4)
    expect(points.map((p) => p.t)).toEqual([0, 1, 2, 3])
    expect(points[1]).toMatchObject({ opsPerSec: 0, p50: 0, p99: 0 })
  })

  it('a late event (a worker slow to report) still counts in its own, closed interval', () => {
    const { points } = seriesOf([done(0.5, 'ok'), done(1.2, 'ok'), done(0.9, 'conflict')], 2)
    expect(points[0]!.outcomes).toMatchObject({ ok: 1, conflict: 1 })
    expect(points[1]!.outcomes).toMatchObject({ ok: 1, conflict: 0 })
  })

  it('counts retries and lock waits, with the longest wait', () => {
    const events: HistoryEvent[] = [
      { t: 100_000, type: 'retry', worker: 1, iteration: 0, attempt: 1 },
      { t: 200_000, type: 'lock', worker: 1, iteration: 0, phase: 'acquired', ms: 4.5 },
      { t: 300_000, type: 'lock', worker: 2, iteration: 0, phase: 'not-acquired', ms: 50 },
      { t: 400_000, type: 'lock', worker: 2, iteration: 0, phase: 'released' },
    ]
    expect(seriesOf(events, 1).points).toEqual([expect.objectContaining({ retries: 1, lockWaits: 2, lockWaitMaxMs: 50 })])
  })

  it('a run with no event still has one point, and no NaN anywhere', () => {
    const { points } = seriesOf([], 0)
    expect(points).toHaveLength(1)
    expect(JSON.stringify(points)).not.toMatch(/NaN|null/)
  })

  it('the last closed interval is what the progress line shows', () => {
    const sink = new TimeSeriesSink(500)
    sink.append(done(0.1, 'ok'))
    expect(sink.lastClosed()).toBeUndefined()
    sink.append(done(0.6, 'ok'))
    expect(sink.lastClosed()).toMatchObject({ t: 0, seconds: 0.5, opsPerSec: 2 })
  })
})
