import type { Recorder } from '../history/recorder.js'
import type { Outcome } from '../history/outcome.js'
import { Conflict } from '../scenario/define-scenario.js'
import { classifyError, ConnectionLost } from '../target/classify.js'
import { messageOf } from '../errors.js'

/**
 * How an operation that threw ended, per design.md: conflicts the server or strategy detected are
 * `conflict`; a connection lost while a write may have landed is `unknown`; the rest is `error`.
 * Database errors are counted by class on the way.
 */
export function outcomeOfError(error: unknown, recorder: Recorder): Outcome {
  if (error instanceof Conflict) return 'conflict'
  const errorClass = classifyError(error)
  recorder.sawError(errorClass)
  switch (errorClass) {
    case 'unique':
    case 'serialization':
    case 'deadlock':
    case 'lock-timeout':
      return 'conflict'
    case 'connection':
      recorder.sampleError(messageOf(error))
      return error instanceof ConnectionLost && error.indeterminate ? 'unknown' : 'error'
    case 'other':
      recorder.sampleError(messageOf(error))
      return 'error'
  }
}
