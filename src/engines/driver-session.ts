import type { IsolationLevel } from '../config.js'
import { classifyError, ConnectionLost } from './classify.js'
import type { Dialect, QueryResult, Session } from './session.js'

/** A statement that cannot change data, so losing the connection during it leaves no doubt. */
const READ_ONLY = /^\s*select\b/i

/**
 * What every driver's Session shares: transaction state, and telling a lost connection whose
 * write may have landed (`unknown`) from one where it certainly did not (`error`). Drivers say
 * only how to send a statement, how to begin, and how to end.
 */
export abstract class DriverSession implements Session {
  abstract readonly dialect: Dialect
  #inTransaction = false
  #closed = false

  /** Sends a statement without parameters (multi-statement scripts allowed). */
  protected abstract send(sql: string): Promise<QueryResult<unknown>>
  /** Sends a statement with `$1`-style parameters, prepared once per connection: the driver's own answer. */
  protected abstract sendPrepared(sql: string, params: readonly unknown[]): Promise<unknown>
  /** A prepared statement's answer as a QueryResult (a function that needs no `this`). */
  protected abstract readonly resultOf: (answer: unknown) => QueryResult<unknown>
  /** The statements that open a transaction, at a level or the engine's default. */
  protected abstract beginStatements(isolation: IsolationLevel | undefined): readonly string[]
  protected abstract end(): Promise<void>
  /** The driver's message for a statement it refused, unsent, on a connection it knows is broken. */
  protected abstract readonly neverSent: RegExp

  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    // One `then` for the answer and the failure, no async layer: every statement of every operation comes here.
    const failed = (error: unknown): never => {
      throw this.#lost(error, !this.#inTransaction && !READ_ONLY.test(sql))
    }
    try {
      const answer = params === undefined || params.length === 0 ? this.send(sql).then(undefined, failed) : this.sendPrepared(sql, params).then(this.resultOf, failed)
      return answer as Promise<QueryResult<Row>>
    } catch (error) {
      // A driver that throws before it sends (a statement it cannot translate) fails the same way.
      return Promise.reject(this.#lost(error, false))
    }
  }

  async begin(isolation?: IsolationLevel): Promise<void> {
    try {
      for (const statement of this.beginStatements(isolation)) await this.send(statement)
    } catch (error) {
      throw this.#lost(error, false)
    }
    this.#inTransaction = true
  }

  async commit(): Promise<void> {
    try {
      await this.send('COMMIT')
    } catch (error) {
      throw this.#lost(error, true)
    } finally {
      this.#inTransaction = false
    }
  }

  async rollback(): Promise<void> {
    if (!this.#inTransaction) return
    this.#inTransaction = false
    await this.send('ROLLBACK').catch(() => {})
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.end().catch(() => {})
  }

  /** Wraps a lost connection so the runner can tell `unknown` from `error`; other errors pass through. */
  #lost(error: unknown, indeterminate: boolean): unknown {
    if (classifyError(error) !== 'connection') return error
    this.#inTransaction = false
    const neverSent = error instanceof Error && this.neverSent.test(error.message)
    return new ConnectionLost(indeterminate && !neverSent, error)
  }
}
