import { spawn } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import type { CliRun } from '../support/cli.js'
import { PG_URL, probePostgres } from '../support/services.js'

const postgres = await probePostgres()
const BIN = fileURLToPath(new URL('../../bin/racebench.js', import.meta.url))
const FIXTURES = fileURLToPath(new URL('../fixtures/ts/', import.meta.url))
const small = ['--db', PG_URL, '-n', '5', '-w', '2', '--json']

// Outside the project, as a user's own folder is: no package.json, no node_modules, no racebench to import.
const root = mkdtempSync(join(tmpdir(), 'racebench-test-ts-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A fresh folder holding the given fixtures (`claims.ts.txt` is copied as `claims.ts`). */
function folderWith(name: string, fixtures: readonly string[]): string {
  const dir = join(root, name)
  mkdirSync(dir)
  for (const fixture of fixtures) copyFileSync(join(FIXTURES, fixture), join(dir, fixture.replace(/\.txt$/, '')))
  return dir
}

/** The built CLI, started in `cwd` as a user's shell would (no TTY, so no colour). */
function runIn(cwd: string, args: readonly string[]): Promise<CliRun> {
  const child = spawn(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
}

describe('a TypeScript scenario file runs as written, from a folder of its own', () => {
  it.skipIf(!postgres.available)("imports 'racebench' with nothing installed, and the Conflict it throws counts as a conflict", async () => {
    const dir = folderWith('conflicts', ['claims.ts.txt', 'claims.sql'])
    expect(existsSync(join(dir, 'node_modules'))).toBe(false)
    const run = await runIn(dir, ['run', join(dir, 'claims.ts'), ...small])
    expect(run.stderr).toMatch(/^racebench: running claims \(strict\)[^\n]+\n$/)
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    // 3 slots: at most 3 claims can be the first of their slot; every other one threw Conflict.
    expect(result.outcomes.error).toBe(0)
    expect(result.outcomes.ok).toBeLessThanOrEqual(3)
    expect(result.outcomes.ok + result.outcomes.conflict).toBe(10)
    expect(result.invariants[0]).toMatchObject({ name: 'something was claimed', held: true })
  })

  it.skipIf(!postgres.available)('a type error that still parses runs: types are stripped, not checked', async () => {
    const dir = folderWith('type-error', ['type-error.ts.txt', 'claims.sql'])
    const run = await runIn(dir, ['run', './type-error.ts', ...small])
    expect(run.stderr).not.toMatch(/error TS|warning/i)
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout)).toMatchObject({ scenario: 'type-error', outcomes: { ok: 10, error: 0 }, violations: 0 })
  })

  it('a syntax error is exit 2 and one line naming the file, the line and the column', async () => {
    const dir = folderWith('syntax-error', ['syntax-error.ts.txt'])
    const run = await runIn(dir, ['run', './syntax-error.ts', '--db', PG_URL])
    expect(run.code).toBe(2)
    expect(run.stdout).toBe('')
    // `run` reads the file before it knows whether it holds a scenario or an isolation spec: the line says both.
    expect(run.stderr).toBe(`racebench: cannot load scenario file (or isolation spec) ${join(dir, 'syntax-error.ts')}: syntax error at line 9, column 22: Unexpected token\n`)
  })
})

describe("'racebench' in a JavaScript scenario file", () => {
  const mjs = (conflictFrom: string) => `import { defineScenario, Conflict } from 'racebench'
export default defineScenario({
  name: 'always-conflicts', summary: 'every operation throws Conflict', story: 'a test scenario', schema: '/dev/null',
  params: {}, pickKey: () => 0,
  strategies: { give_up: { summary: 'throws', expect: 'safe', run: async () => { throw new ${conflictFrom}('lost the race') } } },
  invariants: { 'nothing to check': { offline: () => ({ held: true, detail: 'fine' }) } },
})\n`

  it.skipIf(!postgres.available)('with nothing installed, is the racebench that runs it', async () => {
    const dir = join(root, 'mjs')
    mkdirSync(dir)
    writeFileSync(join(dir, 'conflicts.mjs'), mjs('Conflict'))
    const run = await runIn(dir, ['run', './conflicts.mjs', ...small])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).outcomes).toMatchObject({ conflict: 10, error: 0 })
  })

  it.skipIf(!postgres.available)("installed in the folder, is that copy: its Conflict is another class, recognised by its brand", async () => {
    const dir = join(root, 'second-copy')
    const copy = join(dir, 'node_modules', 'racebench')
    mkdirSync(copy, { recursive: true })
    writeFileSync(join(copy, 'package.json'), JSON.stringify({ name: 'racebench', type: 'module', exports: './index.js' }))
    // What another copy (another version) of racebench's Conflict looks like: only the brand is shared.
    writeFileSync(
      join(copy, 'index.js'),
      `export const defineScenario = (definition) => Object.freeze({ ...definition })
export class Conflict extends Error { get [Symbol.for('racebench.conflict')]() { return true } }\n`,
    )
    writeFileSync(join(dir, 'conflicts.mjs'), mjs('Conflict'))
    const run = await runIn(dir, ['run', './conflicts.mjs', ...small])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).outcomes).toMatchObject({ conflict: 10, error: 0 })
  })
})

describe('racebench init', () => {
  it.skipIf(!postgres.available)('writes a starter scenario and its SQL that run as written, and never overwrites them without --force', async () => {
    const dir = join(root, 'init')
    mkdirSync(dir)
    const init = await runIn(dir, ['init', 'seats'])
    expect(init.code).toBe(0)
    expect(init.stderr).toBe('')
    expect(init.stdout).toContain('wrote seats.ts')
    expect(init.stdout).toContain('seats.sql')
    expect(init.stdout).toContain('racebench run ./seats.ts --strategy optimistic')
    expect(readFileSync(join(dir, 'seats.ts'), 'utf8')).toContain("import { defineScenario, Conflict } from 'racebench'")
    expect(readFileSync(join(dir, 'seats.sql'), 'utf8')).toContain('CREATE TABLE seats')

    const safe = await runIn(dir, ['run', './seats.ts', '--strategy', 'optimistic', '--db', PG_URL, '--json'])
    expect(safe.code).toBe(0)
    expect(JSON.parse(safe.stdout)).toMatchObject({ scenario: 'seats', strategy: 'optimistic', expect: 'safe', violations: 0, outcomes: { error: 0 } })
    // `none` is declared unsafe: it may break the invariant (exit 1) or, by luck, not (exit 0); never anything else.
    const unsafe = await runIn(dir, ['run', './seats.ts', '--db', PG_URL, '--json'])
    expect([0, 1]).toContain(unsafe.code)
    expect(JSON.parse(unsafe.stdout)).toMatchObject({ scenario: 'seats', strategy: 'none', expect: 'unsafe', outcomes: { error: 0 } })

    const again = await runIn(dir, ['init', 'seats'])
    expect(again.code).toBe(2)
    expect(again.stderr).toBe('racebench: init: seats.ts and seats.sql already exist here; pass --force to overwrite, or choose another name\n')
    writeFileSync(join(dir, 'seats.sql'), '-- edited\n')
    const forced = await runIn(dir, ['init', 'seats', '--force'])
    expect(forced.code).toBe(0)
    expect(readFileSync(join(dir, 'seats.sql'), 'utf8')).toContain('CREATE TABLE seats')
  })

  it('a name that is no file name is exit 2, one line', async () => {
    const run = await runIn(root, ['init', '../elsewhere'])
    expect(run.code).toBe(2)
    expect(run.stderr).toBe("racebench: init: the name must be letters, digits, '-' or '_' (it names the scenario and its files), got '../elsewhere'\n")
  })
})
