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

// What hdr.build() makes with createLatencyHistogram's settings: 32-bit counts. (The factory's type
// only promises the abstract JsHistogram; this is the class it returns.)
const Int32Histogram = constructorFromBucketSize(32) as unknown as typeof import('hdr-histogram-js/dist/Int32Histogram.js').default

/**
 * hdr-histogram-js's 32-bit histogram, finding a value's slot with integer arithmetic. The library
 * finds it with Math.log2 and two Math.pow, each a call into V8's C++ (in a profile of a real run, a
 * third of a microsecond per operation, and two latencies are recorded per operation: the totals' and
 * the time series'). For whole values below 2^31 with a unit of 1, this is the same slot, as
 * HdrHistogram's Java original computes it (`leadingZeroCountBase - numberOfLeadingZeros(value |
 * subBucketMask)`); anything else is left to the library. test/unit/latency.test.ts checks the two
 * agree.
 */
export class LatencyHistogram extends Int32Histogram {
  override countsArrayIndex(value: number): number {
    if (this.unitMagnitude !== 0 || !(value >= 0 && value < 2 ** 31) || !Number.isInteger(value)) return super.countsArrayIndex(value)
    const halfMagnitude = this.subBucketHalfCountMagnitude
    // floor(log2(value)) past bucket 0's range; values in bucket 0 (and 0 itself) give 0.
    const bucket = Math.max(31 - Math.clz32(value) - halfMagnitude, 0)
    return ((bucket + 1) << halfMagnitude) + (value >>> bucket) - this.subBucketHalfCount
  }
}

/** 1 µs to 10 minutes at 3 significant digits: every operation a run can have, in fixed memory. */
export function createLatencyHistogram(): Histogram {
  // Resizing past the top if it must, as hdr.build() does.
  const histogram = new LatencyHistogram(1, 600_000_000, 3)
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
