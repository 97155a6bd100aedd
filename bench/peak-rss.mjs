// Peak memory of one whole `racebench run`, as a user starts it: the built CLI in a child process,
// with a preloaded module that reports the process's peak RSS as it exits. Used by history-cost.mjs.

import { execFile } from 'node:child_process'
import { createReadStream } from 'node:fs'
import { rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { promisify } from 'node:util'

/** Preloaded into the CLI's process: prints its peak RSS (KiB, getrusage's ru_maxrss) on stderr as it exits. */
const RSS_PROBE = `data:text/javascript,process.on('exit',()=>process.stderr.write('\\nmaxRSS '+process.resourceUsage().maxRSS+'\\n'))`

/**
 * Runs `node DIST/src/cli/main.js run SCENARIO ARGS… --json` (with `--history FILE` if `historyFile`
 * is given) and returns the operations it ran, its ops/s, wall time, peak RSS and, with a history
 * file, that file's size and line count (the file is removed afterwards).
 */
export async function peakRssOfRun({ dist, scenario, args, historyFile }) {
  const argv = ['--import', RSS_PROBE, join(dist, 'src/cli/main.js'), 'run', scenario, ...args, '--json']
  if (historyFile) argv.push('--history', historyFile)
  const startedAt = performance.now()
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, argv, { maxBuffer: 64 << 20, timeout: 30 * 60_000 })
    const result = JSON.parse(stdout)
    const o = result.outcomes
    const ops = o.ok + o.rejected + o.conflict + o.error + o.unknown
    const written = historyFile ? await historyFacts(historyFile) : undefined
    const kib = Number(stderr.match(/^maxRSS (\d+)$/m)?.[1])
    return { ops, opsPerSec: result.opsPerSec, wallS: (performance.now() - startedAt) / 1_000, peakRssMiB: kib / 1024, historyBytes: written?.bytes, historyLines: written?.lines }
  } finally {
    if (historyFile) await rm(historyFile, { force: true })
  }
}

/** A history file's size and line count, read in chunks (it may hold millions of lines). */
export async function historyFacts(file) {
  let lines = 0
  for await (const chunk of createReadStream(file)) {
    for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) lines++
  }
  return { bytes: (await stat(file)).size, lines }
}
