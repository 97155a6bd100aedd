import hdr, { type Histogram } from 'hdr-histogram-js'

/** Latency summary in milliseconds, as the JSON contract names it. */
export interface LatencySummary {
  readonly mean: number
  readonly p50: number
  readonly p95: number
  readonly p99: number
  readonly max: number
}

/** 1 µs to 10 minutes at 3 significant digits: every operation a run can have, in fixed memory. */
export function createLatencyHistogram(): Histogram {
  return hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: 3 })
}

/** Records a latency given in milliseconds (from performance.now()) with microsecond resolution. */
export function recordLatency(histogram: Histogram, ms: number): void {
  histogram.recordValue(Math.max(1, Math.round(ms * 1_000)))
}

export function summarizeLatency(histogram: Histogram): LatencySummary {
  if (histogram.totalCount === 0) return { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 }
  const ms = (us: number) => Math.round(us) / 1_000
  // A percentile is its bucket's highest equivalent value, which can exceed the exact maximum.
  const max = histogram.maxValue
  const at = (percentile: number) => ms(Math.min(histogram.getValueAtPercentile(percentile), max))
  return { mean: ms(histogram.mean), p50: at(50), p95: at(95), p99: at(99), max: ms(max) }
}

/** One histogram holding every value of the given ones (for the all-outcomes latency). */
export function mergeHistograms(histograms: readonly Histogram[]): Histogram {
  const merged = createLatencyHistogram()
  for (const histogram of histograms) merged.add(histogram)
  return merged
}
