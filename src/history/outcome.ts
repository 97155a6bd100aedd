/**
 * How one logical operation ended (design.md, "Outcomes"):
 * - `ok`: it did what it meant to; `rejected`: the business rule said no, correctly;
 * - `conflict`: a concurrency conflict was detected and it gave up;
 * - `error`: anything unexpected;
 * - `unknown`: the connection died after the write was sent: it may or may not have happened
 *   (Jepsen's `info`), so it is never counted as failed.
 */
export const OUTCOMES = ['ok', 'rejected', 'conflict', 'error', 'unknown'] as const
export type Outcome = (typeof OUTCOMES)[number]

export type OutcomeCounts = Record<Outcome, number>

/** An outcome the database acknowledged: the operation may have landed. */
export function acknowledged(outcome: Outcome | undefined): boolean {
  return outcome === 'ok' || outcome === 'unknown'
}

/** Every error a database raised is put in one of these classes, retried or not. */
export const ERROR_CLASSES = ['serialization', 'deadlock', 'lock-timeout', 'unique', 'connection', 'other'] as const
export type ErrorClass = (typeof ERROR_CLASSES)[number]

export type ErrorCounts = Record<ErrorClass, number>

export function zeroCounts<T extends string>(names: readonly T[]): Record<T, number> {
  return Object.fromEntries(names.map((name) => [name, 0])) as Record<T, number>
}
