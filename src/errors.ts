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
  /** Stopped by Ctrl-C (128 + SIGINT), after cleaning up. */
  Interrupted: 130,
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

/** The run was cancelled (Ctrl-C or an aborted signal) before it finished. */
export class InterruptedError extends RacebenchError {
  constructor() {
    super('interrupted: the run was stopped before it finished and its schema was cleaned up', ExitCode.Interrupted)
  }
}

/** The message of anything thrown, for one-line reports. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
