import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { PG_URL, probePostgres } from '../support/services.js'

const postgres = await probePostgres()
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

/** Runs an ES module as a user's program would, importing the built package by its name. */
function runModule(source: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, ['--input-type=module', '-e', source], { cwd: ROOT }, (error, stdout, stderr) =>
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    )
    child.stdin?.end()
  })
}

describe.skipIf(!postgres.available)("import { runScenario, defineScenario } from 'racebench'", () => {
  it('returns the same document --json prints', async () => {
    const run = await runModule(`
      import { runScenario, defineScenario } from 'racebench'
      if (typeof defineScenario !== 'function') throw new Error('defineScenario missing')
      const result = await runScenario({ scenario: 'double-booking', strategy: 'unique', db: ${JSON.stringify(PG_URL)}, iterations: 5, seed: 3 })
      console.log(JSON.stringify(result))
    `)
    expect(run.stderr).toBe('')
    const result = JSON.parse(run.stdout)
    expect(result).toMatchObject({ scenario: 'double-booking', strategy: 'unique', seed: 3, iterations: 5, violations: 0 })
    expect(result.db.url).toBe(PG_URL)
  })
})

if (!postgres.available) it.skip(`programmatic API: ${postgres.reason}`, () => {})
