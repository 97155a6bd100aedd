import { describe, expect, it } from 'vitest'
import { runScenario, UsageError, type RunResult, type RunScenarioOptions } from '../../src/index.js'
import scenario from '../../scenarios/position-sync.js'
import { sqlTargets } from '../support/services.js'

const TARGETS = await sqlTargets()
/** Safe on every engine at every level: a unique key over open positions decides. */
const KEYED = ['unique-catch', 'upsert', 'conditional-insert-unique'] as const

for (const db of TARGETS) {
  const mariadb = db.name === 'mariadb'
  /** 16 workers on a single (bot, symbol, side): the harshest contention position-sync has. */
  const oneKey = (strategy: string, extra: Partial<RunScenarioOptions> = {}) =>
    runScenario({ scenario, strategy, db: db.url, workers: 16, iterations: 10, params: { bots: 1, symbols: 1, sides: 1 }, ...extra })
  const held = (result: RunResult, name: string) => result.invariants.find((i) => i.name === name)?.held

  describe.skipIf(!db.probe.available)(`${db.name}: position-sync`, () => {
    // Proven reliable while tuning: on each engine every default run of the race-rates loops violated
    // (bench/README.md, "Race rates"), and 20 of 20 single-key runs.
    it('none opens the same position twice with the default settings, run after run', async () => {
      for (let run = 0; run < 3; run++) {
        const result = await runScenario({ scenario, db: db.url })
        expect(result.strategy).toBe('none')
        expect(result.expect).toBe('unsafe')
        const verdict = result.invariants.find((i) => i.name === 'at most one open position')
        expect(verdict?.held).toBe(false)
        expect(verdict?.detail).toMatch(/^bot \d+ holds \d+ open (long|short) [A-Z]+USDT positions/)
        // Every duplicate was acknowledged as opened: the naive code believes it did its job.
        expect(held(result, 'open positions = positions opened')).toBe(true)
      }
    })

    it.each(KEYED)('%s opens exactly one position, and the other job hears "already open"', async (strategy) => {
      const result = await oneKey(strategy)
      expect(result.expect).toBe('safe')
      expect(result.invariants.filter((i) => !i.held)).toEqual([])
      // The key has a closed position from the seed: the unique key must cover open positions only.
      expect(result.outcomes.ok).toBe(1)
      // A duplicate key is the other job having opened it first: rejected, not a conflict. The only
      // conflicts are InnoDB deadlocks of two crossing INSERT … SELECTs (MariaDB reports some as error
      // 1467, waiting for the AUTO-INC lock: classified as deadlocks); none on PostgreSQL.
      expect(result.outcomes.error).toBe(0)
      expect(result.outcomes.conflict).toBe(result.errorsByClass.deadlock)
      if (!mariadb) expect(result.outcomes.conflict).toBe(0)
      expect(result.outcomes.ok + result.outcomes.rejected + result.outcomes.conflict).toBe(16 * 10)
    })

    it('pessimistic: FOR UPDATE on a missing row locks nothing on PostgreSQL, a gap on InnoDB', async () => {
      const result = await oneKey('pessimistic')
      expect(result.locks?.acquired).toBe(160)
      if (mariadb) {
        // Every job holds the gap, each insert waits on the others': InnoDB kills all but one.
        expect(result.expect).toBe('safe')
        expect(result.invariants.filter((i) => !i.held)).toEqual([])
        expect(result.outcomes.ok).toBe(1)
        expect(result.outcomes.conflict).toBeGreaterThan(0)
        expect(result.errorsByClass.deadlock).toBe(result.outcomes.conflict)
      } else {
        expect(result.expect).toBe('unsafe')
        expect(held(result, 'at most one open position')).toBe(false)
        expect(result.outcomes.ok).toBeGreaterThan(1)
      }
    })

    it('pessimistic under another isolation level does what the engine really does, as declared', async () => {
      // InnoDB takes no gap locks at READ COMMITTED; PostgreSQL's SSI catches the crossing at SERIALIZABLE.
      const result = await oneKey('pessimistic', { isolation: mariadb ? 'read-committed' : 'serializable' })
      if (mariadb) {
        expect(result.expect).toBe('unsafe')
        expect(result.violations).toBeGreaterThan(0)
      } else {
        expect(result.expect).toBe('safe')
        expect(result.violations).toBe(0)
        expect(result.errorsByClass.serialization).toBeGreaterThan(0)
      }
    })

    it('conditional-insert without a unique key races on PostgreSQL; InnoDB locks the gap it reads', async () => {
      if (mariadb) {
        const result = await oneKey('conditional-insert')
        expect(result.expect).toBe('safe')
        expect(result.invariants.filter((i) => !i.held)).toEqual([])
        expect(result.outcomes.error).toBe(0)
        expect(result.outcomes.conflict).toBe(result.errorsByClass.deadlock)
        return
      }
      // Its race is one statement long: it shows because both jobs get a position's fills from one
      // fetch and insert together (bench/README.md, "Race rates": every default run of the loops).
      for (let run = 0; run < 3; run++) {
        const result = await runScenario({ scenario, strategy: 'conditional-insert', db: db.url })
        expect(result.expect).toBe('unsafe')
        expect(held(result, 'at most one open position')).toBe(false)
      }
    })

    it('jobs that look for the same missing position together share one fetch of its fills', async () => {
      // The first job to fetch a position's fills sends the request; a job that finds it in flight
      // waits for the same answer, so both open the position at the same moment, as in the incident.
      const result = await oneKey('none', { iterations: 1, think: 100 })
      const shared = result.observations['fills fetch shared']
      expect(shared?.count).toBeGreaterThan(0)
      expect(shared?.samples[0]).toMatch(/^(exchange-sync|order-monitor) \d+ got the fills of bot 1's long position in market 1 from (exchange-sync|order-monitor) \d+'s fetch$/)
    })
  })

  if (!db.probe.available) it.skip(`${db.name}: position-sync: ${db.probe.reason}`, () => {})
}

it('refuses params outside what the schema seeds, before touching a server', async () => {
  const run = runScenario({ scenario, db: 'postgres://nobody@127.0.0.1:1/none', params: { symbols: 11, sides: 3 } })
  await expect(run).rejects.toThrow(UsageError)
  await expect(run).rejects.toThrow(/--param symbols must be a whole number from 1 to 10, got 11.*--param sides must be a whole number from 1 to 2/)
})
