import { spawn, type StdioOptions } from 'node:child_process'
import { closeSync, openSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { runCli, type CliRun } from '../support/cli.js'
import { PG_URL, probePostgres } from '../support/services.js'

const BIN = fileURLToPath(new URL('../../bin/racebench.js', import.meta.url))
const postgres = await probePostgres()

/**
 * Runs the CLI with stdout wired as given: 'full' is /dev/full, 'read-only' a file opened only for
 * reading (`1< file`), 'gone' a pipe whose reader has left.
 */
function runWithStdout(args: readonly string[], stdout: 'full' | 'read-only' | 'gone'): Promise<CliRun> {
  const fd = stdout === 'full' ? openSync('/dev/full', 'w') : stdout === 'read-only' ? openSync(BIN, 'r') : undefined
  const stdio: StdioOptions = ['ignore', fd ?? 'pipe', 'pipe']
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1' }, stdio })
  if (fd !== undefined) closeSync(fd)
  // The reader leaves before the child can have written anything: every write of it meets EPIPE.
  else child.stdout?.destroy()
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr })))
}

/** Runs the CLI under sh, with stdout closed (`>&-`). */
function runWithStdoutClosed(args: readonly string[]): Promise<CliRun> {
  const quoted = [process.execPath, BIN, ...args].map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ')
  const child = spawn('sh', ['-c', `exec ${quoted} >&-`], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr })))
}

const LOST = /^racebench: could not write the output to stdout \(ENOSPC: no space left on device\): the output is lost or incomplete$/

describe('exit code 6: output that could not be written is a failure, in one line', () => {
  it.each([['list'], ['explain', 'double-booking'], ['run', '--help']].map((args) => [args.join(' '), args] as const))('racebench %s > /dev/full', async (_, args) => {
    const run = await runWithStdout(args, 'full')
    expect(run.code).toBe(6)
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1)
    expect(run.stderr.trimEnd()).toMatch(LOST)
  })

  it('racebench list 1< file: stdout not open for writing', async () => {
    const run = await runWithStdout(['list'], 'read-only')
    expect(run.code).toBe(6)
    expect(run.stderr).toBe('racebench: could not write the output to stdout (EBADF: it is not open for writing): the output is lost or incomplete\n')
  })

  it.skipIf(!postgres.available)('run and compare > /dev/full: the run happens, its result is lost, exit 6', async () => {
    // Whatever the verdict (`none` may violate: 1), a result nobody can read is exit 6.
    const run = await runWithStdout(['run', 'double-booking', '-s', 'none', '--db', PG_URL, '-n', '3', '--json'], 'full')
    expect(run.stderr).toMatch(/^racebench: running double-booking \(none\) with 8 workers × 3 iterations on PostgreSQL [\d.]+\n/)
    expect(run.stderr.trimEnd().split('\n').slice(1)).toEqual([expect.stringMatching(LOST)])
    expect(run.code).toBe(6)
    const compare = await runWithStdout(['compare', 'double-booking', '--strategies', 'unique', '--db', PG_URL, '-n', '3'], 'full')
    expect(compare.stderr.trimEnd().split('\n').slice(1)).toEqual([expect.stringMatching(LOST)])
    expect(compare.code).toBe(6)
  })
})

describe('a reader that leaves early (`| head`) is not an error', () => {
  it('list: nothing on stderr, exit 0', async () => {
    const run = await runWithStdout(['list'], 'gone')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
  })

  it.skipIf(!postgres.available)("run: the exit code stays the run's verdict, so `set -o pipefail` still sees a violation", async () => {
    const violated = await runWithStdout(['run', 'double-booking', '-s', 'none', '--db', PG_URL, '-w', '16', '-p', 'rooms=1', '-p', 'nights=1', '-n', '3', '--think', '50'], 'gone')
    expect(violated.stderr).toMatch(/^racebench: running double-booking \(none\)[^\n]*\n$/)
    expect(violated.code).toBe(1)
    const held = await runWithStdout(['run', 'double-booking', '-s', 'unique', '--db', PG_URL, '-n', '3', '--json'], 'gone')
    expect(held.stderr).toMatch(/^racebench: running double-booking \(unique\)[^\n]*\n$/)
    expect(held.code).toBe(0)
  })
})

describe('stdout closed (>&-)', () => {
  // Node reopens a closed stdout on /dev/null before racebench starts, just as Python's
  // subprocess.DEVNULL opens it: racebench cannot tell them apart, and treats both as output thrown away.
  it('behaves like > /dev/null: no crash, no message, the exit code of the command', async () => {
    const run = await runWithStdoutClosed(['list'])
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
  })
})

describe('a plain pipe', () => {
  it('gets all of it, exit 0', async () => {
    const run = await runCli(['list', '--json'])
    expect(run.code).toBe(0)
    expect(JSON.parse(run.stdout).length).toBeGreaterThan(0)
    expect(run.stderr).toBe('')
  })
})
