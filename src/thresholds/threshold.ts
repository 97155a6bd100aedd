/** A `--threshold` as the user wrote it, parsed: `p99<50ms` is { metric: 'p99', op: '<', value: 50 }. */
export interface Threshold {
  /** As typed, for messages and reports. */
  readonly expression: string
  readonly metric: string
  readonly op: '<' | '<=' | '>' | '>=' | '==' | '!='
  /** In the metric's own unit (ms for latencies, a fraction 0..1 for rates, ops/s, counts). */
  readonly value: number
}

/** A threshold checked against a run: what was measured, and whether it passed. */
export interface ThresholdResult {
  readonly expression: string
  readonly metric: string
  /** The measured value in the metric's unit; for `--repeat`, the worst run's. */
  readonly measured: number
  /** `42.1 ms`, `3.2%`, `512 ops/s`, `7`: the measured value as a person reads it. */
  readonly shown: string
  readonly passed: boolean
}
