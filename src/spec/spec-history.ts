import { performance } from 'node:perf_hooks'
import type { ErrorClass, Outcome } from '../history/outcome.js'
import { collapseSql } from '../history/step-format.js'
import { HistoryStream, millis } from '../history/stream.js'
import type { TracedOperation } from '../history/trace.js'
import { stepEvent } from '../runner/traced-session.js'
import { OperationRecorder } from '../schedule/operation-recorder.js'
import type { SpecStatement } from './define-spec.js'

/** How a session whose step failed ended, as a load run's operation would (see outcomeOfError). */
const CONFLICTS: ReadonlySet<ErrorClass> = new Set(['unique', 'serialization', 'deadlock', 'lock-timeout'])

/**
 * Statements that answer no rows of their own: drawn with no answer, as a worker's `begin()` and
 * `commit()` are (the driver says `0 rows` for them, which reads like an UPDATE that matched nothing).
 */
const CONTROL = /^\s*(BEGIN|START\s+TRANSACTION|COMMIT|ROLLBACK|END|ABORT|SAVEPOINT|RELEASE|SET|LOCK)\b/i

interface SessionState {
  readonly worker: number
  /** Steps it has in this permutation. */
  readonly steps: number
  answered: number
  startedAt: number
  failure?: { readonly errorClass?: ErrorClass; readonly code?: string; readonly message?: string }
}

/**
 * A permutation as a history, so that it is drawn with the same swimlane as a load run: each spec
 * session is one operation (an invoke when its first step is sent, a completion once its last step
 * is answered) and each step a `step` event, formatted as a worker's traced statements are. Session
 * i of the spec is worker i.
 */
export class SpecHistory {
  readonly #recorder = new OperationRecorder()
  readonly #history = new HistoryStream([this.#recorder])
  readonly #sessions = new Map<string, SessionState>()
  /** Steps sent and not answered yet, by session: one left when the permutation could not go on. */
  readonly #inFlight = new Map<string, { readonly sentAt: number; readonly statement: SpecStatement }>()
  readonly #key: string

  /** `sessions` in the spec's order; `key` is what the operations are on (the spec's name). */
  constructor(sessions: readonly string[], order: readonly string[], sessionOf: ReadonlyMap<string, string>, key: string) {
    this.#key = key
    sessions.forEach((name, worker) => {
      this.#sessions.set(name, { worker, steps: order.filter((step) => sessionOf.get(step) === name).length, answered: 0, startedAt: 0 })
    })
    this.#history.startClock()
  }

  /** `statement` of `session` is being sent now: its operation begins with its first. Answers the send time. */
  sending(session: string, statement: SpecStatement): number {
    const now = performance.now()
    this.#inFlight.set(session, { sentAt: now, statement })
    const state = this.#sessions.get(session)
    if (state && state.answered === 0 && state.startedAt === 0) {
      state.startedAt = now
      this.#history.append({ t: this.#history.micros(now), type: 'invoke', worker: state.worker, iteration: 0, key: this.#key, keyValue: this.#key, attempt: 0 })
    }
    return now
  }

  /** The step sent at `sentAt` was answered, with `result` or `error`; after the session's last, its operation ends. */
  answered(session: string, sentAt: number, statement: SpecStatement, result: { readonly rows: readonly unknown[]; readonly rowCount: number } | undefined, error?: unknown): void {
    const state = this.#sessions.get(session)
    if (!state) return
    this.#inFlight.delete(session)
    const now = performance.now()
    const actor = { worker: state.worker, iteration: 0 }
    const answer = error === undefined && !(CONTROL.test(statement.sql) && result?.rows.length === 0) ? result : undefined
    const step = stepEvent(this.#history.micros(sentAt), actor, { sql: collapseSql(statement.sql) }, statement.params, answer, millis(sentAt, now), error)
    this.#history.append(step)
    if (step.errorClass !== undefined && !state.failure) state.failure = { errorClass: step.errorClass, ...(step.code ? { code: step.code } : {}), ...(step.error ? { message: step.error } : {}) }
    if (++state.answered < state.steps) return
    const failure = state.failure
    const outcome: Outcome = !failure ? 'ok' : failure.errorClass && CONFLICTS.has(failure.errorClass) ? 'conflict' : 'error'
    this.#history.append({ t: this.#history.micros(now), type: outcome, ...actor, key: this.#key, ms: millis(state.startedAt, now), ...failure })
  }

  /**
   * Every session's operation so far; one whose steps did not all run has no end, and a step it sent
   * that was never answered (it waited when the permutation could not go on) is drawn as such.
   */
  operations(): TracedOperation[] {
    const now = performance.now()
    return this.#recorder.operations().map((operation) => {
      const session = [...this.#sessions].find(([, state]) => state.worker === operation.worker)?.[0]
      const out = session === undefined || operation.end !== undefined ? undefined : this.#inFlight.get(session)
      if (!out) return operation
      const actor = { worker: operation.worker, iteration: 0 }
      const unanswered = { ...stepEvent(this.#history.micros(out.sentAt), actor, { sql: collapseSql(out.statement.sql) }, out.statement.params, undefined, millis(out.sentAt, now)), error: 'never answered' }
      return { ...operation, events: [...operation.events, unanswered] }
    })
  }
}
