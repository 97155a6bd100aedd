import { performance } from 'node:perf_hooks'
import type { IsolationLevel } from '../config.js'
import { messageOf } from '../errors.js'
import type { Actor, StepEvent } from '../history/event.js'
import { collapseSql, showFirstRow, showParams } from '../history/step-format.js'
import { millis, type HistoryStream } from '../history/stream.js'
import { redact } from '../redact.js'
import { classifyError } from '../engines/classify.js'
import type { QueryResult, Session } from '../engines/session.js'
import { errorCodeOf } from './outcome-of-error.js'
import { refusedAfterAbandon, type ProgressClock } from './watched-session.js'

/**
 * Whose operation is running on a connection right now: the runner updates it in place as a worker
 * (or reader) moves from one operation to the next, and every step recorded on the connection is
 * stamped with it.
 */
export interface CurrentOperation {
  readonly worker?: number
  readonly reader?: number
  iteration: number
  /**
   * Set once something of the operation reached the database for good (a COMMIT answered, or a write
   * outside a transaction): a connection lost after that leaves the operation's outcome unknown,
   * whichever statement it broke on.
   */
  landed?: boolean
  /** Set when no consumer of the history wants this operation's steps: its statements are sent unrecorded. */
  untraced?: boolean
}

/** `#sending`'s answers that are no time: the step is not recorded, or the statement must not be sent. */
const UNTRACED = -1
const ABANDONED = -2

/**
 * The Session a worker's scenario code gets, recording every statement it sends as a `step` of the
 * current operation: what was sent, with which parameters, what came back (rows, the first row in
 * short form), how long it took, and how it failed. A strategy needs no change to be traced.
 *
 * It also keeps the watchdog's books, as a WatchedSession does (every statement is progress, and once
 * the call was abandoned nothing more reaches the server), in the same `then`: a layer of promises
 * less on every statement of every operation. Queries and transaction statements share both chores
 * (`#sending` before, `#answered` after).
 */
export class TracedSession implements Session {
  readonly #inner: Session
  readonly #history: HistoryStream
  readonly #current: CurrentOperation
  readonly #clock: ProgressClock
  #inTransaction = false

  constructor(inner: Session, history: HistoryStream, current: CurrentOperation, clock: ProgressClock) {
    this.#inner = inner
    this.#history = history
    this.#current = current
    this.#clock = clock
  }

  get dialect(): Session['dialect'] {
    return this.#inner.dialect
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    const sent = this.#sending()
    if (sent === ABANDONED) return Promise.reject(refusedAfterAbandon())
    return this.#send(sql, params).then(
      (result) => {
        if (!this.#inTransaction && this.#current.landed === false && !readOnly(sql)) this.#current.landed = true
        this.#answered(sent, collapseSql(sql), params, result)
        return result
      },
      (error: unknown) => {
        this.#answered(sent, collapseSql(sql), params, undefined, error)
        throw error
      },
    ) as Promise<QueryResult<Row>>
  }

  async begin(isolation?: IsolationLevel): Promise<void> {
    await this.#control(isolation ? `BEGIN ISOLATION LEVEL ${isolation.replace(/-/g, ' ').toUpperCase()}` : 'BEGIN', () => this.#inner.begin(isolation))
    this.#inTransaction = true
  }

  async commit(): Promise<void> {
    this.#inTransaction = false
    await this.#control('COMMIT', () => this.#inner.commit())
    if (this.#current.landed === false) this.#current.landed = true
  }

  rollback(): Promise<void> {
    this.#inTransaction = false
    // An abandoned call's transaction ends when its connection closes.
    return this.#clock.abandoned ? Promise.resolve() : this.#control('ROLLBACK', () => this.#inner.rollback())
  }

  close(): Promise<void> {
    return this.#inner.close()
  }

  async #control(sql: string, send: () => Promise<void>): Promise<void> {
    const sent = this.#sending()
    if (sent === ABANDONED) throw refusedAfterAbandon()
    try {
      await send()
    } catch (error) {
      this.#answered(sent, sql, undefined, undefined, error)
      throw error
    }
    this.#answered(sent, sql, undefined, undefined)
  }

  /** Sends a statement, a driver's synchronous throw becoming its rejection. */
  #send(sql: string, params: readonly unknown[] | undefined): Promise<QueryResult<unknown>> {
    try {
      return this.#inner.query(sql, params)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * A statement is about to be sent: the watchdog's books (one more in flight, progress), and when it
   * was sent, if its step is recorded (UNTRACED if not), or ABANDONED if it must not be sent at all.
   */
  #sending(): number {
    const clock = this.#clock
    if (clock.abandoned) return ABANDONED
    clock.inFlight++
    clock.touch()
    return this.#current.untraced === true ? UNTRACED : performance.now()
  }

  /** A statement was answered (or failed): the watchdog's books, and its step unless it is untraced. */
  #answered(sent: number, sql: string, params: readonly unknown[] | undefined, result: QueryResult<unknown> | undefined, error?: unknown): void {
    const clock = this.#clock
    clock.inFlight--
    clock.touch()
    if (sent !== UNTRACED) this.#record(sent, sql, params, result, error)
  }

  #record(sent: number, sql: string, params: readonly unknown[] | undefined, result: QueryResult<unknown> | undefined, error?: unknown): void {
    const now = performance.now()
    const history = this.#history
    history.append(buildStep(history.micros(sent), this.#current, sql, undefined, params, result, millis(sent, now), error))
  }
}

/** A step event, fields in the order the history file shows them. */
export function stepEvent(
  t: number,
  actor: Actor,
  what: { readonly sql?: string; readonly redis?: string },
  params: readonly unknown[] | undefined,
  result: { readonly rows: readonly unknown[]; readonly rowCount: number } | undefined,
  ms: number,
  error?: unknown,
): StepEvent {
  return buildStep(t, actor, what.sql, what.redis, params, result, ms, error, 'sql' in what, 'redis' in what)
}

type MutableStep = { -readonly [F in keyof StepEvent]: StepEvent[F] }

/**
 * Builds a step with one object literal per kind of actor and plain assignments, in the field order
 * of `stepEvent`: every statement of a run comes through here. (Spreading `{ worker }` and `what` into
 * it made two objects more per step, and an object that V8's JSON.stringify took 1.5× as long over.)
 */
function buildStep(
  t: number,
  actor: Actor,
  sql: string | undefined,
  redis: string | undefined,
  params: readonly unknown[] | undefined,
  result: { readonly rows: readonly unknown[]; readonly rowCount: number } | undefined,
  ms: number,
  error: unknown,
  hasSql = true,
  hasRedis = false,
): StepEvent {
  let step: MutableStep
  if (actor.worker !== undefined) step = { t, type: 'step', worker: actor.worker, iteration: actor.iteration } as MutableStep
  else if (actor.reader !== undefined) step = { t, type: 'step', reader: actor.reader, iteration: actor.iteration } as MutableStep
  else step = { t, type: 'step', iteration: actor.iteration } as MutableStep
  if (hasSql) step.sql = sql
  if (hasRedis) step.redis = redis
  if (params !== undefined && params.length > 0) step.params = showParams(params)
  if (result) {
    step.rows = result.rowCount
    const first = result.rows.length > 0 ? showFirstRow(result.rows[0]) : undefined
    if (first !== undefined) step.first = first
  }
  step.ms = ms
  if (error !== undefined) {
    step.errorClass = classifyError(error)
    const code = errorCodeOf(error)
    if (code !== undefined) step.code = code
    step.error = redact(messageOf(error))
  }
  return step
}

/** A SELECT (or SHOW): nothing it does lands. Checked on the first letter: this runs for statements outside transactions. */
function readOnly(sql: string): boolean {
  let i = 0
  while (sql.charCodeAt(i) <= 32) i++
  const first = sql.charCodeAt(i) | 32
  return first === 115 /* s */
}
