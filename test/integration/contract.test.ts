import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { compareStrategies, defineScenario, runScenario, UsageError } from '../../src/index.js'
import { sqlTargets } from '../support/services.js'

const TARGETS = await sqlTargets()
const schema = fileURLToPath(new URL('../fixtures/sql/postgres/counter.sql', import.meta.url))

/** A counter that workers increment while readers watch it; one strategy makes no sense on MySQL. */
const counter = defineScenario({
  name: 'counter',
  summary: 'increments a counter while readers watch',
  story: 'A scenario for testing the scenario contract itself.',
  schema,
  params: { readers: 2 },
  pickKey: () => 0,
  readers: {
    summary: 'read the counter',
    count: (p) => p.readers,
    read: async ({ db, note, reader }) => {
      const { rows } = await db.query<{ n: number }>('SELECT n FROM counter')
      if (Number(rows[0]?.n) % 2 === 1) note('odd value', `reader ${reader} saw ${rows[0]?.n}`)
    },
  },
  strategies: {
    atomic: {
      summary: 'UPDATE n = n + 1',
      expect: 'safe',
      run: async ({ db, think }) => {
        await db.query('UPDATE counter SET n = n + $1', [1])
        await think()
        return 'ok'
      },
    },
    'postgres-only': {
      summary: 'pretends to need PostgreSQL',
      expect: 'safe',
      unsupportedOn: { mysql: 'it is only a test' },
      run: async ({ db }) => {
        await db.query('UPDATE counter SET n = n + $1', [1])
        return 'ok'
      },
    },
  },
  invariants: {
    'readers read': async ({ history }) => ({ held: history.reads > 0 && history.readErrors === 0, detail: `${history.reads} reads` }),
    'every increment counted': async ({ db, outcomes }) => {
      const { rows } = await db.query<{ n: number }>('SELECT n FROM counter')
      return { held: Number(rows[0]?.n) === outcomes.ok, detail: `n = ${rows[0]?.n}` }
    },
  },
})

for (const db of TARGETS) {
  describe.skipIf(!db.probe.available)(`${db.name}: the scenario contract`, () => {
    it('readers run beside the workers, and what they note reaches the invariants and the result', async () => {
      const result = await runScenario({ scenario: counter, strategy: 'atomic', db: db.url, workers: 4, iterations: 25, think: 2 })
      expect(result.invariants.filter((i) => !i.held)).toEqual([])
      expect(result.reads).toBeGreaterThan(0)
      expect(result.readErrors).toBe(0)
      // With 100 increments in flight, readers see odd values; each is noted with its detail.
      expect(result.observations['odd value']?.count).toBeGreaterThan(0)
      expect(result.observations['odd value']?.samples[0]).toMatch(/^reader [01] saw \d+$/)
    })

    it('a strategy declared unsupported on the engine is refused before anything starts', async () => {
      const run = runScenario({ scenario: counter, strategy: 'postgres-only', db: db.url, workers: 1, iterations: 1 })
      if (db.name === 'postgres') {
        expect((await run).violations).toBe(0)
      } else {
        await expect(run).rejects.toThrow(new UsageError("strategy 'postgres-only' of counter makes no sense on mysql: it is only a test"))
      }
    })

    it('compare leaves out a strategy the engine does not support, and refuses it when named', async () => {
      const comparison = await compareStrategies({ scenario: counter, db: db.url, workers: 2, iterations: 5 })
      if (db.name === 'postgres') {
        expect(comparison.strategies.map((s) => s.strategy)).toEqual(['atomic', 'postgres-only'])
        expect(comparison.skipped).toEqual([])
      } else {
        expect(comparison.strategies.map((s) => s.strategy)).toEqual(['atomic'])
        expect(comparison.skipped).toEqual([{ strategy: 'postgres-only', reason: 'makes no sense on mysql: it is only a test' }])
        await expect(compareStrategies({ scenario: counter, db: db.url, strategies: ['postgres-only'] })).rejects.toThrow(UsageError)
      }
      expect(comparison.allAsDeclared).toBe(true)
    })
  })
}
