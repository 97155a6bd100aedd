import mysql from 'mysql2/promise'
import pg from 'pg'
import type { TestTarget } from './services.js'

/**
 * Another client that opens a transaction, takes a lock with `lockSql`, and holds it until the
 * returned function rolls back: how tests make a run's workers wait on someone else.
 */
export async function holdLock(db: TestTarget, lockSql: string): Promise<() => Promise<void>> {
  if (db.name === 'postgres') {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    await client.query('BEGIN')
    await client.query(lockSql)
    return async () => {
      await client.query('ROLLBACK')
      await client.end()
    }
  }
  const connection = await mysql.createConnection({ uri: db.url })
  await connection.query('START TRANSACTION')
  await connection.query(lockSql)
  return async () => {
    await connection.query('ROLLBACK')
    await connection.end()
  }
}
