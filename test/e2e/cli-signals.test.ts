import type { ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { embeddedDirs, embeddedServers, privateTmpdir, startCli, type CliRun } from '../support/cli.js'
import { PG_URL, probePostgres, queryOnce } from '../support/services.js'

const postgres = await probePostgres()
const MISBEHAVING = fileURLToPath(new URL('../fixtures/misbehaving.mjs', import.meta.url))
const HANGS_AT_LOAD = fileURLToPath(new URL('../fixtures/hangs-at-load.mjs', import.meta.url))
/** Makes the fixtures say on stderr when their code is stuck, so a test signals then, not after a guessed delay. */
const ANNOUNCE = { RACEBENCH_FIXTURE_ANNOUNCE: '1' }

/** Resolves once the CLI's stderr has said `text`; fails, with what it said, if it exits first. */
function untilStderr(child: ChildProcess, done: Promise<CliRun>, text: string): Promise<void> {
  const said = new Promise<void>((resolve) => {
    let seen = ''
    const onData = (chunk: Buffer) => {
      seen += chunk.toString()
      if (!seen.includes(text)) return
      child.stderr?.off('data', onData)
      resolve()
    }
    child.stderr?.on('data', onData)
  })
  const exitedFirst = done.then((run) => Promise.reject(new Error(`the CLI exited ${run.code} before saying '${text}': ${run.stderr}`)))
  return Promise.race([said, exitedFirst])
}

/**
 * Waits for the CLI to exit. Before the fix a stuck run never did; rather than wait for the test's
 * own timeout, give it a generous 30s (the grace is 2s), then kill it and let the assertions say so.
 */
async function exited(child: ChildProcess, done: Promise<CliRun>): Promise<CliRun> {
  const killer = setTimeout(() => child.kill('SIGKILL'), 30_000)
  try {
    return await done
  } finally {
    clearTimeout(killer)
  }
}

async function schemaExists(name: string): Promise<boolean> {
  return (await queryOnce('SELECT 1 FROM pg_namespace WHERE nspname = $1', [name])).length > 0
}

describe.skipIf(!postgres.available)('a signal stops a run whatever its scenario code does, cleans up, and exits 128 + the signal', () => {
  // --timeout 30s makes the hang bound 61s: only the signal can end these runs before the test gives up.
  const args = (strategy: string) => ['run', MISBEHAVING, '--strategy', strategy, '--db', PG_URL, '--timeout', '30s', '--workers', '2', '--debug']

  it('SIGTERM while every operation awaits a promise that never settles: exit 143, schema dropped', async () => {
    const { child, done } = startCli(args('hangs'), ANNOUNCE)
    await untilStderr(child, done, 'fixture: hanging')
    child.kill('SIGTERM')
    const run = await exited(child, done)
    expect(run.signal).toBe(null)
    expect(run.code).toBe(143)
    expect(run.stderr).toContain('racebench: interrupted by SIGTERM: the run was stopped before it finished')
    const schema = /created schema (\S+)/.exec(run.stderr)?.[1] ?? ''
    expect(schema).toMatch(/^racebench_misbehaving_/)
    expect(await schemaExists(schema)).toBe(false)
  })

  it('Ctrl-C while prepare() hangs inside a transaction: exit 130, schema dropped', async () => {
    const { child, done } = startCli(args('prepare-hangs'), ANNOUNCE)
    await untilStderr(child, done, 'fixture: hanging')
    child.kill('SIGINT')
    const run = await exited(child, done)
    expect(run.code).toBe(130)
    expect(run.stderr).toContain('racebench: interrupted: the run was stopped before it finished')
    expect(run.stderr).not.toContain('could not drop')
    const schema = /created schema (\S+)/.exec(run.stderr)?.[1] ?? ''
    expect(await schemaExists(schema)).toBe(false)
  })

  it('Ctrl-C while the scenario file is still loading (a top-level await that never settles): exit 130', async () => {
    const { child, done } = startCli(['run', HANGS_AT_LOAD, '--db', PG_URL])
    await untilStderr(child, done, 'fixture: loading')
    child.kill('SIGINT')
    const run = await exited(child, done)
    expect(run.code).toBe(130)
    expect(run.stderr).toContain('racebench: interrupted')
  })
})

describe('a signal on the embedded server', () => {
  it('SIGTERM while every operation hangs: exit 143, the server stopped and its folder removed', async () => {
    // A temporary folder of its own: other racebench runs on this machine start embedded servers too.
    const tmp = privateTmpdir('signals')
    try {
      const { child, done } = startCli(['run', MISBEHAVING, '--strategy', 'hangs', '--timeout', '30s', '--workers', '2'], { ...ANNOUNCE, TMPDIR: tmp.path })
      await untilStderr(child, done, 'fixture: hanging')
      child.kill('SIGTERM')
      const run = await exited(child, done)
      expect(run.code).toBe(143)
      expect(embeddedDirs(tmp.path)).toEqual([])
      expect((await embeddedServers()).filter((line) => line.includes(tmp.path))).toEqual([])
    } finally {
      tmp.remove()
    }
  })
})
