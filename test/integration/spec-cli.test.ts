import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { swimlane } from '../support/swimlane.js'
import { sqlTargets } from '../support/services.js'

/** The built CLI (`npm test` builds first) on the spec files of test/fixtures/specs. */
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/specs/${name}.mjs`, import.meta.url))
const TARGETS = await sqlTargets()

/** racebench schemas (PostgreSQL) or databases (MySQL) of a spec that exist right now. */
async function namespacesOf(db: (typeof TARGETS)[number], slug: string): Promise<unknown[]> {
  return db.name === 'postgres'
    ? db.query(`SELECT nspname FROM pg_namespace WHERE nspname LIKE 'racebench_${slug}_%'`)
    : db.query(`SHOW DATABASES LIKE 'racebench_${slug}_%'`)
}

for (const db of TARGETS) {
  describe.skipIf(!db.probe.available)(`${db.name}: racebench run ./spec.js`, () => {
    it('prints each permutation step by step and exits 1 when the anomaly occurred', async () => {
      const run = await runCli(['run', fixture('lost-update'), '--db', db.url, '--isolation', 'read committed'])
      expect(run.code).toBe(1)
      expect(run.stdout).toContain('permutation 2: a1 b1 a2 b2 a3 b3 a4 b4')
      expect(run.stdout).toMatch(/b3 +UPDATE counter SET n = \$1 WHERE id = 1 \[1\] +… waiting for a/)
      expect(run.stdout).toMatch(/b3 +\(done waiting, after a4\) +1 row/)
      expect(run.stdout).toContain('✘ anomaly occurred: 2 increment(s) committed, counter is 1')
      expect(run.stdout).toContain('anomaly in 2 of 3 permutations')
      expect(await namespacesOf(db, 'counter_lost_update')).toEqual([])
    })

    it('draws the first permutation where the anomaly occurred as a swimlane, one lane per session, after its steps', async () => {
      const run = await runCli(['run', fixture('lost-update'), '--db', db.url, '--isolation', 'read committed'])
      expect(run.stdout.match(/how it happened/g)).toHaveLength(1)
      const at = run.stdout.indexOf('how it happened on counter-lost-update (permutation 2: anomaly occurred)')
      expect(at).toBeGreaterThan(run.stdout.indexOf('✘ anomaly occurred: 2 increment(s) committed, counter is 1'))
      expect(at).toBeLessThan(run.stdout.indexOf('permutation 3: '))
      const text = run.stdout.slice(at, run.stdout.indexOf('permutation 3: '))
      expect(text).toContain('one column per session')
      const rows = swimlane(text)
      expect(rows.filter((row) => row.cell.startsWith('┌')).map((row) => row.cell)).toEqual(['┌ a', '┌ b'])
      const index = (lane: string, pattern: RegExp) => rows.findIndex((row) => row.lane === lane && pattern.test(row.cell))
      // b3 waits for a's row lock until a4 commits: drawn as sent, waiting, then answered after a's COMMIT.
      const waiting = index('b', /^├ UPDATE counter SET n=1 WHERE id=1 → waiting…$/)
      const commit = index('a', /^├ COMMIT$/)
      expect(index('b', /^├ SELECT n FROM counter WHERE id=1 → n=0/)).toBeLessThan(index('a', /^├ UPDATE/))
      expect(waiting).toBeGreaterThan(index('a', /^├ UPDATE counter SET n=1 WHERE id=1 → 1 row/))
      expect(commit).toBeGreaterThan(waiting)
      expect(index('b', /^├ → 1 row \(answered after /)).toBeGreaterThan(commit)
      expect(rows.filter((row) => row.cell.startsWith('└')).map((row) => `${row.lane} ${row.cell}`)).toEqual(['a └ ✔ ok', 'b └ ✔ ok'])
      expect(text).toContain('⇒ sessions a and b both read before either wrote')
      expect(text).toContain('final state of counter-lost-update: 2 increment(s) committed, counter is 1')
    })

    it('--json prints the permutations as data', async () => {
      const run = await runCli(['run', fixture('lost-update'), '--db', db.url, '--isolation', 'serializable', '--json'])
      const result = JSON.parse(run.stdout)
      expect(result).toMatchObject({ spec: 'counter-lost-update', isolation: 'serializable', permutations: [{ order: ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4'] }, {}, {}] })
      expect(run.code).toBe(result.occurred > 0 ? 1 : 0)
      expect(result.occurred).toBe(0) // serializable prevents the lost update on both engines
      expect(result.sessions).toEqual(['a', 'b'])
      // Each permutation's trace is shaped as a load run's traces: session i is worker i.
      const trace = result.permutations[0].trace
      expect(trace).toMatchObject({ invariant: 'permutation 1: no anomaly', key: 'counter-lost-update', dropped: 0 })
      expect(trace.operations.map((op: { worker: number; outcome: string }) => [op.worker, op.outcome])).toEqual([[0, 'ok'], [1, 'ok']])
      expect(trace.operations[1].events.map((event: { sql: string }) => event.sql)).toEqual(['BEGIN', 'SELECT n FROM counter WHERE id = 1', 'UPDATE counter SET n = $1 WHERE id = 1', 'COMMIT'])
    })

    it('a permutation that cannot go on is said in one line and exits 2', async () => {
      const run = await runCli(['run', fixture('waits-forever'), '--db', db.url])
      expect(run.code).toBe(2)
      expect(run.stdout).toContain('✘ could not go on: no step can run: b2 waits for a')
      // The swimlane shows b's update sent and never answered, and b's session never ending.
      const rows = swimlane(run.stdout.slice(run.stdout.indexOf('how it happened on waits-forever (permutation 1: could not go on)')))
      expect(rows.filter((row) => row.lane === 'b').map((row) => row.cell.replace(/ \(.*\)$/, ''))).toEqual(['┌ b', '├ BEGIN', '├ UPDATE t SET id=1 WHERE id=1 → ✘ never answered', '└ still running when the history ended'])
      expect(await namespacesOf(db, 'waits_forever')).toEqual([])
    })
  })
}

describe('bad spec files: one line, exit 2, nothing created', () => {
  const cases: [string, string, NodeJS.ProcessEnv, RegExp][] = [
    ['a syntax error', 'syntax-error', {}, /^racebench: cannot load scenario file \(or isolation spec\) .*syntax-error\.mjs: Unexpected end of input\n$/],
    ['a session without steps', 'no-steps', {}, /^racebench: .*no-steps\.mjs: session b has no steps\n$/],
    ['a permutation naming an unknown step', 'bad-permutation', { PERMUTATION: 'unknown' }, /names an unknown step 'b9'; steps: a1, a2, b1\n$/],
    ['a permutation leaving a step out', 'bad-permutation', { PERMUTATION: 'missing' }, /leaves out step b1: a permutation names every step once\n$/],
    ['a permutation repeating a step', 'bad-permutation', { PERMUTATION: 'repeated' }, /names step 'b1' twice\n$/],
  ]
  for (const [what, file, env, message] of cases) {
    it(what, async () => {
      // No --db: the embedded server would be started only after the spec is checked; it never is.
      const run = await runCli(['run', fixture(file)], env)
      expect(run.code).toBe(2)
      expect(run.stderr).toMatch(message)
      expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1)
      expect(run.stdout).toBe('')
    })
  }
})
