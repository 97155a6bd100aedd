import { describe, expect, it } from 'vitest'
import { createLatencyHistogram, mergeHistograms, recordLatency, summarizeLatency } from '../../src/metrics/latency.js'

describe('latency summary', () => {
  it('is in milliseconds with microsecond resolution', () => {
    const histogram = createLatencyHistogram()
    for (let ms = 1; ms <= 100; ms++) recordLatency(histogram, ms)
    const summary = summarizeLatency(histogram)
    expect(summary.mean).toBeCloseTo(50.5, 0)
    expect(summary.p50).toBeCloseTo(50, 0)
    expect(summary.p99).toBeCloseTo(99, 0)
    expect(summary.max).toBeCloseTo(100, 0)
  })

  it('never reports a percentile above the maximum', () => {
    const histogram = createLatencyHistogram()
    recordLatency(histogram, 74.02)
    recordLatency(histogram, 1)
    const summary = summarizeLatency(histogram)
    expect(summary.p99).toBeLessThanOrEqual(summary.max)
    expect(summary.max).toBe(74.02)
  })

  it('is all zeros when nothing was recorded, and merges', () => {
    expect(summarizeLatency(createLatencyHistogram())).toEqual({ mean: 0, p50: 0, p95: 0, p99: 0, max: 0 })
    const a = createLatencyHistogram()
    const b = createLatencyHistogram()
    recordLatency(a, 2)
    recordLatency(b, 8)
    expect(summarizeLatency(mergeHistograms([a, b])).max).toBe(8)
  })
})
