import { spawn, type ChildProcess } from 'node:child_process'
import { expect } from 'vitest'
import { chmodSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { fileURLToPath } from 'node:url'
import { EMBEDDED_DIR_PREFIX } from '../../src/engines/embedded/embedded.js'

const BIN = fileURLToPath(new URL('../../bin/racebench.js', import.meta.url))

export interface CliRun {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly stdout: string
  readonly stderr: string
}

/** Starts the built CLI (`npm test` builds first) as a user's shell would: no TTY, so no colour. */
export function startCli(args: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<CliRun> } {
  const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const done = new Promise<CliRun>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })))
  return { child, done }
}

export function runCli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliRun> {
  return startCli(args, env).done
}

/** Temporary folders of embedded servers that exist right now in `folder` (default: the machine's temporary folder). */
export function embeddedDirs(folder = tmpdir()): string[] {
  return readdirSync(folder).filter((name) => name.startsWith(EMBEDDED_DIR_PREFIX))
}

/**
 * A temporary folder of a test's own, to pass as the CLI's TMPDIR: its embedded servers live there, so a
 * check for leftovers sees only the test's own, never those of another test file running at the same time.
 */
export function privateTmpdir(name: string): { readonly path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), `racebench-test-${name}-`))
  chmodSync(path, 0o1777) // like /tmp: as root, the server runs as the OS user postgres and must reach its folder
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) }
}

/** PostgreSQL processes serving an embedded racebench data folder. */
export async function embeddedServers(): Promise<string[]> {
  const { execFile } = await import('node:child_process')
  return new Promise((resolve) =>
    execFile('ps', ['-eo', 'pid,args'], (_error, out) => resolve(String(out).split('\n').filter((line) => line.includes(EMBEDDED_DIR_PREFIX)))),
  )
}

/** A user-facing failure: one line on stderr, nothing on stdout, never a stack trace. Returns the line. */
export function expectOneLine(run: Pick<CliRun, 'stdout' | 'stderr'>): string {
  expect(run.stdout).toBe('')
  expect(run.stderr.trim().split('\n')).toHaveLength(1)
  expect(run.stderr).toMatch(/^racebench: /)
  expect(run.stderr).not.toMatch(/\n\s+at /)
  return run.stderr.trim()
}
