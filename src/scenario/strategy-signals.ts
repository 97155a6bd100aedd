// What a strategy throws to tell the runner how an operation ended: a Conflict (a race it detected) or
// a Crash (a process that died between steps, from --nemesis crash-saga).

/**
 * The brand every Conflict carries, in the global symbol registry: a scenario file may get its own copy
 * of racebench (installed in its folder, or an older version), and its Conflict is another class,
 * which `instanceof` against ours would not recognise. The brand is the same in every copy.
 */
const CONFLICT_BRAND: unique symbol = Symbol.for('racebench.conflict')

/**
 * Thrown by a strategy to say "a concurrency conflict was detected" (a version that moved, a lock
 * not won). `ctx.retry` retries it; once retries run out the operation ends as `conflict`.
 * `error instanceof Conflict` holds for a Conflict of any copy of racebench (see `isConflict`).
 */
export class Conflict extends Error {
  override readonly name = 'Conflict'

  /** On the prototype, not the instance, so it stays out of printed errors. */
  get [CONFLICT_BRAND](): true {
    return true
  }

  /**
   * `instanceof Conflict` answers by the brand, so a Conflict from another copy of racebench counts.
   * A subclass (`class VersionMoved extends Conflict`) keeps the ordinary prototype check.
   */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return this === Conflict ? isConflict(value) : Function.prototype[Symbol.hasInstance].call(this, value)
  }
}

/**
 * Whether `error` is a Conflict, from this copy of racebench or any other: what the runner and
 * `ctx.retry` check, rather than `instanceof`, to decide that an operation ended in `conflict`.
 */
export function isConflict(error: unknown): error is Conflict {
  return typeof error === 'object' && error !== null && (error as { [CONFLICT_BRAND]?: unknown })[CONFLICT_BRAND] === true
}

const CRASH_BRAND: unique symbol = Symbol.for('racebench.crash')

/**
 * What `ctx.checkpoint` throws when `--nemesis crash-saga:P` crashes the operation there: the process
 * "died" between two steps. Let it through: a crashed process runs no compensation and no cleanup; the
 * runner records the operation as `unknown` and gives the worker new connections.
 */
export class Crash extends Error {
  override readonly name = 'Crash'

  constructor(readonly at: string) {
    super(`crashed at checkpoint '${at}' (--nemesis crash-saga)`)
  }

  get [CRASH_BRAND](): true {
    return true
  }
}

/** Whether `error` is a Crash from `ctx.checkpoint`, from any copy of racebench. */
export function isCrash(error: unknown): error is Crash {
  return typeof error === 'object' && error !== null && (error as { [CRASH_BRAND]?: unknown })[CRASH_BRAND] === true
}
