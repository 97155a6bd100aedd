import pg from 'pg'

/** The machine's PostgreSQL (DEVELOPERS.md); override with RACEBENCH_PG_URL. */
export const PG_URL = process.env.RACEBENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'

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
