import { describe, expect, it } from 'vitest'
import { runScenario, type RunScenarioOptions } from '../../src/index.js'
import { sqlTargets } from '../support/services.js'

const TARGETS = await sqlTargets()
const SAFE = ['pessimistic', 'optimistic', 'unique', 'serializable', 'advisory'] as const

for (const db of TARGETS) {
  /** 16 workers on a single slot: the harshest contention double-booking has. */
  const oneSlot = (strategy: string, extra: Partial<RunScenarioOptions> = {}) =>
    runScenario({ scenario: 'double-booking', strategy, db: db.url, workers: 16, iterations: 10, params: { rooms: 1, nights: 1 }, ...extra })

  describe.skipIf(!db.probe.available)(`${db.name}: double-booking`, () => {
    // Proven reliable while tuning: on each engine 25-30 of 25-30 default and single-slot runs violated.
    it('none double-books a single slot, run after run', async () => {
      for (let run = 0; run < 3; run++) {
        const result = await oneSlot('none')
        expect(result.db.dialect).toBe(db.name === 'postgres' ? 'postgres' : 'mysql')
        expect(result.violations).toBeGreaterThan(0)
        expect(result.outcomes.ok).toBeGreaterThan(1)
        const verdict = result.invariants.find((i) => i.name === 'no double booking')
        expect(verdict?.held).toBe(false)
        expect(verdict?.detail).toMatch(/^room 1 on night 1 has \d+ active bookings$/)
      }
    })

    it('none also double-books with the default settings', async () => {
      const result = await runScenario({ scenario: 'double-booking', db: db.url })
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
      // PostgreSQL reports SSI conflicts as serialization failures; InnoDB as deadlocks.
      const crossings = db.name === 'postgres' ? serializable.errorsByClass.serialization : serializable.errorsByClass.deadlock
      expect(crossings).toBeGreaterThan(0)
      const unique = await oneSlot('unique')
      expect(unique.outcomes.conflict).toBeGreaterThan(0)
      expect(unique.errorsByClass.unique).toBe(unique.outcomes.conflict)
    })

    it.each(['pessimistic', 'advisory'])('%s under REPEATABLE READ does what the engine really does, as declared', async (strategy) => {
      const result = await oneSlot(strategy, { isolation: 'repeatable-read' })
      expect(result.isolation).toBe('repeatable read')
      // PostgreSQL: the snapshot predates the lock, so the lock protects nothing. InnoDB: it holds.
      expect(result.expect).toBe(db.name === 'postgres' ? 'unsafe' : 'safe')
      if (result.expect === 'unsafe') expect(result.violations).toBeGreaterThan(0)
      else expect(result.violations).toBe(0)
    })

    it('none run as one SERIALIZABLE transaction holds, as declared: the engine turns the crossing into conflicts', async () => {
      const result = await oneSlot('none', { isolation: 'serializable' })
      expect(result.expect).toBe('safe')
      expect(result.violations).toBe(0)
      expect(result.outcomes.ok).toBe(1)
      expect(result.outcomes.conflict).toBeGreaterThan(0)
    })

    it('pessimistic and advisory report what their locks cost', async () => {
      for (const strategy of ['pessimistic', 'advisory']) {
        const result = await oneSlot(strategy)
        expect(result.locks?.acquired).toBe(160)
        expect(result.locks?.waitMs.max).toBeGreaterThan(0)
      }
    })

    it('lock-outside-transaction double-books: its FOR UPDATE lock ends with its own autocommit statement', async () => {
      const result = await oneSlot('lock-outside-transaction', { iterations: 3 })
      expect(result.expect).toBe('unsafe')
      expect(result.violations).toBeGreaterThan(0)
      expect(result.invariants.find((i) => i.name === 'no double booking')?.held).toBe(false)
      // The lock was taken: the statement waited for it or got it, and let go at once.
      expect(result.locks?.acquired).toBe(16 * 3)
    })

    it('long-held-lock holds, with --param callMs held inside the lock; other strategies take the param and ignore it', async () => {
      const result = await oneSlot('long-held-lock', { iterations: 2, params: { rooms: 1, nights: 1, callMs: 5 } })
      expect(result.expect).toBe('safe')
      expect(result.invariants.filter((i) => !i.held)).toEqual([])
      expect(result.outcomes.ok).toBe(1)
      expect(result.outcomes.ok + result.outcomes.rejected).toBe(16 * 2)
      const unique = await oneSlot('unique', { iterations: 2, params: { rooms: 1, nights: 1, callMs: 5 } })
      expect(unique.invariants.filter((i) => !i.held)).toEqual([])
    })

    it('idempotency-key re-sends every request: the copy gets the stored answer, one booking per request, none per slot twice', async () => {
      const result = await oneSlot('idempotency-key', { iterations: 3 })
      expect(result.expect).toBe('safe')
      expect(result.invariants.filter((i) => !i.held)).toEqual([])
      expect(result.outcomes.ok).toBe(1)
      expect(result.outcomes.ok + result.outcomes.rejected).toBe(16 * 3)
      // The first copy of a request ran; every second copy was answered from the store.
      expect(result.observations['stored response replayed']?.count).toBe(16 * 3)
      expect(result.observations['stored response replayed']?.samples[0]).toMatch(/^request guest-\d+-\d+ was answered from its stored response: room 1 night 1 (booked for guest-\d+-\d+|is already booked)$/)
    })

    it('rejects a callMs out of range in one line', async () => {
      await expect(oneSlot('long-held-lock', { params: { rooms: 1, nights: 1, callMs: -1 } })).rejects.toThrow(/callMs/)
    })

    it('the same seed draws the same keys', async () => {
      const run = () => runScenario({ scenario: 'double-booking', strategy: 'unique', db: db.url, workers: 1, iterations: 40, seed: 7, think: 0 })
      const [a, b] = [await run(), await run()]
      expect(a.seed).toBe(7)
      expect(a.outcomes).toEqual(b.outcomes)
    })

    it('drops its schema or database after the run, and keeps it with keep', async () => {
      const dropped = await oneSlot('none', { iterations: 2 })
      expect(await db.namespaceExists(dropped.db.schema)).toBe(false)
      expect(dropped.db.kept).toBe(false)

      const kept = await oneSlot('none', { iterations: 2, keep: true })
      try {
        expect(kept.db.kept).toBe(true)
        expect(await db.namespaceExists(kept.db.schema)).toBe(true)
        const rows = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${kept.db.schema}.bookings`)
        expect(Number(rows[0]?.n)).toBe(kept.outcomes.ok)
      } finally {
        await db.query(db.name === 'postgres' ? `DROP SCHEMA IF EXISTS ${kept.db.schema} CASCADE` : `DROP DATABASE IF EXISTS ${kept.db.schema}`)
      }
    })

    it('stops by duration as well as by iterations', async () => {
      const result = await runScenario({ scenario: 'double-booking', strategy: 'unique', db: db.url, workers: 4, duration: '1s', think: 0 })
      expect(result.iterations).toBeNull()
      expect(result.durationLimitMs).toBe(1_000)
      // Not an upper bound: how long the last operations take after the deadline depends on the machine's load.
      expect(result.durationMs).toBeGreaterThanOrEqual(1_000)
    })
  })

  if (!db.probe.available) it.skip(`${db.name}: double-booking: ${db.probe.reason}`, () => {})
}
