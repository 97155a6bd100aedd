import { describe, expect, it } from 'vitest'
import { defineScenario, runScenario, type InvariantResult, type RunResult } from '../../src/index.js'
import { createRng } from '../../src/runner/rng.js'
import { keyMatches, showKeyOf } from '../../src/history/keys.js'
import { BUILTIN_SCENARIOS } from '../../src/scenario/builtin.js'
import { sqlTargets } from '../support/services.js'
import { Chalk } from 'chalk'
import { renderRunTable } from '../../src/report/table.js'
import { cellWidth } from '../../src/report/cell-width.js'
import doublePayment from '../../scenarios/double-payment.js'
import { checkThenPay, DEBIT, readJob } from '../../scenarios/double-payment/payments.js'
import { START_SAGA, STEP_DONE } from '../../scenarios/double-payment/saga.js'

/**
 * A test-only double-payment handler whose first operation dies midway through a saga: it debits the
 * client and stops there, never crediting the contractor nor recording the payment. Money vanishes,
 * which `none` never does, so the two invariants it breaks can show their broken keys.
 */
const diesAfterDebit = defineScenario({
  ...doublePayment,
  strategies: {
    'dies-after-debit': {
      summary: 'Starts a saga, debits the client, then dies (test only); later operations pay as none does.',
      expect: 'unsafe',
      ownsTransaction: true,
      run: async (ctx) => {
        const job = await readJob(ctx)
        if (ctx.iteration > 0) return checkThenPay(ctx, job)
        const saga = `w${ctx.worker}-i${ctx.iteration}`
        await ctx.db.query(START_SAGA, [saga, ctx.key.request, job.id])
        await ctx.db.query(DEBIT, [job.clientId, job.amount])
        await ctx.db.query(STEP_DONE, [saga, 'STARTED'])
        throw new Error('the worker died after debiting the client')
      },
    },
  },
})

const TARGETS = await sqlTargets()

/** How one invariant's broken keys must read, shown and as values. */
interface KeyShape {
  /** The key as shown: `room 2 night 3`. */
  readonly key: RegExp
  /** What is wrong there now: `3 active bookings`. */
  readonly detail: RegExp
  /** Whether the key is (part of) an operation key, which some key `pickKey` draws must match. */
  readonly operationKey: boolean
  /** How wrong a key is, read from its detail: the keys must come worst first. */
  readonly severity?: (detail: string) => number
}

/** The first number in a detail (`3 active bookings` → 3), or the one a pattern captures. */
const numberIn = (pattern = /(\d+)/) => (detail: string) => Number(pattern.exec(detail)?.[1])

interface Case {
  readonly scenario: string
  /** A safe strategy: every invariant holds, with no broken key. */
  readonly safe: string
  /** What `none` breaks in every default run (the defaults are tuned for it). */
  readonly alwaysBroken: string
  /** How the keys of each invariant that can break must read. */
  readonly shapes: Readonly<Record<string, KeyShape>>
}

const CASES: readonly Case[] = [
  {
    scenario: 'double-booking',
    safe: 'unique',
    alwaysBroken: 'no double booking',
    shapes: { 'no double booking': { key: /^room \d+ night \d+$/, detail: /^\d+ active bookings$/, operationKey: true, severity: numberIn() } },
  },
  {
    scenario: 'lost-update',
    safe: 'atomic',
    alwaysBroken: 'stock = initial - ok decrements',
    shapes: {
      'stock = initial - ok decrements': { key: /^product \d+$/, detail: /^stock \d+ after \d+ ok decrements? \(\d+ lost\)$/, operationKey: true, severity: numberIn(/\((\d+) lost/) },
      'stock never negative': { key: /^product \d+$/, detail: /^stock -\d+ \(\d+ units? sold that did not exist\)$/, operationKey: true },
    },
  },
  {
    scenario: 'duplicate-chunk-insert',
    safe: 'claim',
    alwaysBroken: 'every COMPLETED document has exactly its chunks',
    shapes: {
      'every COMPLETED document has exactly its chunks': {
        key: /^document \d+$/,
        detail: /^COMPLETED with \d+ chunks? \((\d+ duplicates?|\d+ missing|\d+ duplicates?, \d+ missing)\)$/,
        operationKey: true,
        severity: numberIn(/with (\d+) chunks?/),
      },
      'no document left PROCESSING': { key: /^document \d+$/, detail: /^PROCESSING, with no worker on it$/, operationKey: true },
      'no reader saw a COMPLETED document short of chunks': {
        key: /^document \d+$/,
        detail: /^read COMPLETED with [0-4] of 5 chunks$/,
        operationKey: true,
        severity: (detail) => -numberIn(/with (\d+) of/)(detail),
      },
    },
  },
  {
    scenario: 'position-sync',
    safe: 'upsert',
    alwaysBroken: 'at most one open position',
    shapes: { 'at most one open position': { key: /^bot \d+ market \d+ (long|short)$/, detail: /^\d+ open [A-Z]+USDT positions$/, operationKey: true, severity: numberIn() } },
  },
  {
    scenario: 'double-payment',
    safe: 'pessimistic',
    alwaysBroken: 'each job paid at most once',
    shapes: {
      'each job paid at most once': { key: /^job \d+$/, detail: /^paid \d+ times \(requests \d+(, \d+)+\)$/, operationKey: true, severity: numberIn() },
      'the sum of all balances never changes': { key: /^(client|contractor) \d+$/, detail: /^balance -?\d+, the ledger says -?\d+$/, operationKey: false },
      'no balance negative': { key: /^(client|contractor) \d+$/, detail: /^balance -\d+(: paid out \d+ from \d+ \(\d+ payments?\))?$/, operationKey: false, severity: numberIn(/^balance -(\d+)/) },
      'every saga completed or fully compensated': { key: /^job \d+ request \d+$/, detail: /^saga \S+ for job \d+ /, operationKey: true },
    },
  },
  {
    scenario: 'hold-confirm-release',
    safe: 'unique',
    alwaysBroken: 'at most one HELD or CONFIRMED hold per slot',
    shapes: {
      'at most one HELD or CONFIRMED hold per slot': { key: /^room \d+ night \d+$/, detail: /^\d+ HELD or CONFIRMED holds$/, operationKey: true, severity: numberIn() },
      'no hold confirmed after it expired': { key: /^room \d+ night \d+$/, detail: /^guest-\d+-\d+'s hold confirmed [\d.]+ ms after it expired( \(it had been marked EXPIRED\))?$/, operationKey: true, severity: numberIn(/confirmed ([\d.]+) ms/) },
      'no hold left HELD past its expiry': { key: /^room \d+ night \d+$/, detail: /^guest-\d+-\d+'s hold left HELD past its expiry$/, operationKey: true },
    },
  },
]

/** Every key the scenario's `pickKey` draws with its default params (their key spaces are small). */
async function drawnKeys(name: string): Promise<unknown[]> {
  const { default: scenario } = await BUILTIN_SCENARIOS[name]!()
  const rng = createRng(7)
  return Array.from({ length: 2_000 }, () => scenario.pickKey(rng, scenario.params))
}

function expectWellFormed(name: string, invariant: InvariantResult, shape: KeyShape | undefined, showKey: (key: unknown) => string, keys: readonly unknown[]): void {
  expect(shape, `'${invariant.name}' broke, but the test does not know how its keys read`).toBeDefined()
  expect(invariant.broken.length, `'${invariant.name}' of ${name} names no broken key`).toBeGreaterThan(0)
  for (const broken of invariant.broken) {
    expect(broken.key).toMatch(shape!.key)
    expect(broken.detail).toMatch(shape!.detail)
    // The text is the scenario's own rendering of the value results carry.
    expect(showKey(broken.keyValue)).toBe(broken.key)
    if (shape!.operationKey) expect(keys.some((key) => keyMatches(broken.keyValue, key)), `${broken.key} matches no operation key`).toBe(true)
  }
  if (shape!.severity) {
    const severities = invariant.broken.map((broken) => shape!.severity!(broken.detail))
    expect(severities, `'${invariant.name}' lists its keys worst first`).toEqual([...severities].sort((a, b) => b - a))
  }
}

/**
 * The run's table ends with the timeline of its first broken key: two workers' operations went through
 * on it, and, where the whole race is one read then one write (double-booking, lost-update,
 * position-sync), the timeline says both read before either wrote (measured: 20 of 20 default runs on
 * each engine; in double-payment the check that matters is the job's status, read after the first
 * write, the debit, so the timeline shows it without that line). Plain text at 80 columns stays within them.
 */
function expectTimelineOfRace(scenario: string, result: RunResult): void {
  expect(result.traces).toHaveLength(1)
  const [trace] = result.traces
  const acknowledged = trace!.operations.filter((op) => op.outcome === 'ok')
  expect(new Set(acknowledged.map((op) => op.worker)).size, `${scenario}: two workers' operations went through on ${trace!.key}`).toBeGreaterThanOrEqual(2)
  const text = renderRunTable(result, new Chalk({ level: 0 }), { width: 80 })
  const timeline = text.slice(text.indexOf('how it happened'))
  expect(timeline).toMatch(new RegExp(`^how it happened on ${trace!.key} \\(`))
  for (const line of timeline.trimEnd().split('\n')) expect(cellWidth(line), line).toBeLessThanOrEqual(80)
  expect(timeline).toContain(`final state of ${trace!.key}: ${trace!.detail}`)
  if (['double-booking', 'lost-update', 'position-sync'].includes(scenario)) expect(timeline, timeline).toMatch(/⇒ workers .* (both|all) read before/)
}

describe('showKey of the built-in scenarios', () => {
  it.each([
    ['double-booking', { room: 2, night: 3 }, 'room 2 night 3'],
    ['double-booking', { room: 2 }, 'room 2'],
    ['lost-update', 4, 'product 4'],
    ['duplicate-chunk-insert', 3, 'document 3'],
    ['position-sync', { bot: 1, market: 2, side: 'long' }, 'bot 1 market 2 long'],
    ['position-sync', { bot: 1, side: 'short' }, 'bot 1 short'],
    ['double-payment', { job: 17, request: 35 }, 'job 17 request 35'],
    ['double-payment', { job: 17 }, 'job 17'],
    ['double-payment', { client: 3 }, 'client 3'],
    ['double-payment', { contractor: 5 }, 'contractor 5'],
  ])('%s shows %j as %s', async (name, key, shown) => {
    const { default: scenario } = await BUILTIN_SCENARIOS[name]!()
    expect(showKeyOf(scenario)(key)).toBe(shown)
  })
})

for (const db of TARGETS) {
  describe.skipIf(!db.probe.available)(`${db.name}: every violated invariant names its broken keys`, () => {
    it.each(CASES)('$scenario: none names well-formed broken keys, worst first', async ({ scenario, alwaysBroken, shapes }) => {
      const result: RunResult = await runScenario({ scenario, strategy: 'none', db: db.url })
      const showKey = showKeyOf((await BUILTIN_SCENARIOS[scenario]!()).default)
      const keys = await drawnKeys(scenario)
      expect(result.invariants.find((i) => i.name === alwaysBroken)?.held).toBe(false)
      for (const invariant of result.invariants) {
        if (invariant.held) expect(invariant.broken).toEqual([])
        else expectWellFormed(scenario, invariant, shapes[invariant.name], showKey, keys)
      }
      expectTimelineOfRace(scenario, result)
    })

    it('double-payment: money that vanished names the account the ledger does not explain, and the saga left behind', async () => {
      const params = { jobs: 1, clients: 1, contractors: 1, funds: 300 }
      const result = await runScenario({ scenario: diesAfterDebit, db: db.url, workers: 1, iterations: 2, params })
      // The dead saga debited client 1 (300 → 200); the next operation paid the job (client 100, contractor 100).
      expect(result.invariants.find((i) => i.name === 'the sum of all balances never changes')).toMatchObject({
        held: false,
        detail: 'the balances sum to 200, 100 less than the 300 they held at the start',
        broken: [{ key: 'client 1', keyValue: { client: 1 }, detail: 'balance 100, the ledger says 200' }],
      })
      const saga = result.invariants.find((i) => i.name === 'every saga completed or fully compensated')
      expect(saga?.held).toBe(false)
      expect(saga?.broken).toEqual([{ key: expect.stringMatching(/^job 1 request [23]$/), keyValue: { job: 1, request: expect.any(Number) }, detail: 'saga w0-i0 for job 1 stopped after 1 of 3 steps, with 0 undone' }])
    })

    it.each(CASES)('$scenario: $safe holds every invariant and names no broken key', async ({ scenario, safe }) => {
      const result = await runScenario({ scenario, strategy: safe, db: db.url })
      expect(result.invariants.map(({ name, held, broken }) => ({ name, held, broken }))).toEqual(
        result.invariants.map(({ name }) => ({ name, held: true, broken: [] })),
      )
    })
  })

  if (!db.probe.available) it.skip(`${db.name}: broken keys: ${db.probe.reason}`, () => {})
}
