import mysql from 'mysql2/promise'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { createRunEmitter, defineScenario, runScenario } from '../../src/index.js'
import { sqlTargets } from '../support/services.js'

const TARGETS = await sqlTargets()

/** Another client that takes room 1's row lock in the run's namespace and holds it until released. */
async function holdRoomLock(db: (typeof TARGETS)[number], namespace: string): Promise<() => Promise<void>> {
  if (db.name === 'postgres') {
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    await client.query('BEGIN')
    await client.query(`SELECT id FROM ${namespace}.rooms WHERE id = 1 FOR UPDATE`)
    return async () => {
      await client.query('ROLLBACK')
      await client.end()
    }
  }
  const connection = await mysql.createConnection({ uri: db.url })
  await connection.query('START TRANSACTION')
  await connection.query(`SELECT id FROM ${namespace}.rooms WHERE id = 1 FOR UPDATE`)
  return async () => {
    await connection.query('ROLLBACK')
    await connection.end()
  }
}

const doubleBooking = (await import('../../scenarios/double-booking.js')).default

for (const db of TARGETS) {
  describe.skipIf(!db.probe.available)(`${db.name}: no run can hang`, () => {
    it('a lock held by someone else ends each operation as a lock-timeout conflict after --timeout', async () => {
      const events = createRunEmitter()
      let namespace = ''
      events.on('phase', (phase) => (namespace = /preparing schema (\S+)/.exec(phase)?.[1] ?? namespace))
      let release: (() => Promise<void>) | undefined
      // double-booking, whose pessimistic strategy first has another client lock the only room:
      // prepare() is awaited before any worker starts, so every worker meets the held lock.
      const scenario = defineScenario({
        ...doubleBooking,
        strategies: {
          pessimistic: {
            ...doubleBooking.strategies.pessimistic!,
            prepare: async () => {
              release = await holdRoomLock(db, namespace)
            },
          },
        },
      })
      const started = Date.now()
      try {
        const result = await runScenario({ scenario, db: db.url, workers: 2, iterations: 2, timeout: '1s', params: { rooms: 1, nights: 1 }, events })
        expect(result.outcomes.conflict).toBe(4)
        expect(result.errorsByClass['lock-timeout']).toBe(4)
        expect(result.locks).toMatchObject({ acquired: 0, notAcquired: 4 })
        expect(result.locks?.waitMs.p50).toBeGreaterThanOrEqual(900)
      } finally {
        await release?.()
      }
      // Two operations per worker, each given up after a second: bounded, not hanging.
      expect(Date.now() - started).toBeLessThan(15_000)
    })
  })
}
