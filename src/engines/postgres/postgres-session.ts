import pg from 'pg'
import type { IsolationLevel } from '../../config.js'
import { DriverSession } from '../driver-session.js'
import type { QueryResult } from '../session.js'

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

/**
 * An idle client whose server goes away emits 'error'; unhandled, that would crash the process. The
 * next query on it fails and is classified there. Every client gets it as it is made, before it
 * connects: a backend terminated just after its startup (`--nemesis kill-connections` catching a
 * replacement connection) sends its ReadyForQuery and its FATAL in one packet, and node-postgres
 * handles both in one go, before the code awaiting `connect()` can wrap the client in a session.
 */
export const ignoreIdleError = (): void => {}

/** A Session over one node-postgres Client. */
export class PostgresSession extends DriverSession {
  readonly dialect = 'postgres' as const
  // node-postgres refuses a statement on a client it already knows is broken, without sending it.
  protected readonly neverSent = /not queryable/i

  constructor(private readonly client: pg.Client) {
    super()
    if (!client.listeners('error').includes(ignoreIdleError)) client.on('error', ignoreIdleError)
  }

  protected async send(sql: string): Promise<QueryResult<unknown>> {
    return toResult(await this.client.query(sql))
  }

  protected sendPrepared(sql: string, params: readonly unknown[]): Promise<unknown> {
    // Not async, and its answer converted in DriverSession's one `then`: a promise less per statement.
    return this.client.query({ name: statementName(sql), text: sql, values: params as unknown[] })
  }

  protected readonly resultOf = toResult as (answer: unknown) => QueryResult<unknown>

  protected beginStatements(isolation: IsolationLevel | undefined): readonly string[] {
    return [BEGIN[isolation ?? 'default']]
  }

  protected end(): Promise<void> {
    return this.client.end()
  }
}

/** A multi-statement script (simple protocol) answers one result per statement: keep the last. */
function toResult(answer: pg.QueryResult | pg.QueryResult[]): QueryResult<unknown> {
  const result = Array.isArray(answer) ? answer[answer.length - 1] : answer
  return { rows: result?.rows ?? [], rowCount: result?.rowCount ?? result?.rows.length ?? 0 }
}
