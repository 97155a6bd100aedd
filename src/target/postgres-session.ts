import pg from 'pg'
import type { IsolationLevel } from '../config.js'
import { classifyError, ConnectionLost } from './classify.js'
import type { QueryResult, Session } from './session.js'

/** Statement name per SQL text, shared by all connections: pg prepares each once per connection. */
const statementNames = new Map<string, string>()
function statementName(sql: string): string {
  let name = statementNames.get(sql)
  if (name === undefined) {
    name = `racebench_${statementNames.size}`
    statementNames.set(sql, name)
  }
  return name
}

const BEGIN: Readonly<Record<IsolationLevel | 'default', string>> = {
  default: 'BEGIN',
  'read-committed': 'BEGIN ISOLATION LEVEL READ COMMITTED',
  'repeatable-read': 'BEGIN ISOLATION LEVEL REPEATABLE READ',
  serializable: 'BEGIN ISOLATION LEVEL SERIALIZABLE',
}

/** node-postgres's message for a statement refused on a client whose connection already broke. */
const NOT_QUERYABLE = /not queryable/i

/** A statement that cannot change data, so losing the connection during it leaves no doubt. */
const READ_ONLY = /^\s*select\b/i

/** A Session over one node-postgres Client. */
export class PostgresSession implements Session {
  readonly dialect = 'postgres' as const
  #inTransaction = false
  #closed = false

  constructor(private readonly client: pg.Client) {
    // An idle client whose server goes away emits 'error'; unhandled, that would crash the
    // process. The next query on it fails and is classified there.
    client.on('error', () => {})
  }

  get inTransaction(): boolean {
    return this.#inTransaction
  }

  async query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>> {
    try {
      const answer: pg.QueryResult | pg.QueryResult[] =
        params === undefined || params.length === 0
          ? await this.client.query(sql)
          : await this.client.query({ name: statementName(sql), text: sql, values: params as unknown[] })
      // A multi-statement script (simple protocol) answers one result per statement: keep the last.
      const result = Array.isArray(answer) ? answer[answer.length - 1] : answer
      return { rows: (result?.rows ?? []) as Row[], rowCount: result?.rowCount ?? result?.rows.length ?? 0 }
    } catch (error) {
      throw this.#lost(error, !this.#inTransaction && !READ_ONLY.test(sql))
    }
  }

  async begin(isolation?: IsolationLevel): Promise<void> {
    try {
      await this.client.query(BEGIN[isolation ?? 'default'])
    } catch (error) {
      throw this.#lost(error, false)
    }
    this.#inTransaction = true
  }

  async commit(): Promise<void> {
    try {
      await this.client.query('COMMIT')
    } catch (error) {
      throw this.#lost(error, true)
    } finally {
      this.#inTransaction = false
    }
  }

  async rollback(): Promise<void> {
    if (!this.#inTransaction) return
    this.#inTransaction = false
    await this.client.query('ROLLBACK').catch(() => {})
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.client.end().catch(() => {})
  }

  /** Wraps a lost connection so the runner can tell `unknown` from `error`; other errors pass through. */
  #lost(error: unknown, indeterminate: boolean): unknown {
    if (classifyError(error) !== 'connection') return error
    this.#inTransaction = false
    // node-postgres refuses a statement on a client it already knows is broken without sending it:
    // that write certainly did not happen.
    const neverSent = error instanceof Error && NOT_QUERYABLE.test(error.message)
    return new ConnectionLost(indeterminate && !neverSent, error)
  }
}
