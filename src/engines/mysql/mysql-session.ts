import type { Connection, ResultSetHeader } from 'mysql2/promise'
import type { IsolationLevel } from '../../config.js'
import { DriverSession } from '../driver-session.js'
import type { QueryResult } from '../session.js'

const SET_ISOLATION: Readonly<Record<IsolationLevel, string>> = {
  'read-committed': 'SET TRANSACTION ISOLATION LEVEL READ COMMITTED',
  'repeatable-read': 'SET TRANSACTION ISOLATION LEVEL REPEATABLE READ',
  serializable: 'SET TRANSACTION ISOLATION LEVEL SERIALIZABLE',
}

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
export class MysqlSession extends DriverSession {
  readonly dialect = 'mysql' as const
  // mysql2's message for a command refused on a connection it already closed.
  protected readonly neverSent = /closed state/i

  constructor(private readonly connection: Connection) {
    super()
    // As with pg: an idle connection that dies emits 'error'; the next query reports it.
    connection.on('error', () => {})
  }

  protected async send(sql: string): Promise<QueryResult<unknown>> {
    return toResult((await this.connection.query(sql))[0])
  }

  protected sendPrepared(sql: string, params: readonly unknown[]): Promise<unknown> {
    const { sql: text, order } = translate(sql)
    // execute() prepares the statement on this connection once and reuses it (server-side).
    return this.connection.execute(text, order.map((i) => params[i]) as never[])
  }

  protected readonly resultOf = (answer: unknown): QueryResult<unknown> => toResult((answer as [unknown])[0])

  protected beginStatements(isolation: IsolationLevel | undefined): readonly string[] {
    // SET TRANSACTION applies to the next transaction only, which is the one we start.
    return isolation ? [SET_ISOLATION[isolation], 'START TRANSACTION'] : ['START TRANSACTION']
  }

  protected async end(): Promise<void> {
    await this.connection.end().catch(() => this.connection.destroy())
  }
}

/** mysql2 answers rows for a SELECT and a ResultSetHeader for writes; multi-statement scripts an array. */
function toResult(answer: unknown): QueryResult<unknown> {
  if (Array.isArray(answer)) {
    const last = answer[answer.length - 1]
    // A multi-statement script answers one entry per statement: keep the last, like pg.
    if (answer.length > 0 && (Array.isArray(last) || isHeader(last)) && answer.every((entry) => Array.isArray(entry) || isHeader(entry))) {
      return toResult(last)
    }
    return { rows: answer, rowCount: answer.length }
  }
  const header = answer as ResultSetHeader
  return { rows: [], rowCount: header.affectedRows ?? 0 }
}

function isHeader(value: unknown): value is ResultSetHeader {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'affectedRows' in value
}
