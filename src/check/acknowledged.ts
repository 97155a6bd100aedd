import type { OutcomeCounts } from '../history/outcome.js'
import type { Verdict } from '../scenario/define-scenario.js'

/** How a count in the final state compares with the operations acknowledged as `ok`. */
export interface Acknowledgement {
  readonly held: boolean
  /** Acknowledged but not in the final state: lost. */
  readonly missing: number
  /** In the final state but never acknowledged, even counting every `unknown` as landed. */
  readonly extra: number
  /** `25 acknowledged`, or `25 acknowledged (+2 unknown)`. */
  readonly acknowledged: string
}

/**
 * Compares what the final state holds with what the run acknowledged. An `unknown` operation may
 * or may not have landed (Jepsen's `info`), so anything from `ok` to `ok + unknown` holds.
 */
export function compareWithAcknowledged(count: number, outcomes: OutcomeCounts, noun = 'acknowledged'): Acknowledgement {
  const upper = outcomes.ok + outcomes.unknown
  return {
    held: count >= outcomes.ok && count <= upper,
    missing: Math.max(0, outcomes.ok - count),
    extra: Math.max(0, count - upper),
    acknowledged: outcomes.unknown > 0 ? `${outcomes.ok} ${noun} (+${outcomes.unknown} unknown)` : `${outcomes.ok} ${noun}`,
  }
}

/**
 * The usual invariant over it: `42 active bookings, 42 acknowledged`, or with what is wrong appended:
 * `: 3 acknowledged bookings lost`, `: 2 never acknowledged`.
 */
export function acknowledgedVerdict(count: number, outcomes: OutcomeCounts, names: { found: string; lost: string }): Verdict {
  const { held, missing, extra, acknowledged } = compareWithAcknowledged(count, outcomes)
  const wrong = missing > 0 ? `: ${missing} ${names.lost}` : extra > 0 ? `: ${extra} never acknowledged` : ''
  return { held, detail: `${count} ${names.found}, ${acknowledged}${wrong}` }
}
