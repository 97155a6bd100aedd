import type { ErrorClass, Outcome } from '../history/outcome.js'
import { isConflict, isCrash } from '../scenario/strategy-signals.js'
import { classifyError, ConnectionLost } from '../engines/classify.js'
import { messageOf } from '../errors.js'
import { redact } from '../redact.js'

/** How an operation that threw ended, with what the event of its end carries. */
export interface ErrorOutcome {
  readonly outcome: Outcome
  /** The database error's class; absent for a `Conflict` the strategy threw itself. */
  readonly errorClass?: ErrorClass
  readonly code?: string
  /** Passwords masked. */
  readonly message: string
}

/**
 * How an operation that threw ended, per design.md: conflicts the server or strategy detected are
 * `conflict`; a connection lost while a write may have landed is `unknown`; the rest is `error`.
 * The error is classified here, once, and the class travels on the operation's completion event.
 */
export function outcomeOfError(error: unknown): ErrorOutcome {
  const message = redact(messageOf(error))
  if (isConflict(error)) return { outcome: 'conflict', message }
  // A crashed saga may have done any of its steps: nobody knows until recovery looks.
  if (isCrash(error)) return { outcome: 'unknown', message }
  const errorClass = classifyError(error)
  const code = errorCodeOf(error)
  const described = code === undefined ? { errorClass, message } : { errorClass, code, message }
  switch (errorClass) {
    case 'unique':
    case 'serialization':
    case 'deadlock':
    case 'lock-timeout':
      return { outcome: 'conflict', ...described }
    case 'connection':
      return { outcome: error instanceof ConnectionLost && error.indeterminate ? 'unknown' : 'error', ...described }
    case 'other':
      return { outcome: 'error', ...described }
  }
}

/**
 * The server's code for an error: PostgreSQL's SQLSTATE, MySQL's error number, else the driver's or
 * the socket's code (`ECONNRESET`). Looks through a ConnectionLost to the error it wraps.
 */
export function errorCodeOf(error: unknown): string | undefined {
  const inner = error instanceof ConnectionLost ? error.cause : error
  const { code, errno, sqlMessage } = (inner ?? {}) as { code?: unknown; errno?: unknown; sqlMessage?: unknown }
  if (typeof errno === 'number' && typeof sqlMessage === 'string') return String(errno)
  return typeof code === 'string' ? code : undefined
}
