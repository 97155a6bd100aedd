import { describe, expect, it } from 'vitest'
import { runScenario } from '../../src/index.js'
import { watchRun } from '../support/run-events.js'
import { PG_URL, probePostgres, queryOnce } from '../support/services.js'

const postgres = await probePostgres()

describe.skipIf(!postgres.available)('connections killed in the middle of a run', () => {
  it('finish as error or unknown, workers reconnect, and the run neither hangs nor loses track', async () => {
    const { events, namespace } = watchRun()
    let killed = 0
    events.on('start', () => {
      // Twice, while the workers are busy: every worker connection of this run, not the setup one.
      const kill = async () => {
        const rows = await queryOnce<{ pid: number }>(
          `SELECT pg_terminate_backend(pid) AS pid FROM pg_stat_activity WHERE application_name = $1`,
          [`racebench worker ${namespace()}`],
        )
        killed += rows.length
      }
      setTimeout(kill, 300)
      setTimeout(kill, 700)
    })
    const result = await runScenario({
      scenario: 'double-booking',
      strategy: 'none',
      db: PG_URL,
      workers: 4,
      duration: '1500ms',
      think: 5,
      params: { rooms: 40, nights: 40 },
      events,
    })
    expect(killed).toBeGreaterThanOrEqual(4)
    expect(result.errorsByClass.connection).toBeGreaterThanOrEqual(4)
    expect(result.outcomes.error + result.outcomes.unknown).toBe(result.errorsByClass.connection)
    expect(result.errorSamples.length).toBeGreaterThan(0)
    // Workers reconnected and went on: operations completed after the last kill.
    expect(result.outcomes.ok + result.outcomes.rejected).toBeGreaterThan(100)
    // An unknown write may or may not have landed: the acknowledgement check allows both.
    const acknowledged = result.invariants.find((i) => i.name === 'active bookings = ok outcomes')
    expect(acknowledged?.held).toBe(true)
  })
})

if (!postgres.available) it.skip(`connection loss: ${postgres.reason}`, () => {})
