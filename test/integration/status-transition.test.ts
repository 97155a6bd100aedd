import { describe, expect, it } from 'vitest'
import { runScenario, UsageError, type RunResult, type RunScenarioOptions } from '../../src/index.js'
import scenario from '../../scenarios/status-transition.js'
import { sqlTargets } from '../support/services.js'

const TARGETS = await sqlTargets()
const SAFE = ['conditional-update', 'optimistic', 'pessimistic', 'skip-locked'] as const
const STATUS = '(PENDING|PROCESSING|COMPLETED|FAILED)'
/** `document 7: COMPLETED → FAILED applied (the code believed PROCESSING → FAILED)` */
const ILLEGAL = new RegExp(String.raw`^document \d+: ${STATUS} → ${STATUS} applied( \(the code believed ${STATUS} → ${STATUS}\))?`)

const failed = (result: RunResult) => result.invariants.filter((i) => !i.held)
const verdictOf = (result: RunResult, name: string) => result.invariants.find((i) => i.name === name)

for (const db of TARGETS) {
  const run = (strategy: string, extra: Partial<RunScenarioOptions> = {}) =>
    runScenario({ scenario, strategy, db: db.url, workers: 8, iterations: 4, params: { documents: 2 }, ...extra })

  describe.skipIf(!db.probe.available)(`${db.name}: status-transition`, () => {
    // Reliability is measured with bench/race-rates.mjs (100 of 100 default runs per engine), not here.
    it('none applies illegal transitions, rewrites finished documents and processes them twice', async () => {
      const result = await run('none')
      expect(result.expect).toBe('unsafe')
      expect(result.outcomes.ok).toBe(32)
      const allowed = verdictOf(result, 'only allowed transitions applied')
      expect(allowed).toMatchObject({ held: false, detail: expect.stringMatching(ILLEGAL) })
      // Every broken key (shown as `document N`) names the illegal transition, for the timeline.
      expect(allowed?.broken.length).toBeGreaterThan(0)
      for (const broken of allowed?.broken ?? []) expect(`${String(broken.key)}: ${broken.detail}`).toMatch(ILLEGAL)
      expect(verdictOf(result, 'a finished document never changes')?.detail).toMatch(/^document \d+: (COMPLETED|FAILED), then changed to /)
      expect(verdictOf(result, 'each document processed once')?.detail).toMatch(/^document \d+: picked up for processing \d+ times/)
    })

    it('check-then-update races: two workers that read the same status both apply their transition', async () => {
      const result = await run('check-then-update', { params: { documents: 1 } })
      expect(result.expect).toBe('unsafe')
      expect(verdictOf(result, 'only allowed transitions applied')).toMatchObject({ held: false, detail: expect.stringMatching(ILLEGAL) })
    })

    it.each(SAFE)('%s lets exactly one writer make each transition', async (strategy) => {
      const result = await run(strategy, { params: { documents: 1 } })
      expect(result.expect).toBe('safe')
      expect(failed(result)).toEqual([])
      expect(result.outcomes.error + result.outcomes.unknown).toBe(0)
      // One document: PENDING → PROCESSING → a finished status, two transitions, the rest refused.
      expect(verdictOf(result, 'only allowed transitions applied')?.detail).toBe('2 audited transitions on 1 document, all allowed and matching the final status')
      expect(result.outcomes.ok).toBe(2)
    })

    it('check-then-update under SERIALIZABLE holds on both engines, as declared', async () => {
      const result = await run('check-then-update', { isolation: 'serializable', params: { documents: 1 } })
      expect(result.expect).toBe('safe')
      expect(result.violations).toBe(0)
    })
  })

  if (!db.probe.available) it.skip(`${db.name}: status-transition: ${db.probe.reason}`, () => {})
}

it('refuses params that make no sense, before touching a server', async () => {
  const error = await runScenario({ scenario, db: 'postgres://nobody@127.0.0.1:1/none', params: { documents: 0 } }).catch((e: unknown) => e)
  expect(error).toBeInstanceOf(UsageError)
  expect((error as UsageError).message).toBe('--param documents must be a whole number from 1 to 1000, got 0')
})
