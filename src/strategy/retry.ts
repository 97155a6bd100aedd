import { isConflict } from '../scenario/strategy-signals.js'
import type { Rng } from '../runner/rng.js'
import { classifyError } from '../engines/classify.js'
import { sleep } from './sleep.js'

export interface RetryPolicy {
  /** Attempts after the first. */
  readonly maxRetries: number
  /** First backoff ceiling; doubles each retry up to `capMs`. */
  readonly baseMs: number
  readonly capMs: number
  /** Jitter source: each worker its own, so retries never shift the keys it draws. */
  readonly rng: Rng
  /** Told before each retry, with the error that caused it. */
  readonly onRetry: (error: unknown) => void
}

/** Worth trying again: the server or the strategy detected a conflict that a fresh attempt may not meet. */
export function isRetryable(error: unknown): boolean {
  if (isConflict(error)) return true
  const errorClass = classifyError(error)
  return errorClass === 'serialization' || errorClass === 'deadlock'
}

/** Sleeps a random time in [0, min(cap, base·2^attempt)). */
export function backoff(policy: Pick<RetryPolicy, 'baseMs' | 'capMs' | 'rng'>, attempt: number): Promise<void> {
  return sleep(policy.rng.next() * Math.min(policy.capMs, policy.baseMs * 2 ** attempt))
}

/**
 * Runs `attempt` until it succeeds, throws something not retryable, or has been retried
 * `maxRetries` times. Backoff is exponential with full jitter (AWS architecture blog, "Exponential
 * Backoff And Jitter"): sleep a random time in [0, min(cap, base·2^n)), so colliding workers spread out.
 */
export async function withRetry<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let retry = 0; ; retry++) {
    try {
      return await attempt()
    } catch (error) {
      if (retry >= policy.maxRetries || !isRetryable(error)) throw error
      policy.onRetry(error)
      await backoff(policy, retry)
    }
  }
}
