import { describe, expect, it } from 'vitest'
import { BUILTIN_SCENARIOS } from '../../src/scenario/builtin.js'
import type { Params, Scenario } from '../../src/scenario/define-scenario.js'
import { expectationOf } from '../../src/scenario/expectations.js'
import type { IsolationLevel } from '../../src/config.js'
import type { ScheduleLine } from '../../src/schedule/drive.js'
import { explainRun, type ExplainResult } from '../../src/schedule/explain-run.js'
import type { ScheduledResult } from '../../src/schedule/scheduled-run.js'
import { runCli } from '../support/cli.js'
import { swimlane } from '../support/swimlane.js'
import { probeRedis, REDIS_URL, sqlTargets } from '../support/services.js'
import { engineFor } from '../../src/engines/engine-for.js'

const TARGETS = await sqlTargets()
const redis = await probeRedis()
const REPEATS = 20
const scenarios = await Promise.all(Object.values(BUILTIN_SCENARIOS).map(async (load) => (await load()).default as Scenario<Params, unknown>))

/** Safe strategies that need nothing to stop the other worker: one atomic statement, an idempotent insert. */
const NOTHING_TO_STOP = new Set(['lost-update atomic', 'duplicate-chunk-insert unique'])

/**
 * Settings that keep a replay independent of how fast the machine is. A hold lasts 500 ms by default,
 * long beside a step, but a CI machine whose host was busy took longer than that between a hold and its
 * confirm in one run of twenty (the hold expired: `a rejected` instead of `a ok`). The replayed guests
 * never dawdle, so a longer hold changes nothing else.
 */
const PARAMS: Readonly<Record<string, readonly string[]>> = { 'hold-confirm-release': ['holdMs=5000'] }

/** How a run ended: each worker's outcome and the invariants' verdicts. */
const outcomes = (run: ScheduledResult) => `${run.outcomes.map((o) => `${o.worker} ${o.outcome}`).join(', ')} | ${run.invariants.map((i) => `${i.name} ${i.held}`).join(', ')}`

/** What a run did, as a line that must be the same on every run of one schedule. */
const shape = (run: ScheduledResult) => `${run.order.join(' ')} | ${run.outcomes.map((o) => `${o.worker} ${o.outcome}`).join(', ')} | ${run.violations}`

/** Whether the lines show what stopped the race: a lock wait, a step that failed, or an operation that did not go through. */
function showsWhatStopsIt(lines: readonly ScheduleLine[], run: ScheduledResult): boolean {
  const waited = lines.some((line) => line.kind === 'step' && line.status === 'waiting')
  const failed = lines.some((line) => (line.kind === 'step' || line.kind === 'late') && line.answer?.errorClass !== undefined)
  // A lease lock not won: `SET … NX` answered nil, and the worker tries again.
  const notWon = lines.some((line) => line.kind === 'step' && line.point.lock === false && line.answer?.redis?.startsWith('SET ') === true && line.answer.rows === 0)
  return waited || failed || notWon || run.outcomes.some((outcome) => outcome.outcome !== 'ok')
}

const dialectOf = (db: (typeof TARGETS)[number]) => (db.name === 'postgres' ? 'postgres' : 'mysql')
const serverDefault = (db: (typeof TARGETS)[number]): IsolationLevel => (db.name === 'postgres' ? 'read-committed' : 'repeatable-read')
const available = TARGETS.filter((db) => db.probe.available)

describe.skipIf(available.length === 0)('explain --strategy, the canonical race', () => {
  // A scenario over two databases is refused by explain (a test of cli errors says so).
  for (const scenario of scenarios.filter((one) => !one.secondDatabase)) {
    it(`${scenario.name}: none breaks an invariant ${REPEATS}/${REPEATS}; every safe strategy holds ${REPEATS}/${REPEATS} and shows what stops the race (${available.map((db) => db.name).join(', ')})`, async () => {
      // Every strategy on every engine side by side, each explanation in a namespace of its own; all
      // settle before the first failure is reported, so none is cut off before it cleans up.
      const settled = await Promise.allSettled(
        available.flatMap((db) => {
          const dialect = dialectOf(db)
          const strategies = Object.entries(scenario.strategies).filter(
            ([, strategy]) => !strategy.unsupportedOn?.[dialect] && !strategy.notReplayable && (!strategy.requires?.includes('redis') || redis.available),
          )
          return strategies.map(async ([name, strategy]) => {
            const env = { dialect, engine: engineFor(dialect), nodes: 1, faults: [], isolation: strategy.isolation ?? serverDefault(db), oneTransaction: strategy.ownsTransaction === true } as const
            const expected = name === 'none' ? 'unsafe' : expectationOf(strategy, env)
            if (name !== 'none' && expected !== 'safe') return
            const lines: ScheduleLine[] = []
            const result = await explainRun({ scenario: scenario.name, strategy: name, db: db.url, redis: REDIS_URL, repeat: REPEATS, params: PARAMS[scenario.name], onLine: (line) => lines.push(line), warn: () => {} })
            const label = `${db.name}: ${scenario.name} ${name}`
            expect(result.runs, label).toHaveLength(REPEATS)
            const broken = result.runs.filter((run) => run.violations > 0).length
            expect(broken, `${label}: runs that broke an invariant`).toBe(name === 'none' ? REPEATS : 0)
            // Deterministic: the same outcomes and verdicts every time.
            expect(new Set(result.runs.map(outcomes)), label).toEqual(new Set([outcomes(result.runs[0]!)]))
            if (name !== 'none' && !NOTHING_TO_STOP.has(`${scenario.name} ${name}`)) expect(showsWhatStopsIt(lines, result.runs[0]!), `${label} shows a wait, an error or a refusal`).toBe(true)
          })
        }),
      )
      const failed = settled.find((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected')
      if (failed) throw failed.reason
    })
  }
})

for (const db of TARGETS) {

  describe.skipIf(!db.probe.available)(`${db.name}: explain --strategy, step by step`, () => {
    it('pessimistic double-booking: b waits for a lock a holds, and its answer comes after a commits', async () => {
      const lines: ScheduleLine[] = []
      await explainRun({ scenario: 'double-booking', strategy: 'pessimistic', db: db.url, onLine: (line) => lines.push(line), warn: () => {} })
      const shown = lines.map((line) => (line.kind === 'end' ? `${line.outcome?.worker} ${line.outcome?.outcome}` : `${line.label} ${line.kind === 'step' ? line.status : 'late'}`))
      const expected = ['a1 answered', 'b1 answered', 'a2 answered', 'b2 waiting', 'a3 answered', 'a4 answered', 'a5 answered', 'a ok', 'b2 late', 'b3 answered', 'b4 answered', 'b rejected']
      // InnoDB's lock-wait view may show the wait only after a's next step (it is refreshed at most
      // every 100 ms): then b2 is first reported as still running. Where the wait shows is the server's.
      // a's steps and outcome, then b's check and outcome, in this order. Where b2's wait shows (InnoDB's
      // lock-wait view is refreshed at most every 100 ms) and whether b2's late answer is printed before
      // or after a's outcome (both follow a's COMMIT at once) are the server's and the network's.
      const ordered = (lines: string[]) => lines.filter((line) => line.startsWith('a') || line.startsWith('b ') || line === 'b3 answered')
      expect(ordered(shown)).toEqual(ordered(expected))
      expect(shown).toContain('b2 waiting')
      expect(shown.indexOf('b2 late')).toBeGreaterThan(shown.indexOf('a5 answered'))
      const waiting = lines.find((line) => line.kind === 'step' && line.status === 'waiting')
      expect(waiting?.kind === 'step' && waiting.waitingFor).toEqual(['a'])
    })
  })

  describe.skipIf(!db.probe.available)(`${db.name}: explain draws the run as a swimlane`, () => {
    const explain = (strategy: string, ...more: string[]) => runCli(['explain', 'double-booking', '--strategy', strategy, '--db', db.url, ...more])

    it('none: after the final state, lanes a and b, both reads before either write', async () => {
      const run = await explain('none')
      expect(run.code).toBe(1)
      const at = run.stdout.indexOf('how it happened on ')
      expect(at).toBeGreaterThan(run.stdout.indexOf('final state:'))
      const rows = swimlane(run.stdout.slice(at))
      expect(rows.filter((row) => row.cell.startsWith('┌')).map((row) => row.cell)).toEqual(['┌ a', '┌ b'])
      const first = (lane: string, verb: string) => rows.findIndex((row) => row.lane === lane && row.cell.startsWith(`├ ${verb}`))
      // The schedule releases a1 b1 a2 b2, each after the one before answered: the order is the schedule's, not the clock's.
      expect(first('a', 'SELECT')).toBeGreaterThanOrEqual(0)
      expect(first('b', 'SELECT')).toBeGreaterThan(first('a', 'SELECT'))
      expect(first('a', 'INSERT')).toBeGreaterThan(first('b', 'SELECT'))
      expect(first('b', 'INSERT')).toBeGreaterThan(first('a', 'INSERT'))
      expect(rows.filter((row) => row.cell.startsWith('└')).map((row) => `${row.lane} ${row.cell}`)).toEqual(['a └ ✔ ok', 'b └ ✔ ok'])
      expect(run.stdout).toContain('(no double booking)')
      expect(run.stdout).toContain('⇒ workers a and b both read before either wrote')
      expect(run.stdout).not.toMatch(/worker [01]/)
    })

    it('pessimistic: b waits for the lock a holds, drawn in its lane until a commits', async () => {
      const run = await explain('pessimistic')
      expect(run.code).toBe(0)
      const text = run.stdout.slice(run.stdout.indexOf('how it happened on '))
      expect(text.replace(/\n +/g, ' ')).toContain('(every invariant held; b2 waited for a lock held by a)')
      const rows = swimlane(text)
      const index = (lane: string, pattern: RegExp) => rows.findIndex((row) => row.lane === lane && pattern.test(row.cell))
      // b2 is out from its release until a's COMMIT frees the lock (the driver asks the server before a3 goes):
      // drawn as sent, `waiting…`, and answered after a's COMMIT.
      const waiting = index('b', /^├ SELECT id FROM rooms WHERE id=\d+ FOR UPDATE → waiting…$/)
      const commit = index('a', /^├ COMMIT/)
      const answered = index('b', /^├ → id=\d+ \(answered after /)
      expect(index('b', /^├ lock wait…$/)).toBeGreaterThanOrEqual(0)
      expect(waiting).toBeGreaterThan(index('a', /^├ SELECT id FROM rooms/))
      expect(commit).toBeGreaterThan(waiting)
      expect(answered).toBeGreaterThan(commit)
      expect(rows.filter((row) => row.cell.startsWith('└')).map((row) => `${row.lane} ${row.cell}`)).toEqual(['a └ ✔ ok', 'b └ – rejected'])
    })

    it('--json: each run carries its trace, shaped as a load run\'s traces', async () => {
      const run = await explain('none', '--json')
      const result = JSON.parse(run.stdout)
      const trace = result.runs[0].trace
      expect(trace).toMatchObject({ invariant: 'no double booking', key: result.key, dropped: 0 })
      expect(trace.operations.map((op: { worker: number; outcome: string }) => [op.worker, op.outcome])).toEqual([[0, 'ok'], [1, 'ok']])
      expect(trace.operations[0].events.map((event: { sql?: string }) => event.sql?.split(' ')[0])).toEqual(['SELECT', 'INSERT'])
      expect(trace.operations[0].completion).toMatchObject({ type: 'ok', worker: 0 })
    })
  })

  describe.skipIf(!db.probe.available)(`${db.name}: explain --permutations`, () => {
    const counts = async (scenario: string): Promise<string[]> => {
      const shapes: string[] = []
      for (let i = 0; i < 5; i++) {
        const result: ExplainResult = await explainRun({ scenario, strategy: 'none', db: db.url, permutations: true, warn: () => {} })
        shapes.push(`${result.runs.filter((run) => run.violations > 0).length} of ${result.runs.length}: ${result.runs.map(shape).join('; ')}`)
      }
      return shapes
    }

    it('double-booking none: 4 of 6 interleavings double-book, the same on 5 runs', async () => {
      const shapes = await counts('double-booking')
      expect(new Set(shapes).size).toBe(1)
      expect(shapes[0]).toMatch(/^4 of 6: a1 a2 b1 \| a ok, b rejected \| 0; a1 b1 a2 b2 /)
    })

    it('lost-update none: 4 of 6 interleavings lose a decrement, the same on 5 runs', async () => {
      const shapes = await counts('lost-update')
      expect(new Set(shapes).size).toBe(1)
      expect(shapes[0]).toMatch(/^4 of 6: /)
    })
  })

  describe.skipIf(!db.probe.available)(`${db.name}: explain, bad schedules`, () => {
    const cases: [string, RegExp][] = [
      ['a1 c1 a2 b2', /^racebench: --schedule: unknown worker 'c' in c1: the workers are a and b\n$/],
      ['a1 b1 a1 b2', /^racebench: --schedule: a1 appears twice: each step runs once\n$/],
      ['a1 b1 b2', /^racebench: --schedule: a2 is missing: after a1, a goes on with INSERT INTO bookings .*\n$/],
      ['a1 b1 a2 b2 b3', /^racebench: --schedule: b3 never comes: b's operation ended after 2 steps\n$/],
      ['a2 b1', /^racebench: --schedule: a1 is missing: a2 comes before it\n$/],
    ]
    for (const [schedule, message] of cases) {
      it(`--schedule "${schedule}": one line, exit 2, nothing left behind`, async () => {
        const run = await runCli(['explain', 'double-booking', '--strategy', 'none', '--db', db.url, '--schedule', schedule])
        expect(run.stderr).toMatch(message)
        expect(run.code).toBe(2)
        // The suite's leak check (test/support/leak-check.ts) fails the run if a namespace was left behind.
      })
    }
  })
}
