import { describe, expect, it } from 'vitest'
import { Chalk } from 'chalk'
import { renderVerifyTable } from '../../src/report/verify-table.js'
import lostUpdate from '../../scenarios/lost-update.js'
import { defineScenario } from '../../src/scenario/define-scenario.js'
import { verifyMatrix } from '../../src/verify/run-verify.js'
import type { Verification, VerifyCell } from '../../src/verify/verification.js'
import { sqlTargets } from '../support/services.js'

/*
 * `racebench verify` on a small matrix: three of lost-update's strategies at every isolation column, twice each,
 * on PostgreSQL and on MariaDB. Each cell must behave as its strategy declares there: the engines differ
 * (a naive read-then-write is refused at REPEATABLE READ by PostgreSQL, applied by InnoDB), and the
 * declarations know it. Small on purpose: 10 operations per worker, no think time beyond the default.
 */

const LEVELS = ['default', 'read committed', 'repeatable read', 'serializable']

for (const db of await sqlTargets()) {
  describe.skipIf(!db.probe.available)(`${db.name}: verify`, () => {
    it.skipIf(!db.probe.available)('lost-update: every cell as declared, in the expected shape', async () => {
      // Redis is left out: this is about the engines (the Redis strategies have tests of their own).
      const verification = await verifyMatrix({ dbs: [db.url], scenarios: ['lost-update'], strategies: ['none', 'atomic', 'serializable'], repeat: 2, iterations: 10, seed: 5 })
      expect(unexpected(verification)).toEqual([])
      expect(verification.mismatches).toBe(0)
      expect(verification).toMatchObject({ repeat: 2, seed: 5, iterations: 10 })
      expect(verification.engines).toHaveLength(1)
      expect(verification.engines[0]).toMatchObject({ dialect: db.name === 'postgres' ? 'postgres' : 'mysql', embedded: false })
      expect(verification.engines[0]!.defaultIsolation).toBe(db.name === 'postgres' ? 'read committed' : 'repeatable read')

      // Two strategies at every column, `serializable` once, at its own level.
      const shape = verification.cells.map((cell) => `${cell.strategy}@${cell.column}`)
      expect(shape).toEqual([...['none', 'atomic'].flatMap((s) => LEVELS.map((level) => `${s}@${level}`)), 'serializable@serializable'])
      for (const cell of verification.cells) expect(cell).toMatchObject({ engine: 0, runs: 2, scenario: 'lost-update', verdict: 'as-declared' })

      // The engine difference the README claims, as declared and measured.
      const none = (column: string) => verification.cells.find((cell) => cell.strategy === 'none' && cell.column === column)!
      expect(none('default').declared).toBe('unsafe')
      expect(none('repeatable read').declared).toBe(db.name === 'postgres' ? 'safe' : 'unsafe')
      expect(none('serializable')).toMatchObject({ declared: 'safe', violated: 0 })
      expect(none('default').violated).toBeGreaterThan(0)

      // The table: a row per strategy, a column per level, the totals and the seed.
      const table = renderVerifyTable(verification, new Chalk({ level: 0 }), 100)
      expect(table).toMatch(/^verify · (PostgreSQL|MariaDB|MySQL) [\d.]+/)
      const rr = db.name === 'postgres' ? 'safe 0/2' : 'races [12]/2'
      expect(table).toMatch(new RegExp(`│ lost-update · none +│ races [12]/2 +│ races [12]/2 +│ ${rr} +│ safe 0/2 +│`))
      expect(table).toMatch(/│ lost-update · serializable +│ · +│ · +│ · +│ safe 0\/2 +│/)
      expect(table).toContain('\n2 runs per cell · 8 workers × 10 iterations · think 10ms\n9 cells, 0 unexpected, 0 skipped · seed 5 · ')
      expect(table).toContain('✔ every strategy behaved as it declares')
      for (const line of table.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100)
    })

    it.skipIf(!db.probe.available)('a strategy that makes no sense on the engine keeps its cells, skipped with the reason', async () => {
      const dialect = db.name === 'postgres' ? 'postgres' : 'mysql'
      // lost-update as a user's scenario object (its schema from ./sql, the package's), with a strategy this engine cannot run.
      const scenario = defineScenario({
        ...lostUpdate,
        name: 'lost-update-skips',
        strategies: { serializable: lostUpdate.strategies.serializable!, atomic: { ...lostUpdate.strategies.atomic!, unsupportedOn: { [dialect]: 'a test says so' } } },
      })
      const verification = await verifyMatrix({ dbs: [db.url], scenarios: [scenario], repeat: 1, iterations: 2 })
      expect(verification.cells.map((cell) => `${cell.strategy}@${cell.column}:${cell.verdict}`)).toEqual([
        'serializable@serializable:as-declared',
        ...LEVELS.map((level) => `atomic@${level}:skipped`),
      ])
      const skipped = verification.cells.filter((cell) => cell.verdict === 'skipped')
      for (const cell of skipped) expect(cell).toMatchObject({ runs: 0, declared: 'safe', reason: `makes no sense on ${dialect}: a test says so` })
      const table = renderVerifyTable(verification, new Chalk({ level: 0 }), 100)
      expect(table).toMatch(/│ lost-update-skips · atomic +│ – +│ – +│ – +│ – +│/)
      expect(table).toContain(`– lost-update-skips · atomic: makes no sense on ${dialect}: a test says so`)
      expect(table).toContain('5 cells, 0 unexpected, 4 skipped')
    })
  })
}

function unexpected(verification: Verification): string[] {
  return verification.cells.filter((cell: VerifyCell) => cell.verdict === 'unexpected').map((cell) => `${cell.strategy}@${cell.column}: ${cell.reason}`)
}
