import type { IsolationLevel } from '../config.js'

/** The SQL engine families racebench speaks; `mysql` covers MySQL and MariaDB. */
export const DIALECTS = ['postgres', 'mysql'] as const
export type Dialect = (typeof DIALECTS)[number]

export interface QueryResult<Row> {
  readonly rows: Row[]
  /**
   * Rows inserted, updated, deleted or returned. On MySQL an UPDATE counts the rows it matched, even
   * if unchanged (mysql2 connects with CLIENT_FOUND_ROWS), so `ON DUPLICATE KEY UPDATE id = id` counts 1
   * whether it inserted or found the row: read the row back to tell which.
   */
  readonly rowCount: number
}

/**
 * One real connection to the target, inside the run's own schema. Workers each own one;
 * scenarios only ever see this interface, never the driver.
 */
export interface Session {
  readonly dialect: Dialect
  /**
   * Runs one statement. Placeholders are `$1`, `$2`… on every engine. Statements with parameters are
   * prepared once per connection and reused.
   */
  query<Row = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<Row>>
  /** Opens a transaction; with a level, at that isolation level. */
  begin(isolation?: IsolationLevel): Promise<void>
  commit(): Promise<void>
  /** Rolls back if a transaction is open; never throws (the connection may already be gone). */
  rollback(): Promise<void>
  close(): Promise<void>
}
