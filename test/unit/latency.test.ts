import { constructorFromBucketSize } from 'hdr-histogram-js/dist/JsHistogramFactory.js'
import { describe, expect, it } from 'vitest'
import { createLatencyHistogram, LatencyHistogram, mergeHistograms, recordLatency, summarizeLatency } from '../../src/metrics/latency.js'

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

  it('files every value where hdr-histogram-js would', () => {
    const ours = new LatencyHistogram(1, 600_000_000, 3)
    ours.autoResize = true
    const Library = constructorFromBucketSize(32)
    const library = new Library(1, 600_000_000, 3)
    library.autoResize = true
    const values: number[] = []
    for (let v = 0; v <= 1 << 20; v++) values.push(v)
    for (let k = 1; k <= 31; k++) values.push(2 ** k - 1, 2 ** k, 2 ** k + 1)
    let seed = 7
    for (let i = 0; i < 100_000; i++) {
      seed = (seed * 48_271) % 2_147_483_647
      values.push(seed % 2 ** (1 + (i % 31)))
    }
    const differing = values.filter((v) => ours.countsArrayIndex(v) !== library.countsArrayIndex(v))
    expect(differing.slice(0, 5)).toEqual([])
    // Past 2^31, and past the top (the histogram resizes), the library's own arithmetic decides.
    for (const v of [...values.filter((_, i) => i % 97 === 0), 2 ** 31, 2 ** 33 + 5, 900_000_000_000]) {
      ours.recordValue(v)
      library.recordValue(v)
    }
    expect(ours.totalCount).toBe(library.totalCount)
    expect(ours.maxValue).toBe(library.maxValue)
    for (const percentile of [1, 50, 90, 99, 99.9, 100]) expect(ours.getValueAtPercentile(percentile)).toBe(library.getValueAtPercentile(percentile))
  })
})
