import mysql from 'mysql2/promise'
import pg from 'pg'
import { Redis } from 'ioredis'
import { MYSQL_URL, PG_URL, REDIS_URL } from './services.js'

/**
 * vitest global setup: racebench must leave nothing behind. Notes every racebench schema, database
 * and Redis key before the suite, and fails the run if the suite left new ones (a test that drops what
 * it keeps on purpose leaves none). When it checks, every test of this suite has finished, so a
 * namespace that still has connections open belongs to another process's run in progress (a second
 * test run, a racebench in another terminal): not a leak. Servers that are down are skipped here.
 */
export async function setup(): Promise<() => Promise<void>> {
  const before = await leftovers()
  return async () => {
    const [after, inUse] = await Promise.all([leftovers(), namespacesInUse()])
    const leaked = [...after].filter((name) => !before.has(name) && !inUse.has(namespaceOf(name)))
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

/** `postgres:racebench_x_1` or `redis:racebench_x_1:lock:3` → `racebench_x_1` */
function namespaceOf(leftover: string): string {
  return leftover.split(':')[1] ?? ''
}

/** Namespaces with a connection open right now: runs of other processes, still going. */
async function namespacesInUse(): Promise<Set<string>> {
  const inUse = new Set<string>()
  const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 3_000 })
  try {
    await client.connect()
    // racebench names every connection `racebench <role> <namespace>`.
    const { rows } = await client.query<{ name: string }>(`SELECT DISTINCT split_part(application_name, ' ', 3) AS name FROM pg_stat_activity WHERE application_name LIKE 'racebench %'`)
    for (const row of rows) inUse.add(row.name)
  } catch {
    // PostgreSQL is down: nothing of it is in use
  } finally {
    await client.end().catch(() => {})
  }
  try {
    const connection = await mysql.createConnection({ uri: MYSQL_URL, connectTimeout: 3_000 })
    try {
      const [rows] = await connection.query(`SELECT DISTINCT db AS name FROM information_schema.processlist WHERE db LIKE 'racebench\\_%'`)
      for (const row of rows as { name: string }[]) inUse.add(row.name)
    } finally {
      await connection.end()
    }
  } catch {
    // MySQL is down: nothing of it is in use
  }
  return inUse
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
