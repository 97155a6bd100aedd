import type { Connection, ResultSetHeader } from 'mysql2/promise'
import type { IsolationLevel } from '../config.js'
import { classifyError, ConnectionLost } from './classify.js'
import type { QueryResult, Session } from './session.js'

const SET_ISOLATION: Readonly<Record<IsolationLevel, string>> = {
  'read-committed': 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
  'repeatable-read': 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
  serializable: 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
}

/** A statement that cannot change data, so losing the connection during it leaves no doubt. */
const READ_ONLY = /^\s*select\b/i

/** mysql2's message for a command refused on a connection it already closed: never sent. */
const CLOSED = /closed state/i

/**
 * `$1`-style SQL → `?` SQL plus the order in which to pass the values, once per statement text.
 * `$2 … $1 … $2` becomes `? … ? … ?` with values [2, 1, 2].
 */
const translations = new Map<string, { sql: string; order: number[] }>()
function translate(sql: string): { sql: string; order: number[] } {
  let translated = translations.get(sql)
  if (!translated) {
    const order: number[] = []
    const text = sql.replace(/\$(\d+)/g, (_match, n: string) => {
      order.push(Number(n) - 1)
      return '?'
    })
    translated = { sql: text, order }
    translations.set(sql, translated)
  }
  return translated
}

/** A Session over one mysql2 connection (MySQL or MariaDB). */
export class MysqlSession implements Session {
  readonly dialect = 'mysql' as const
  #inTransaction = false
  #closed = false

  constructor(private readonly connection: Connection) {
    // As with pg: an idle connection that dies emits 'error'; the next query reports it.
    connection.on('error', () => {})
  }

  get inTransaction(): boolean {
    return this.#inTransaction
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    try {
      if (params === undefined || params.length === 0) return toResult<Row>((await this.connection.query(sql))[0])
      const { sql: text, order } = translate(sql)
      // execute() prepares the statement on this connection once and reuses it (server-side).
      return toResult<Row>((await this.connection.execute(text, order.map((i) => params[i]) as never[]))[0])
    } catch (error) {
      throw this.#lost(error, !this.#inTransaction && !READ_ONLY.test(sql))
    }
  }

  async begin(isolation?: IsolationLevel): Promise<void> {
    try {
      // SET TRANSACTION applies to the next transaction only, which is the one we start.
      if (isolation) await this.connection.query(SET_ISOLATION[isolation])
      await this.connection.query('START TRANSACTION')
    } catch (error) {
      throw this.#lost(error, false)
    }
    this.#inTransaction = true
  }

  async commit(): Promise<void> {
    try {
      await this.connection.query('COMMIT')
    } catch (error) {
      throw this.#lost(error, true)
    } finally {
      this.#inTransaction = false
    }
  }

  async rollback(): Promise<void> {
    if (!this.#inTransaction) return
    this.#inTransaction = false
    await this.connection.query('ROLLBACK').catch(() => {})
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.connection.end().catch(() => this.connection.destroy())
  }

  #lost(error: unknown, indeterminate: boolean): unknown {
    if (classifyError(error) !== 'connection') return error
    this.#inTransaction = false
    const neverSent = error instanceof Error && CLOSED.test(error.message)
    return new ConnectionLost(indeterminate && !neverSent, error)
  }
}

/** mysql2 answers rows for a SELECT and a ResultSetHeader for writes; multi-statement scripts an array. */
function toResult<Row>(answer: unknown): QueryResult<Row> {
  if (Array.isArray(answer)) {
    const last = answer[answer.length - 1]
    // A multi-statement script answers one entry per statement: keep the last, like pg.
    if (answer.length > 0 && (Array.isArray(last) || isHeader(last)) && answer.every((entry) => Array.isArray(entry) || isHeader(entry))) {
      return toResult<Row>(last)
    }
    return { rows: answer as Row[], rowCount: answer.length }
  }
  const header = answer as ResultSetHeader
  return { rows: [], rowCount: header.affectedRows ?? 0 }
}

function isHeader(value: unknown): value is ResultSetHeader {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'affectedRows' in value
}
