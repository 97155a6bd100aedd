/**
 * Every way racebench can end, as a process exit code. The numbers are a public contract:
 * CI pipelines branch on them.
 */
export const ExitCode = {
  /** Every invariant held. */
  Ok: 0,
  /** At least one invariant was violated. */
  Violation: 1,
  /** The command line (or a scenario file) was wrong: unknown name, bad value. */
  Usage: 2,
  /** The database could not be reached or prepared. */
  Target: 3,
  /** racebench itself failed: a bug, reported with a hint to rerun with --debug. */
  Internal: 4,
  /**
   * The scenario's own code failed: a user's `prepare`, `pickKey`, operation, reader or invariant threw,
   * never settled within its bound, or returned something that is not an outcome. Names file and function.
   */
  ScenarioCode: 5,
  /** The result could not be written: stdout closed or full. A reader closing the pipe early (`| head`) is not this. */
  Output: 6,
  /** Every operation of the run ended in `error`: the invariants may hold, but nothing was tested. `--allow-errors` accepts it. */
  NothingSucceeded: 7,
  /** Every invariant was as expected, but a `--threshold` failed (p99 too slow, too many conflicts). */
  ThresholdFailed: 8,
  /** Stopped by Ctrl-C (128 + SIGINT), after cleaning up. */
  Interrupted: 130,
  /** Stopped by SIGTERM (128 + 15), after cleaning up. */
  Terminated: 143,
} as const
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

/** An error meant for the person at the terminal: its message is the one line we print. */
export class RacebenchError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: { cause?: unknown },
  ) {
    super(message, options)
    this.name = new.target.name
  }
}

/** Bad input: an unknown scenario, strategy or option, or a value out of range. */
export class UsageError extends RacebenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Usage, options)
  }
}

/** The database could not be reached, logged into, or prepared. */
export class TargetError extends RacebenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Target, options)
  }
}

/** The scenario's own code failed (see ExitCode.ScenarioCode): the message names the file and the function. */
export class ScenarioCodeError extends RacebenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.ScenarioCode, options)
  }
}

/** The result could not be written to stdout (closed or full). */
export class OutputError extends RacebenchError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, ExitCode.Output, options)
  }
}

/**
 * The run was cancelled (Ctrl-C, SIGTERM or an aborted signal) before it finished. Exits 130 for
 * SIGINT (and an aborted AbortSignal), 143 for SIGTERM: 128 + the signal's number, as shells report it.
 */
export class InterruptedError extends RacebenchError {
  constructor(readonly signal: 'SIGINT' | 'SIGTERM' = 'SIGINT') {
    super(
      `interrupted${signal === 'SIGTERM' ? ' by SIGTERM' : ''}: the run was stopped before it finished and its schema was cleaned up`,
      signal === 'SIGTERM' ? ExitCode.Terminated : ExitCode.Interrupted,
    )
  }
}

/** The message of anything thrown, for one-line reports. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
