import { describe, expect, it } from 'vitest'
import { runScenario, type RunScenarioOptions } from '../../src/index.js'
import { PG_URL, probePostgres, queryOnce } from '../support/services.js'

const postgres = await probePostgres()
const SAFE = ['pessimistic', 'optimistic', 'unique', 'serializable', 'advisory'] as const

/** 16 workers on a single slot: the harshest contention double-booking has. */
const oneSlot = (strategy: string, extra: Partial<RunScenarioOptions> = {}) =>
  runScenario({ scenario: 'double-booking', strategy, db: PG_URL, workers: 16, iterations: 10, params: { rooms: 1, nights: 1 }, ...extra })

describe.skipIf(!postgres.available)(`double-booking on ${postgres.name}`, () => {
  // Proven reliable while tuning: 30 of 30 default runs and 30 of 30 single-slot runs violated.
  it('none double-books a single slot, run after run', async () => {
    for (let run = 0; run < 3; run++) {
      const result = await oneSlot('none')
      expect(result.violations).toBeGreaterThan(0)
      expect(result.outcomes.ok).toBeGreaterThan(1)
      const verdict = result.invariants.find((i) => i.name === 'no double booking')
      expect(verdict?.held).toBe(false)
      expect(verdict?.detail).toMatch(/^room 1 on night 1 has \d+ active bookings$/)
    }
  })

  it('none also double-books with the default settings', async () => {
    const result = await runScenario({ scenario: 'double-booking', db: PG_URL })
    expect(result.strategy).toBe('none')
    expect(result.violations).toBeGreaterThan(0)
  })

  it.each(SAFE)('%s holds every invariant with exactly one booking', async (strategy) => {
    const result = await oneSlot(strategy)
    expect(result.invariants.filter((i) => !i.held)).toEqual([])
    expect(result.outcomes.ok).toBe(1)
    expect(result.outcomes.error).toBe(0)
    expect(result.outcomes.ok + result.outcomes.rejected + result.outcomes.conflict).toBe(16 * 10)
    expect(result.expect).toBe('safe')
  })

  it('optimistic and serializable count their retries; unique turns duplicate keys into conflicts', async () => {
    const optimistic = await oneSlot('optimistic')
    expect(optimistic.retries).toBeGreaterThan(0)
    const serializable = await oneSlot('serializable')
    expect(serializable.isolation).toBe('serializable')
    expect(serializable.errorsByClass.serialization).toBeGreaterThan(0)
    const unique = await oneSlot('unique')
    expect(unique.outcomes.conflict).toBeGreaterThan(0)
    expect(unique.errorsByClass.unique).toBe(unique.outcomes.conflict)
  })

  it('a row lock under REPEATABLE READ protects nothing, and the result says it was expected', async () => {
    const result = await oneSlot('pessimistic', { isolation: 'repeatable-read' })
    expect(result.isolation).toBe('repeatable read')
    expect(result.expect).toBe('unsafe')
    expect(result.violations).toBeGreaterThan(0)
  })

  it('the same seed draws the same keys', async () => {
    const run = () => runScenario({ scenario: 'double-booking', strategy: 'unique', db: PG_URL, workers: 1, iterations: 40, seed: 7, think: 0 })
    const [a, b] = [await run(), await run()]
    expect(a.seed).toBe(7)
    expect(a.outcomes).toEqual(b.outcomes)
  })

  it('drops its schema after the run, and keeps it with keep', async () => {
    const dropped = await oneSlot('none', { iterations: 2 })
    expect(await schemaExists(dropped.db.schema)).toBe(false)
    expect(dropped.db.kept).toBe(false)

    const kept = await oneSlot('none', { iterations: 2, keep: true })
    try {
      expect(kept.db.kept).toBe(true)
      expect(await schemaExists(kept.db.schema)).toBe(true)
      const rows = await queryOnce<{ n: number }>(`SELECT count(*)::int AS n FROM ${kept.db.schema}.bookings`)
      expect(rows[0]?.n).toBe(kept.outcomes.ok)
    } finally {
      await queryOnce(`DROP SCHEMA IF EXISTS ${kept.db.schema} CASCADE`)
    }
  })

  it('stops by duration as well as by iterations', async () => {
    const result = await runScenario({ scenario: 'double-booking', strategy: 'unique', db: PG_URL, workers: 4, duration: '1s', think: 0 })
    expect(result.iterations).toBeNull()
    expect(result.durationLimitMs).toBe(1_000)
    expect(result.durationMs).toBeGreaterThanOrEqual(1_000)
    expect(result.durationMs).toBeLessThan(3_000)
  })
})

if (!postgres.available) it.skip(`double-booking: ${postgres.reason}`, () => {})

async function schemaExists(schema: string): Promise<boolean> {
  const rows = await queryOnce('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema])
  return rows.length > 0
}
