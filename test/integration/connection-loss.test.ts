import { describe, expect, it } from 'vitest'
import { setTimeout as delay } from 'node:timers/promises'
import { runScenario } from '../../src/index.js'
import { watchRun } from '../support/run-events.js'
import { PG_URL, probePostgres, queryOnce } from '../support/services.js'

const postgres = await probePostgres()

const WORKERS = 4
const ITERATIONS = 50

describe.skipIf(!postgres.available)('connections killed in the middle of a run', () => {
  it('finish as error or unknown, workers reconnect, and the run neither hangs nor loses track', async () => {
    const { events, namespace } = watchRun()
    const bookings = async () => (await queryOnce<{ n: number }>(`SELECT count(*)::int AS n FROM "${namespace()}".bookings`))[0]?.n ?? 0
    /** Polls until the run has made `n` bookings: progress, not time, decides when to strike. */
    const untilBookings = async (n: number) => {
      while ((await bookings()) < n) await delay(10)
    }
    const killWorkers = async () =>
      (await queryOnce<{ pid: number }>(`SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name = $1`, [`racebench worker ${namespace()}`])).length

    let killed = 0
    let bookingsAtLastKill = Number.POSITIVE_INFINITY
    const striking = new Promise<void>((resolve, reject) => {
      events.on('start', () => {
        // Twice, while the workers are busy: every worker connection of this run, not the setup one. Each
        // worker makes ITERATIONS bookings, so the second kill (at 12 of 200) leaves most of the run to come.
        ;(async () => {
          await untilBookings(4)
          killed += await killWorkers()
          await untilBookings(12)
          killed += await killWorkers()
          bookingsAtLastKill = await bookings()
        })().then(resolve, reject)
      })
    })
    striking.catch(() => {}) // awaited below; a failure must not surface as an unhandled rejection first
    const result = await runScenario({
      scenario: 'double-booking',
      strategy: 'none',
      db: PG_URL,
      workers: WORKERS,
      iterations: ITERATIONS,
      think: 20,
      // 1,600 slots for 200 bookings: almost every booking is `ok`, so the bookings count tracks progress.
      params: { rooms: 40, nights: 40 },
      events,
    })
    await striking
    expect(killed).toBeGreaterThanOrEqual(WORKERS)
    expect(result.errorsByClass.connection).toBeGreaterThanOrEqual(WORKERS)
    expect(result.outcomes.error + result.outcomes.unknown).toBe(result.errorsByClass.connection)
    expect(result.errorSamples.length).toBeGreaterThan(0)
    // Every worker reconnected and went on to finish all its operations, and bookings were made after the last kill.
    const completed = Object.values(result.outcomes).reduce((sum, n) => sum + n, 0)
    expect(completed).toBe(WORKERS * ITERATIONS)
    expect(result.outcomes.ok).toBeGreaterThan(bookingsAtLastKill)
    // An unknown write may or may not have landed: the acknowledgement check allows both.
    const acknowledged = result.invariants.find((i) => i.name === 'active bookings = ok outcomes')
    expect(acknowledged?.held).toBe(true)
  })
})

if (!postgres.available) it.skip(`connection loss: ${postgres.reason}`, () => {})
