import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { InterruptedError, runScenario, ScenarioCodeError, type RunScenarioOptions } from '../../src/index.js'
import { watchRun } from '../support/run-events.js'
import { sqlTargets, type TestTarget } from '../support/services.js'

const TARGETS = await sqlTargets()
const postgres = TARGETS.find((target) => target.name === 'postgres')!

/** A user's scenario file with bugs on demand: each strategy, and params, misbehave in their own way. */
const FILE = fileURLToPath(new URL('../fixtures/misbehaving.mjs', import.meta.url))

/**
 * A run of the fixture that must fail: what it threw, and whether its schema is gone. A small
 * --timeout makes the bound small (1.2s on PostgreSQL, 3s on MariaDB): a hang is found because it
 * never settles, however long the bound, and the test waits only as long as the bound.
 */
async function failingRun(db: TestTarget, options: Partial<RunScenarioOptions>): Promise<{ error: Error; schemaLeft: boolean; warnings: string[] }> {
  const { events, namespace } = watchRun()
  const warnings: string[] = []
  const run = runScenario({ scenario: FILE, db: db.url, workers: 2, iterations: 3, think: 0, timeout: '100ms', events, warn: (line) => warnings.push(line), ...options })
  const error = await run.then(
    () => new Error('the run succeeded'),
    (thrown: Error) => thrown,
  )
  return { error, schemaLeft: namespace() !== '' && (await db.namespaceExists(namespace())), warnings }
}

/** The one line a ScenarioCodeError says, checked for its class (exit 5) first. */
function scenarioCodeLine(error: Error): string {
  expect(error).toBeInstanceOf(ScenarioCodeError)
  expect((error as ScenarioCodeError).exitCode).toBe(5)
  return error.message
}

describe.skipIf(!postgres.probe.available)(`${postgres.name}: scenario code that misbehaves fails the run with exit 5, naming the file and the function`, () => {
  it('an operation that never settles is abandoned after the bound, and the schema is dropped', async () => {
    const { error, schemaLeft } = await failingRun(postgres, { strategy: 'hangs' })
    expect(scenarioCodeLine(error)).toBe(
      `strategy 'hangs' run() in ${FILE} did not settle: it made no progress for 1.2s (no statement, pause or retry), so it awaits something that never finishes`,
    )
    expect(schemaLeft).toBe(false)
  })

  it('a TypeError in an operation is a bug, shown with where it was thrown; not an error outcome', async () => {
    const { error, schemaLeft } = await failingRun(postgres, { strategy: 'type-error' })
    expect(scenarioCodeLine(error)).toMatch(
      new RegExp(`^strategy 'type-error' run\\(\\) in ${FILE} threw TypeError: Cannot read properties of undefined \\(reading 'n'\\) \\(at ${FILE}:\\d+:\\d+\\)$`),
    )
    expect(schemaLeft).toBe(false)
  })

  it('an Error a strategy throws on purpose stays an error outcome: it is data, not a bug', async () => {
    const result = await runScenario({ scenario: FILE, strategy: 'throws-on-purpose', db: postgres.url, workers: 2, iterations: 3, think: 0 })
    expect(result.outcomes).toMatchObject({ error: 3, rejected: 3 })
    expect(result.errorSamples).toEqual(['document 3 does not exist'])
    expect(result.nothingTested).toBe(false)
  })

  it('an operation that returns something that is not an outcome', async () => {
    const junk = await failingRun(postgres, { strategy: 'returns-junk' })
    expect(scenarioCodeLine(junk.error)).toBe(`strategy 'returns-junk' run() in ${FILE} returned 'done'; an operation must return 'ok', 'rejected' or 'conflict' (or throw)`)
    const nothing = await failingRun(postgres, { strategy: 'returns-nothing' })
    expect(scenarioCodeLine(nothing.error)).toBe(`strategy 'returns-nothing' run() in ${FILE} returned undefined; an operation must return 'ok', 'rejected' or 'conflict' (or throw)`)
    expect([junk.schemaLeft, nothing.schemaLeft]).toEqual([false, false])
  })

  it('a prepare() that throws, and one that hangs inside a transaction', async () => {
    const throws = await failingRun(postgres, { strategy: 'prepare-throws' })
    expect(scenarioCodeLine(throws.error)).toMatch(new RegExp(`^strategy 'prepare-throws' prepare\\(\\) in ${FILE} threw Error: seed data missing \\(at `))
    const hangs = await failingRun(postgres, { strategy: 'prepare-hangs' })
    expect(scenarioCodeLine(hangs.error)).toMatch(new RegExp(`^strategy 'prepare-hangs' prepare\\(\\) in ${FILE} did not settle: `))
    // Its transaction was on a connection of its own: the schema is dropped, nothing is reported left behind.
    expect([throws.schemaLeft, hangs.schemaLeft]).toEqual([false, false])
    expect([...throws.warnings, ...hangs.warnings]).toEqual([])
  })

  it('a pickKey() that throws', async () => {
    const { error, schemaLeft } = await failingRun(postgres, { strategy: 'fine', params: { pickKey: 'throws' } })
    expect(scenarioCodeLine(error)).toMatch(new RegExp(`^pickKey\\(\\) in ${FILE} threw RangeError: no key for you \\(at ${FILE}:\\d+:\\d+\\)$`))
    expect(schemaLeft).toBe(false)
  })

  it('a validate() that throws or answers something else fails before anything is created', async () => {
    const throws = await failingRun(postgres, { strategy: 'fine', params: { validate: 'throws' } })
    expect(scenarioCodeLine(throws.error)).toMatch(new RegExp(`^validate\\(\\) in ${FILE} threw TypeError: `))
    const junk = await failingRun(postgres, { strategy: 'fine', params: { validate: 'junk' } })
    expect(scenarioCodeLine(junk.error)).toBe(`validate() in ${FILE} returned 'all good'; it must return an array of problems, each a line for the user (empty when the params are fine)`)
  })

  it('a reader that hangs, and one that throws a TypeError', async () => {
    const hangs = await failingRun(postgres, { strategy: 'fine', params: { reader: 'hangs' } })
    expect(scenarioCodeLine(hangs.error)).toMatch(new RegExp(`^readers\\.read\\(\\) in ${FILE} did not settle: `))
    const throws = await failingRun(postgres, { strategy: 'fine', params: { reader: 'throws' } })
    expect(scenarioCodeLine(throws.error)).toMatch(new RegExp(`^readers\\.read\\(\\) in ${FILE} threw TypeError: `))
    expect([hangs.schemaLeft, throws.schemaLeft]).toEqual([false, false])
  })

  it('an invariant that throws a TypeError, hangs, or returns no verdict', async () => {
    const throws = await failingRun(postgres, { strategy: 'fine', params: { invariant: 'throws' } })
    expect(scenarioCodeLine(throws.error)).toMatch(new RegExp(`^invariant 'every increment counted' in ${FILE} threw TypeError: `))
    const hangs = await failingRun(postgres, { strategy: 'fine', params: { invariant: 'hangs' } })
    expect(scenarioCodeLine(hangs.error)).toMatch(new RegExp(`^invariant 'every increment counted' in ${FILE} did not settle: `))
    const junk = await failingRun(postgres, { strategy: 'fine', params: { invariant: 'junk' } })
    expect(scenarioCodeLine(junk.error)).toBe(
      `invariant 'every increment counted' in ${FILE} returned true; an invariant must return { held: true or false, detail: 'what it found' }`,
    )
    expect([throws.schemaLeft, hangs.schemaLeft, junk.schemaLeft]).toEqual([false, false, false])
  })

  it('an invariant whose query fails could not be checked: violated, not a bug', async () => {
    const result = await runScenario({ scenario: FILE, strategy: 'fine', db: postgres.url, workers: 1, iterations: 1, params: { invariant: 'sql-error' } })
    expect(result.invariants).toEqual([{ name: 'every increment counted', held: false, detail: 'could not be checked: relation "no_such_table" does not exist', broken: [], offline: false }])
  })

  it("a strategy's expect() that throws", async () => {
    const { error } = await failingRun(postgres, { strategy: 'expect-throws' })
    expect(scenarioCodeLine(error)).toMatch(new RegExp(`^strategy 'expect-throws' expect\\(\\) in ${FILE} threw Error: which engine is this\\? `))
  })

  it('aborting the signal stops a run whose operations never settle, after a grace, and cleans up', async () => {
    const controller = new AbortController()
    const { events } = watchRun()
    // The bound is 61s here: only the abort can end this run.
    events.on('start', () => setImmediate(() => controller.abort()))
    const { error, schemaLeft } = await failingRun(postgres, { strategy: 'hangs', timeout: '30s', signal: controller.signal, events })
    expect(error).toBeInstanceOf(InterruptedError)
    expect(schemaLeft).toBe(false)
  })
})

for (const db of TARGETS) {
  describe.skipIf(!db.probe.available)(`${db.name}: what scenario code does never strands the run's schema`, () => {
    it('an operation hangs in a transaction holding a row lock that the others wait for: stopped, its connection closed, the schema dropped', async () => {
      const { error, schemaLeft, warnings } = await failingRun(db, { strategy: 'hangs-holding-lock' })
      expect(scenarioCodeLine(error)).toMatch(new RegExp(`^strategy 'hangs-holding-lock' run\\(\\) in ${FILE} did not settle: it made no progress for `))
      expect(warnings).toEqual([])
      expect(schemaLeft).toBe(false)
    })

    it('every operation ended in error: the run says it tested nothing', async () => {
      const result = await runScenario({ scenario: FILE, strategy: 'wrong-table', db: db.url, workers: 2, iterations: 3, think: 0 })
      expect(result.outcomes).toMatchObject({ ok: 0, error: 6 })
      expect(result.violations).toBe(0)
      expect(result.nothingTested).toBe(true)
    })
  })
}
