import { describe, expect, it } from 'vitest'
import { G2_FEKETE } from '../../src/anomalies/hermitage-skew.js'
import { defineSpec } from '../../src/spec/define-spec.js'
import { exitCodeOfSpec, runSpec } from '../../src/spec/run-spec.js'
import { sqlTargets } from '../support/services.js'

const TARGETS = await sqlTargets()

/** Two read-modify-write increments of one counter; the anomaly: fewer than the committed increments. */
const counter = defineSpec({
  name: 'counter-spec',
  summary: 'two increments of one counter',
  setup: 'CREATE TABLE counter (id int PRIMARY KEY, n int); INSERT INTO counter VALUES (1, 0);',
  sessions: {
    a: {
      steps: {
        a1: 'BEGIN',
        a2: 'SELECT n FROM counter WHERE id = 1',
        a3: (ctx) => ({ sql: 'UPDATE counter SET n = $1 WHERE id = 1', params: [Number(ctx.results.a2?.rows[0]?.n) + 1] }),
        a4: 'COMMIT',
      },
    },
    b: {
      steps: {
        b1: 'BEGIN',
        b2: 'SELECT n FROM counter WHERE id = 1',
        b3: (ctx) => ({ sql: 'UPDATE counter SET n = $1 WHERE id = 1', params: [Number(ctx.results.b2?.rows[0]?.n) + 1] }),
        b4: 'COMMIT',
      },
    },
  },
  async anomaly(ctx) {
    const [row] = await ctx.query<{ n: number }>('SELECT n FROM counter WHERE id = 1')
    const committed = ['a', 'b'].filter((s) => ctx.succeeded(s)).length
    return { occurred: Number(row?.n) < committed, detail: `${committed} committed, n = ${row?.n}` }
  },
})

/** What a permutation did, in a line per event: the same on every run. */
const story = (result: Awaited<ReturnType<typeof runSpec>>) =>
  result.permutations.map((p) => [
    ...p.events.map((e) => (e.type === 'waiting' ? `${e.step} waiting for ${e.waitingFor.join(',')}` : `${e.step} ${e.type === 'unblocked' ? 'after ' + e.after + ' ' : ''}${e.result.error?.class ?? 'ok'}`)),
    p.stuck ? 'stuck' : p.anomaly?.occurred ? 'anomaly' : 'no anomaly',
  ])

for (const db of TARGETS) {
  describe.skipIf(!db.probe.available)(`${db.name}: isolation specs`, () => {
    it('runs every interleaving on fresh data, shows the waits where they happen, and drops its namespace', async () => {
      const result = await runSpec({ spec: counter, origin: 'counter', db: db.url, isolation: 'read-committed' })
      expect(result.permutations).toHaveLength(70)
      expect(result.isolation).toBe('read committed')
      // Serial permutations (a then b, b then a) keep both increments; the others lose one.
      const serial = result.permutations.filter((p) => /^(a\d ){4}|^(b\d ){4}/.test(p.order.join(' ') + ' '))
      expect(serial).toHaveLength(2)
      for (const p of serial) expect(p.anomaly).toMatchObject({ occurred: false, detail: '2 committed, n = 2' })
      const crossed = result.permutations.find((p) => p.order.join(' ') === 'a1 b1 a2 b2 a3 b3 a4 b4')!
      expect(story({ ...result, permutations: [crossed] })[0]).toEqual(['a1 ok', 'b1 ok', 'a2 ok', 'b2 ok', 'a3 ok', 'b3 waiting for a', 'a4 ok', 'b3 after a4 ok', 'b4 ok', 'anomaly'])
      expect(result.occurred).toBeGreaterThan(0)
      expect(exitCodeOfSpec(result)).toBe(1)
      expect(await db.namespaceExists(result.db.schema)).toBe(false)
    })

    it('the same permutation tells the same story on every run', async () => {
      const runs = []
      for (let i = 0; i < 5; i++) runs.push(story(await runSpec({ spec: G2_FEKETE, origin: 'G2-fekete', db: db.url, isolation: 'serializable' })))
      for (const run of runs) expect(run, JSON.stringify(runs)).toEqual(runs[0])
    })

    it('a step that waits for a session with no steps left ends the permutation with a clear message, not a hang', async () => {
      const spec = defineSpec({
        name: 'waits-forever',
        summary: 'a never commits',
        setup: 'CREATE TABLE t (id int PRIMARY KEY); INSERT INTO t VALUES (1);',
        sessions: {
          a: { steps: { a1: 'BEGIN', a2: 'UPDATE t SET id = 1 WHERE id = 1' } },
          b: { steps: { b1: 'BEGIN', b2: 'UPDATE t SET id = 1 WHERE id = 1', b3: 'COMMIT' } },
        },
        permutations: ['a1 a2 b1 b2 b3'],
        anomaly: () => ({ occurred: false, detail: '' }),
      })
      const result = await runSpec({ spec, origin: 'waits-forever', db: db.url, timeout: '30s' })
      expect(result.permutations[0]?.stuck).toBe('no step can run: b2 waits for a, and no remaining step can release it; b3 cannot run before b is free')
      expect(result.permutations[0]?.anomaly).toBeNull()
      expect(exitCodeOfSpec(result)).toBe(2)
      expect(await db.namespaceExists(result.db.schema)).toBe(false)
    })

    it('session variables are set on each session', async () => {
      const variable = db.name === 'postgres' ? { name: 'application_name', read: "SELECT current_setting('application_name') AS v" } : { name: 'sql_mode', read: 'SELECT @@SESSION.sql_mode AS v' }
      const value = db.name === 'postgres' ? 'racebench spec test' : 'ANSI_QUOTES'
      const spec = defineSpec({
        name: 'variables',
        summary: 'b sets a variable, a does not',
        sessions: { a: { steps: { a1: variable.read } }, b: { variables: { [variable.name]: value }, steps: { b1: variable.read } } },
        anomaly: (ctx) => ({ occurred: ctx.rows<{ v: string }>('b1')[0]?.v === value && ctx.rows<{ v: string }>('a1')[0]?.v !== value, detail: '' }),
      })
      const result = await runSpec({ spec, origin: 'variables', db: db.url })
      expect(result.permutations.map((p) => p.anomaly?.occurred)).toEqual([true, true])
    })
  })
}
