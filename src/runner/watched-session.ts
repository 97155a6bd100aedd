import type { IsolationLevel } from '../config.js'
import type { QueryResult, Session } from '../engines/session.js'

/** What a WatchedSession reports to: the progress clock of the call using it. */
export interface ProgressClock {
  /** Something happened: a statement was sent or answered, a pause began or ended. */
  touch(): void
  /** Statements sent and not answered yet. */
  inFlight: number
  /** Set once racebench stopped waiting for the call: its statements are refused from then on. */
  readonly abandoned: boolean
}

/**
 * The Session scenario code gets: the worker's own, passed through, except that every statement
 * counts as progress for the watchdog, and once the call was abandoned (it never settled, or the run
 * was interrupted) nothing more reaches the server: code that wakes up later cannot touch the run's
 * schema while it is being dropped. Closing always reaches the connection.
 */
export class WatchedSession implements Session {
  readonly #inner: Session
  readonly #clock: ProgressClock
  // Made once, not per statement: the hot path of every operation goes through here.
  readonly #answered = () => {
    this.#clock.inFlight--
    this.#clock.touch()
  }

  constructor(inner: Session, clock: ProgressClock) {
    this.#inner = inner
    this.#clock = clock
  }

  get dialect(): Session['dialect'] {
    return this.#inner.dialect
  }

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    return this.#send(() => this.#inner.query<Row>(sql, params))
  }

  begin(isolation?: IsolationLevel): Promise<void> {
    return this.#send(() => this.#inner.begin(isolation))
  }

  commit(): Promise<void> {
    return this.#send(() => this.#inner.commit())
  }

  rollback(): Promise<void> {
    return this.#clock.abandoned ? Promise.resolve() : this.#send(() => this.#inner.rollback())
  }

  close(): Promise<void> {
    return this.#inner.close()
  }

  #send<T>(statement: () => Promise<T>): Promise<T> {
    if (this.#clock.abandoned) return Promise.reject(refusedAfterAbandon())
    this.#clock.inFlight++
    this.#clock.touch()
    return statement().finally(this.#answered)
  }
}

/** What a statement sent by a call racebench stopped waiting for meets instead of the database. */
export function refusedAfterAbandon(): Error {
  return new Error('racebench stopped waiting for this call: nothing it sends reaches the database any more')
}
