import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
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

    it('--json prints the permutations as data', async () => {
      const run = await runCli(['run', fixture('lost-update'), '--db', db.url, '--isolation', 'serializable', '--json'])
      const result = JSON.parse(run.stdout)
      expect(result).toMatchObject({ spec: 'counter-lost-update', isolation: 'serializable', permutations: [{ order: ['a1', 'a2', 'a3', 'a4', 'b1', 'b2', 'b3', 'b4'] }, {}, {}] })
      expect(run.code).toBe(result.occurred > 0 ? 1 : 0)
      expect(result.occurred).toBe(0) // serializable prevents the lost update on both engines
    })

    it('a permutation that cannot go on is said in one line and exits 2', async () => {
      const run = await runCli(['run', fixture('waits-forever'), '--db', db.url])
      expect(run.code).toBe(2)
      expect(run.stdout).toContain('✘ could not go on: no step can run: b2 waits for a')
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
