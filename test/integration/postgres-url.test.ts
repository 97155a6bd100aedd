import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { defineScenario, runScenario } from '../../src/index.js'
import { PG_URL, probePostgres, queryOnce } from '../support/services.js'

const postgres = await probePostgres()

/** Reports the settings every racebench connection runs with, as seen from inside a run. */
const settings = defineScenario({
  name: 'settings',
  summary: 'reads the session settings',
  story: 'A scenario for testing connection settings.',
  schema: fileURLToPath(new URL('../fixtures/sql/postgres/counter.sql', import.meta.url)),
  params: {},
  pickKey: () => 0,
  strategies: { read: { summary: 'nothing', expect: 'safe', run: async () => 'ok' } },
  invariants: {
    settings: async ({ db }) => {
      const { rows } = await db.query<{ path: string; lock: string; statement: string; memory: string }>(
        `SELECT current_setting('search_path') AS path, current_setting('lock_timeout') AS lock,
                current_setting('statement_timeout') AS statement, current_setting('work_mem') AS memory`,
      )
      return { held: true, detail: JSON.stringify(rows[0]) }
    },
  },
})

describe.skipIf(!postgres.available)('a --db URL with settings of its own', () => {
  it("keeps the run in its schema with its timeouts, and the user's other options", async () => {
    const url = `${PG_URL}?options=${encodeURIComponent('-c search_path=public -c lock_timeout=0 -c work_mem=8MB')}&statement_timeout=0`
    const result = await runScenario({ scenario: settings, db: url, workers: 1, iterations: 1, timeout: '3s' })
    const seen = JSON.parse(result.invariants[0]?.detail ?? '{}')
    expect(seen).toEqual({ path: result.db.schema, lock: '3s', statement: '3s', memory: '8MB' })
    // Nothing was created outside the run's schema.
    expect(await queryOnce(`SELECT 1 FROM information_schema.tables WHERE table_schema = 'public' AND table_name = 'counter'`)).toEqual([])
  })
})

if (!postgres.available) it.skip(`postgres URL settings: ${postgres.reason}`, () => {})
