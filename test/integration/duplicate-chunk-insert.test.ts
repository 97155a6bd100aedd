import { describe, expect, it } from 'vitest'
import { defineScenario, runScenario, type RunScenarioOptions } from '../../src/index.js'
import { watchRun } from '../support/run-events.js'
import { holdLock } from '../support/hold-lock.js'
import { sqlTargets, type TestTarget } from '../support/services.js'
import { engineFor } from '../../src/engines/engine-for.js'
import { expectationOf } from '../../src/scenario/expectations.js'
import scenario from '../../scenarios/duplicate-chunk-insert.js'

const TARGETS = await sqlTargets()
const SAFE = ['claim', 'unique', 'optimistic'] as const
const [DUPLICATES, LEFT_PROCESSING, PARTIAL_READS] = Object.keys(scenario.invariants)

/** Another client that blocks every chunk insert in the run's namespace until released. */
function lockChunks(db: TestTarget, namespace: string): Promise<() => Promise<void>> {
  // InnoDB: a locking read of document 1's (empty) chunk range takes a gap lock that inserts wait for.
  return holdLock(db, db.name === 'postgres' ? `LOCK TABLE ${namespace}.chunks IN SHARE MODE` : `SELECT id FROM ${namespace}.chunks WHERE document_id = 1 FOR UPDATE`)
}

describe('duplicate-chunk-insert under faults', () => {
  const under = (strategy: keyof typeof scenario.strategies, faults: readonly string[]) =>
    expectationOf(scenario.strategies[strategy]!, { dialect: 'postgres', engine: engineFor('postgres'), nodes: 1, faults, isolation: 'read-committed', oneTransaction: false })

  it('declares claim and unique unsafe once connections can die (PROCESSING has no lease), optimistic safe', () => {
    for (const faults of [['kill-connections'], ['reset']]) {
      expect([under('claim', faults), under('unique', faults), under('optimistic', faults)]).toEqual(['unsafe', 'unsafe', 'safe'])
    }
    expect([under('claim', []), under('unique', []), under('optimistic', [])]).toEqual(['safe', 'safe', 'safe'])
  })
})

for (const db of TARGETS) {
  /** 16 workers handed the same document: the harshest contention this scenario has. */
  const oneDocument = (strategy: string, extra: Partial<RunScenarioOptions> = {}) =>
    runScenario({ scenario, strategy, db: db.url, workers: 16, iterations: 5, params: { documents: 1 }, ...extra })

  /**
   * `strategy` on one document while another client blocks every chunk insert: each worker that
   * started processing fails on a lock timeout midway. The last operation lets go of the lock.
   */
  async function withChunksLocked(strategy: keyof typeof scenario.strategies) {
    const { events, namespace } = watchRun()
    const original = scenario.strategies[strategy]!
    let unlock: (() => Promise<void>) | undefined
    const release = async () => {
      const unlocking = unlock
      unlock = undefined
      await unlocking?.()
    }
    let operations = 0
    const locked = defineScenario({
      ...scenario,
      strategies: {
        [strategy]: {
          ...original,
          prepare: async (ctx) => {
            await original.prepare?.(ctx)
            unlock = await lockChunks(db, namespace())
          },
          run: async (ctx) => {
            try {
              return await original.run(ctx)
            } finally {
              if (++operations === 2) await release()
            }
          },
        },
      },
    })
    try {
      return await runScenario({ scenario: locked, strategy, db: db.url, workers: 1, iterations: 2, think: 0, timeout: '300ms', params: { documents: 1 }, events })
    } finally {
      await release()
    }
  }

  describe.skipIf(!db.probe.available)(`${db.name}: duplicate-chunk-insert`, () => {
    // Proven reliable: every default run of the race-rates loops duplicated chunks (200 of 200 on each
    // engine); readers saw a COMPLETED document short of chunks in most, not all (87 of 100 on
    // PostgreSQL, 92 of 100 on MariaDB: bench/README.md, "Race rates"), so one run of three must.
    it('none duplicates chunks with the default settings, run after run, and readers see documents short of chunks', async () => {
      const partialReads: string[] = []
      for (let run = 0; run < 3; run++) {
        const result = await runScenario({ scenario, db: db.url })
        expect(result.strategy).toBe('none')
        expect(result.expect).toBe('unsafe')
        const duplicates = result.invariants.find((i) => i.name === DUPLICATES)
        expect(duplicates?.held).toBe(false)
        expect(duplicates?.detail).toMatch(/^document \d+ has \d+ chunks instead of 5 \(\d+ duplicates?/)
        expect(result.reads).toBeGreaterThan(0)
        partialReads.push(...(result.observations['partial read']?.samples ?? []))
      }
      expect(partialReads.length).toBeGreaterThan(0)
      expect(partialReads[0]).toMatch(/^document \d+ was COMPLETED with [0-4] of 5 chunks$/)
    })

    it('transaction makes chunks appear together with COMPLETED, and still duplicates them', async () => {
      const result = await oneDocument('transaction')
      expect(result.expect).toBe('unsafe')
      expect(result.invariants.find((i) => i.name === DUPLICATES)?.held).toBe(false)
      expect(result.invariants.find((i) => i.name === PARTIAL_READS)).toMatchObject({ held: true, detail: expect.stringMatching(/^\d+ reads?, none saw/) })
      expect(result.outcomes.ok).toBeGreaterThan(1)
    })

    it('transaction under REPEATABLE READ does what the engine really does, as declared', async () => {
      const result = await oneDocument('transaction', { isolation: 'repeatable-read' })
      // PostgreSQL refuses to update a row changed since the snapshot; InnoDB updates it and goes on.
      expect(result.expect).toBe(db.name === 'postgres' ? 'safe' : 'unsafe')
      if (result.expect === 'safe') {
        expect(result.violations).toBe(0)
        expect(result.errorsByClass.serialization).toBeGreaterThan(0)
      } else {
        expect(result.invariants.find((i) => i.name === DUPLICATES)?.held).toBe(false)
      }
    })

    it.each(SAFE)('%s holds every invariant with 16 workers on one document, and with the default settings', async (strategy) => {
      for (const result of [await oneDocument(strategy), await runScenario({ scenario, strategy, db: db.url, iterations: 20 })]) {
        expect(result.expect).toBe('safe')
        expect(result.invariants.filter((i) => !i.held)).toEqual([])
        expect(result.outcomes.error).toBe(0)
        expect(result.reads).toBeGreaterThan(0)
      }
    })

    it('claim lets one worker process the document and rejects the rest; optimistic retries the losers; unique redoes harmlessly', async () => {
      const claim = await oneDocument('claim')
      expect(claim.outcomes).toMatchObject({ ok: 1, rejected: 79, conflict: 0 })
      const optimistic = await oneDocument('optimistic')
      expect(optimistic.outcomes).toMatchObject({ ok: 1, rejected: 79, conflict: 0 })
      expect(optimistic.retries).toBeGreaterThan(0)
      const unique = await oneDocument('unique')
      expect(unique.outcomes.ok).toBeGreaterThan(1)
      expect(unique.invariants.find((i) => i.name === DUPLICATES)?.detail).toBe('1 document COMPLETED, each with exactly its 5 chunks')
    })

    it('a worker that fails midway strands its document PROCESSING in none, never in the safe strategies', async () => {
      const none = await withChunksLocked('none')
      expect(none.outcomes.conflict).toBe(2)
      expect(none.invariants.find((i) => i.name === LEFT_PROCESSING)).toEqual({
        name: LEFT_PROCESSING,
        held: false,
        detail: 'document 1 was left PROCESSING with no worker on it',
        broken: [{ key: 'document 1', keyValue: 1, detail: 'PROCESSING, with no worker on it' }],
        offline: false,
      })
      for (const strategy of SAFE) {
        const result = await withChunksLocked(strategy)
        expect(result.outcomes.conflict).toBe(2)
        expect(result.errorsByClass['lock-timeout']).toBe(2)
        expect(result.invariants.find((i) => i.name === LEFT_PROCESSING)?.detail).toBe('none PROCESSING: 0 COMPLETED, 1 PENDING')
      }
    })
  })

  if (!db.probe.available) it.skip(`${db.name}: duplicate-chunk-insert: ${db.probe.reason}`, () => {})
}
