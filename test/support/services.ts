import pg from 'pg'
import mysql from 'mysql2/promise'
import { Redis } from 'ioredis'

/** The machine's services (DEVELOPERS.md); override each with its environment variable. */
export const PG_URL = process.env.RACEBENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'
export const MYSQL_URL = process.env.RACEBENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test'
export const REDIS_URL = process.env.RACEBENCH_REDIS_URL ?? 'redis://127.0.0.1:6379'

/** Set by .ci/run: a service that cannot be reached fails the suite instead of skipping. */
export const SERVICES_REQUIRED = process.env.RACEBENCH_REQUIRE_SERVICES === '1'

export interface ServiceProbe {
  readonly name: string
  readonly available: boolean
  /** Why it is not available: shown as the name of the skipped test. */
  readonly reason: string
}

/**
 * Probes a service once per test file. Unreachable on a developer's laptop: the tests that need it
 * skip with the reason visible. Unreachable under RACEBENCH_REQUIRE_SERVICES=1: this throws and the
 * file fails, so CI can never go green by skipping.
 */
export async function probe(name: string, check: () => Promise<void>): Promise<ServiceProbe> {
  try {
    await check()
    return { name, available: true, reason: '' }
  } catch (error) {
    const reason = `${name} unreachable (${error instanceof Error ? error.message : String(error)})`
    if (SERVICES_REQUIRED) throw new Error(`${reason}, and RACEBENCH_REQUIRE_SERVICES=1`)
    return { name, available: false, reason }
  }
}

export function probePostgres(url = PG_URL): Promise<ServiceProbe> {
  return probe(`PostgreSQL at ${new URL(url).host}`, async () => {
    const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 })
    try {
      await client.connect()
      await client.query('SELECT 1')
    } finally {
      await client.end().catch(() => {})
    }
  })
}

/** Runs one query on a fresh connection (for checking what a run left behind). */
export async function queryOnce<Row>(sql: string, params: unknown[] = [], url = PG_URL): Promise<Row[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(sql, params)).rows as Row[]
  } finally {
    await client.end()
  }
}

export function probeMysql(url = MYSQL_URL): Promise<ServiceProbe> {
  return probe(`MariaDB/MySQL at ${new URL(url).host}`, async () => {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 3_000 })
    await connection.end()
  })
}

export function probeRedis(url = REDIS_URL): Promise<ServiceProbe> {
  return probe(`Redis at ${new URL(url).host}`, async () => {
    const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1, connectTimeout: 3_000 })
    client.on('error', () => {})
    try {
      await client.connect()
      await client.ping()
    } finally {
      client.disconnect()
    }
  })
}

/** A SQL server the suites run against: `for (const db of TARGETS) describe(...)`. */
export interface TestTarget {
  readonly name: 'postgres' | 'mariadb'
  readonly url: string
  readonly probe: ServiceProbe
  /** Whether the run's schema (PostgreSQL) or database (MySQL) still exists. */
  namespaceExists(name: string): Promise<boolean>
  /** Runs one query on a fresh connection, outside any run. */
  query<Row>(sql: string): Promise<Row[]>
}

export async function sqlTargets(): Promise<TestTarget[]> {
  return [
    {
      name: 'postgres',
      url: PG_URL,
      probe: await probePostgres(),
      namespaceExists: async (name) => (await queryOnce('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).length > 0,
      query: (sql) => queryOnce(sql),
    },
    {
      name: 'mariadb',
      url: MYSQL_URL,
      probe: await probeMysql(),
      namespaceExists: async (name) => (await mysqlQuery(`SHOW DATABASES LIKE '${name}'`)).length > 0,
      query: (sql) => mysqlQuery(sql),
    },
  ]
}

async function mysqlQuery<Row>(sql: string): Promise<Row[]> {
  const connection = await mysql.createConnection({ uri: MYSQL_URL })
  try {
    return (await connection.query(sql))[0] as Row[]
  } finally {
    await connection.end()
  }
}
