import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { PG_URL, probePostgres } from '../support/services.js'

const postgres = await probePostgres()
const dir = mkdtempSync(join(tmpdir(), 'racebench-test-scenario-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('a scenario file given by path', () => {
  it('a file that is not a scenario is exit 2 with every problem on one line', async () => {
    const file = join(dir, 'empty.mjs')
    writeFileSync(file, 'export default { name: "empty" }\n')
    const run = await runCli(['run', file])
    expect(run.code).toBe(2)
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain(`${file} is not a valid racebench scenario: 'summary' must be a non-empty string`)
    expect(run.stderr).toContain("'strategies' must name at least one strategy")
  })

  it('a file that does not parse is exit 2, not a stack trace', async () => {
    const file = join(dir, 'broken.mjs')
    writeFileSync(file, 'export default {\n')
    const run = await runCli(['run', file])
    expect(run.code).toBe(2)
    expect(run.stderr).toMatch(/^racebench: cannot load scenario file .*broken\.mjs: /)
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it.skipIf(!postgres.available)('a user scenario runs like a built-in, its schema from sql/ beside it', async () => {
    // A counter that every operation increments without a transaction: a plain read-modify-write.
    mkdirSync(join(dir, 'sql', 'postgres'), { recursive: true })
    writeFileSync(join(dir, 'sql', 'postgres', 'counter.sql'), 'CREATE TABLE counter (n int NOT NULL); INSERT INTO counter VALUES ({{start}});\n')
    writeFileSync(
      join(dir, 'counter.mjs'),
      `export default {
        name: 'counter', summary: 'increments one counter', story: 'a test scenario', schema: 'counter.sql',
        params: { start: 100 },
        pickKey: () => 0,
        strategies: {
          atomic: { summary: 'UPDATE n = n + 1', expect: 'safe', run: async ({ db }) => { await db.query('UPDATE counter SET n = n + 1 WHERE n >= $1', [0]); return 'ok' } },
        },
        invariants: {
          'every increment counted': async ({ db, params, outcomes }) => {
            const { rows } = await db.query('SELECT n FROM counter')
            return { held: rows[0].n === params.start + outcomes.ok, detail: 'n = ' + rows[0].n }
          },
        },
      }\n`,
    )
    const run = await runCli(['run', join(dir, 'counter.mjs'), '--db', PG_URL, '--param', 'start=7', '--workers', '4', '--iterations', '25', '--json'])
    expect(run.stderr).toMatch(/^racebench: running [^\n]+\n$/) // off a terminal: only the start line
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.invariants).toEqual([{ name: 'every increment counted', held: true, detail: 'n = 107', broken: [], offline: false }])
  })
})
