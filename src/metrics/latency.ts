import type { Histogram } from 'hdr-histogram-js'
// Not the package's index, which also loads its WebAssembly build and pako (for log encoding): some
// 70 ms of every racebench start (cold start), for nothing racebench uses.
import { constructorFromBucketSize } from 'hdr-histogram-js/dist/JsHistogramFactory.js'

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
  // What hdr.build() makes with these settings: 32-bit counts, resizing past the top if it must.
  const Int32Histogram = constructorFromBucketSize(32)
  const histogram = new Int32Histogram(1, 600_000_000, 3)
  histogram.autoResize = true
  return histogram
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
