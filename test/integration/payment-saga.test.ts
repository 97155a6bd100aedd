import { describe, expect, it } from 'vitest'
import { runScenario, type RunResult, type RunScenarioOptions } from '../../src/index.js'
import scenario from '../../scenarios/payment-saga.js'
import { probeRabbitmq, RABBITMQ_URL } from '../support/rabbitmq.js'
import { sqlTargets } from '../support/services.js'

const TARGETS = await sqlTargets()
const rabbitmq = await probeRabbitmq()
const CRASH = ['crash-saga:20%']
const MONEY = 'money conserved across both databases'
const EVENTS = 'every committed payment has exactly one event'

const verdict = (result: RunResult, name: string) => result.invariants.find((i) => i.name === name)
const violated = (result: RunResult) => result.invariants.filter((i) => !i.held).map((i) => i.name)
/** Seeds 1001…: each run draws its own keys and crashes, and a failure names a seed to run again. */
const SEEDS = [1001, 1002, 1003]

for (const db of TARGETS) {
  // The scenario object, not its name: it runs whether or not src/scenario/builtin.ts lists it yet.
  const run = (strategy: string, extra: Partial<RunScenarioOptions> = {}) =>
    runScenario({ scenario, strategy, db: db.url, rabbitmq: RABBITMQ_URL, warn: () => {}, ...extra })

  describe.skipIf(!db.probe.available)(`${db.name}: payment-saga`, () => {
    // Measured: 10 of 10 runs per engine lost money (about 20 crashes a run, of some 60 sagas).
    it('saga, crashed between steps, leaves money debited and never credited nor refunded', async () => {
      for (const seed of SEEDS) {
        const result = await run('saga', { nemesis: CRASH, seed })
        expect(result.outcomes.unknown, `seed ${seed}`).toBeGreaterThan(0)
        expect(violated(result), `seed ${seed}`).toContain(MONEY)
        expect(verdict(result, MONEY)?.detail).toMatch(/^the balances sum to \d+, \d+ less than the \d+ they held at the start: job \d+ lost \d+: its client was charged/)
        expect(verdict(result, MONEY)?.broken?.[0]?.key).toMatch(/^job \d+$/)
        expect(verdict(result, EVENTS)).toMatchObject({ held: true, detail: 'no broker in this strategy' })
      }
    })

    it('saga-log, crashed as often, is completed or compensated by recovery: every invariant holds', async () => {
      for (const seed of SEEDS) {
        const result = await run('saga-log', { nemesis: CRASH, seed })
        expect(result.outcomes.unknown, `seed ${seed}`).toBeGreaterThan(0)
        expect(violated(result), `seed ${seed}`).toEqual([])
        expect(verdict(result, 'the jobs and the balances agree')?.detail).toMatch(/^\d+ paid jobs?, each charged and credited once/)
      }
    })

    it('without faults, saga and saga-log keep every invariant: a racing saga refunds itself', async () => {
      for (const strategy of ['saga', 'saga-log']) {
        const result = await run(strategy, { seed: SEEDS[0] })
        expect(result.outcomes.unknown).toBe(0)
        expect(violated(result), strategy).toEqual([])
        expect(verdict(result, 'each job paid at most once')?.detail).toBe('40 jobs paid, none twice')
      }
    })

    describe.skipIf(!rabbitmq.available)('with RabbitMQ', () => {
      // Needs the runner to open the broker (ctx.broker, recover's broker) and drain it into `delivered`.
      it('outbox, crashed between steps, relays every payment event: every invariant holds', async () => {
        for (const seed of SEEDS) {
          const result = await run('outbox', { nemesis: CRASH, seed })
          expect(result.outcomes.unknown, `seed ${seed}`).toBeGreaterThan(0)
          expect(violated(result), `seed ${seed}`).toEqual([])
          expect(verdict(result, EVENTS)?.detail).toMatch(/^\d+ payments? completed, each announced by one PaymentCompleted/)
        }
      })

      it('publish-after-commit, crashed between the commit and the publish, loses events; the money is safe', async () => {
        for (const seed of SEEDS) {
          const result = await run('publish-after-commit', { nemesis: CRASH, seed })
          expect(violated(result), `seed ${seed}`).toEqual([EVENTS])
          expect(verdict(result, EVENTS)?.detail).toMatch(/^\d+ events? lost, 0 wrong.*: job \d+ was paid by payment \S+, but no PaymentCompleted was delivered/)
        }
      })

      it('without faults, outbox and publish-after-commit announce every payment once', async () => {
        for (const strategy of ['outbox', 'publish-after-commit']) {
          const result = await run(strategy, { seed: SEEDS[0] })
          expect(violated(result), strategy).toEqual([])
          expect(verdict(result, EVENTS)?.detail).toBe('40 payments completed, each announced by one PaymentCompleted')
        }
      })
    })
  })
}

if (!rabbitmq.available) it.skip(`payment-saga with RabbitMQ: ${rabbitmq.reason}`, () => {})

const [postgres, mariadb] = TARGETS
describe.skipIf(!postgres?.probe.available || !mariadb?.probe.available)('payment-saga across two servers: profiles on PostgreSQL, jobs on MariaDB (--db2)', () => {
  it('saga-log recovers across the two engines; saga loses money there too', async () => {
    const across = { db: postgres!.url, db2: mariadb!.url, nemesis: CRASH, seed: SEEDS[0], warn: () => {} }
    const logged = await runScenario({ scenario, strategy: 'saga-log', ...across })
    expect(violated(logged)).toEqual([])
    expect(logged.outcomes.unknown).toBeGreaterThan(0)
    const unlogged = await runScenario({ scenario, strategy: 'saga', ...across })
    expect(violated(unlogged)).toContain(MONEY)
  })
})
