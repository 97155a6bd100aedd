import { describe, expect, it } from 'vitest'
import { defineScenario, runScenario } from '../../src/index.js'
import { watchRun } from '../support/run-events.js'
import { holdLock } from '../support/hold-lock.js'
import { sqlTargets, type TestTarget } from '../support/services.js'

const TARGETS = await sqlTargets()

/** Another client that takes room 1's row lock in the run's namespace and holds it until released. */
function holdRoomLock(db: TestTarget, namespace: string): Promise<() => Promise<void>> {
  return holdLock(db, `SELECT id FROM ${namespace}.rooms WHERE id = 1 FOR UPDATE`)
}

const doubleBooking = (await import('../../scenarios/double-booking.js')).default

for (const db of TARGETS) {
  describe.skipIf(!db.probe.available)(`${db.name}: no run can hang`, () => {
    it('a lock held by someone else ends each operation as a lock-timeout conflict after --timeout', async () => {
      const { events, namespace } = watchRun()
      let release: (() => Promise<void>) | undefined
      const warnings: string[] = []
      // double-booking, whose pessimistic strategy first has another client lock the only room:
      // prepare() is awaited before any worker starts, so every worker meets the held lock. The
      // last operation lets go of it, so the run's cleanup is not blocked by it.
      const pessimistic = doubleBooking.strategies.pessimistic!
      let operations = 0
      const scenario = defineScenario({
        ...doubleBooking,
        strategies: {
          pessimistic: {
            ...pessimistic,
            prepare: async () => {
              release = await holdRoomLock(db, namespace())
            },
            run: async (ctx) => {
              try {
                return await pessimistic.run(ctx)
              } finally {
                if (++operations === 4) await release?.()
              }
            },
          },
        },
      })
      const result = await runScenario({ scenario, db: db.url, workers: 2, iterations: 2, timeout: '1s', params: { rooms: 1, nights: 1 }, events, warn: (line) => warnings.push(line) })
      expect(result.outcomes.conflict).toBe(4)
      expect(result.errorsByClass['lock-timeout']).toBe(4)
      expect(result.locks).toMatchObject({ acquired: 0, notAcquired: 4 })
      expect(result.locks?.waitMs.p50).toBeGreaterThanOrEqual(900)
      expect(warnings).toEqual([])
      expect(await db.namespaceExists(result.db.schema)).toBe(false)
    })

    it('a namespace that cannot be dropped (someone still holds a lock in it) is a warning with the command to drop it', async () => {
      const { events, namespace } = watchRun()
      let release: (() => Promise<void>) | undefined
      const warnings: string[] = []
      const scenario = defineScenario({
        ...doubleBooking,
        strategies: { pessimistic: { ...doubleBooking.strategies.pessimistic!, prepare: async () => void (release = await holdRoomLock(db, namespace())) } },
      })
      try {
        const result = await runScenario({ scenario, db: db.url, workers: 1, iterations: 1, timeout: '1s', params: { rooms: 1, nights: 1 }, events, warn: (line) => warnings.push(line) })
        expect(result.outcomes.conflict).toBe(1)
        const drop = db.name === 'postgres' ? `DROP SCHEMA IF EXISTS "${namespace()}" CASCADE` : `DROP DATABASE IF EXISTS \`${namespace()}\``
        expect(warnings).toEqual([expect.stringMatching(new RegExp(`^could not drop (schema|database) ${namespace()} \\(.+\\); drop it yourself with: `))])
        expect(warnings[0]?.endsWith(drop)).toBe(true)
        expect(await db.namespaceExists(namespace())).toBe(true)
        await release?.()
        release = undefined
        await db.query(drop)
      } finally {
        await release?.()
      }
    })
  })
}
