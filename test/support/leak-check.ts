import mysql from 'mysql2/promise'
import pg from 'pg'
import { Redis } from 'ioredis'
import { MYSQL_URL, PG_URL, REDIS_URL } from './services.js'

/**
 * vitest global setup: racebench must leave nothing behind. Notes every racebench schema, database
 * and Redis key before the suite, and fails the run if the suite left new ones (a test that drops what
 * it keeps on purpose leaves none). Servers that are down are skipped here; the suites report them.
 */
export async function setup(): Promise<() => Promise<void>> {
  const before = await leftovers()
  return async () => {
    const after = await leftovers()
    const leaked = [...after].filter((name) => !before.has(name))
    if (leaked.length === 0) return
    // vitest reports an error thrown here but still exits 0, so fail the run explicitly.
    console.error(`\nFAIL the test suite left racebench namespaces behind: ${leaked.join(', ')}\n`)
    process.exitCode = 1
  }
}

async function leftovers(): Promise<Set<string>> {
  const names = await Promise.all([postgresSchemas(), mysqlDatabases(), redisKeys()])
  return new Set(names.flat())
}

async function postgresSchemas(): Promise<string[]> {
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    const { rows } = await client.query<{ name: string }>(`SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE 'racebench\\_%'`)
    return rows.map((row) => `postgres:${row.name}`)
  } catch {
    return []
  } finally {
    await client.end().catch(() => {})
  }
}

async function mysqlDatabases(): Promise<string[]> {
  try {
    const connection = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 3_000 })
    try {
      const [rows] = await connection.query(`SHOW DATABASES LIKE 'racebench\\_%'`)
      return (rows as Record<string, string>[]).map((row) => `mysql:${Object.values(row)[0]}`)
    } finally {
      await connection.end()
    }
  } catch {
    return []
  }
}

async function redisKeys(): Promise<string[]> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1 })
  client.on('error', () => {})
  try {
    await client.connect()
    return (await client.keys('racebench_*')).map((key) => `redis:${key}`)
  } catch {
    return []
  } finally {
    client.disconnect()
  }
}
