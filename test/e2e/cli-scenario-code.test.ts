import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { PG_URL, probePostgres } from '../support/services.js'

const postgres = await probePostgres()
const MISBEHAVING = fileURLToPath(new URL('../fixtures/misbehaving.mjs', import.meta.url))
const small = ['--db', PG_URL, '--workers', '2', '--iterations', '3', '--think', '0']

describe.skipIf(!postgres.available)("the exit code tells a bug in the user's scenario, and a run that tested nothing", () => {
  it('scenario code that fails is exit 5 with one line naming the file and the function, no stack', async () => {
    const run = await runCli(['run', MISBEHAVING, '--strategy', 'returns-junk', ...small])
    expect(run.code).toBe(5)
    expect(run.stdout).toBe('')
    expect(run.stderr).toContain(`racebench: strategy 'returns-junk' run() in ${MISBEHAVING} returned 'done'; an operation must return 'ok', 'rejected' or 'conflict' (or throw)\n`)
    expect(run.stderr).not.toContain('--debug')
    expect(run.stderr).not.toMatch(/\n\s+at /)
  })

  it('every operation ended in error: the table says so and the exit code is 7, or 0 with --allow-errors', async () => {
    const run = await runCli(['run', MISBEHAVING, '--strategy', 'wrong-table', ...small])
    expect(run.code).toBe(7)
    expect(run.stdout).toContain('✔ the 1 invariant held\n✘ every operation ended in error: nothing was tested\n')
    const allowed = await runCli(['run', MISBEHAVING, '--strategy', 'wrong-table', ...small, '--allow-errors', '--json'])
    expect(allowed.code).toBe(0)
    expect(JSON.parse(allowed.stdout)).toMatchObject({ outcomes: { ok: 0, error: 6 }, violations: 0, nothingTested: true })
  })

  it('compare: a strategy that tested nothing is exit 7, named under the table', async () => {
    const run = await runCli(['compare', MISBEHAVING, '--strategies', 'fine,wrong-table', ...small])
    expect(run.code).toBe(7)
    expect(run.stdout).toContain('  ✘ wrong-table: every operation ended in error: nothing was tested\n')
    expect((await runCli(['compare', MISBEHAVING, '--strategies', 'fine,wrong-table', ...small, '--allow-errors'])).code).toBe(0)
  })
})
