import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { embeddedServers, privateTmpdir, runCli, startCli } from '../support/cli.js'

/** Waits until the CLI (run with --debug) has created its schema; resolves with its embedded folder. */
function runStarted(stderr: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = ''
    const onData = (chunk: Buffer) => {
      text += chunk.toString()
      const folder = /data in (\S+)/.exec(text)?.[1]
      if (folder && text.includes('created schema')) {
        stderr.off('data', onData)
        resolve(folder)
      }
    }
    stderr.on('data', onData)
  })
}

/** Polls, with a generous bound, until the folder is gone and no PostgreSQL serves it. */
async function leftBehind(folder: string): Promise<string[]> {
  const deadline = Date.now() + 30_000
  for (;;) {
    const servers = (await embeddedServers()).filter((line) => line.includes(folder))
    const left = [...(existsSync(folder) ? [folder] : []), ...servers]
    if (left.length === 0 || Date.now() > deadline) return left
    await sleep(200)
  }
}

describe('the embedded PostgreSQL never outlives racebench', () => {
  // A temporary folder of our own, so that tests checking the machine's for leftovers never see ours.
  const tmp = privateTmpdir('lifecycle')
  const TMPDIR = tmp.path
  afterAll(() => tmp.remove())

  it('kill -9 during a run: the server stops and its folder is removed', async () => {
    const { child, done } = startCli(['run', 'double-booking', '--duration', '20s', '--debug'], { TMPDIR })
    const folder = await runStarted(child.stderr!)
    await sleep(300) // the workers are running
    child.kill('SIGKILL')
    expect((await done).signal).toBe('SIGKILL')
    expect(await leftBehind(folder)).toEqual([])
  })

  it("a terminal's Ctrl-C (SIGINT to the process group) drops the schema, stops the server and exits 130", async () => {
    // As a shell runs a foreground job: its own process group, which the terminal's Ctrl-C signals whole.
    const child = spawn(process.execPath, [fileURLToPath(new URL('../../bin/racebench.js', import.meta.url)), 'run', 'double-booking', '--duration', '20s', '--debug'], {
      detached: true,
      env: { ...process.env, NO_COLOR: '1', TMPDIR },
      stdio: ['ignore', 'ignore', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)))
    const folder = await runStarted(child.stderr)
    await sleep(300)
    process.kill(-child.pid!, 'SIGINT')
    expect(await exited).toBe(130)
    expect(stderr).not.toContain('drop it yourself')
    expect(stderr).toMatch(/dropped schema racebench_double_booking_/)
    expect(await leftBehind(folder)).toEqual([])
  })

  it('a missing temporary folder is the environment: exit 3, one line naming it', async () => {
    const run = await runCli(['run', 'double-booking'], { TMPDIR: '/nonexistent/racebench-tmp' })
    expect(run.code).toBe(3)
    expect(run.stderr.trimEnd().split('\n')).toEqual([expect.stringMatching(/^racebench: .*\/nonexistent\/racebench-tmp: it does not exist/)])
  })
})
