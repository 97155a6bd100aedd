#!/usr/bin/env node
// Many workers: runs the built CLI with --workers 2000 (by default) and reports how long it took to
// get going, how fast it ran, its tail latency and what it cost in memory.
//
//   npm run build && node bench/scale.mjs [--workers 2000] [--iterations 10] [--rounds 1] [--json]
//                                         [-- other racebench args, e.g. --db URL --strategy unique]
//
// Per round it prints:
//   startup   spawn → the run's "running …" line on stderr (node, embedded server, schema)
//   connect   the result's connectMs: opening every worker connection (bounded, see src/runner/open-all.ts)
//   first op  startup + connect: when the workers were released together
//   ops/s, p99 (ms) and the workload's wall time, from the --json result
//   racebench peak RSS (/usr/bin/time -v, else the child's VmHWM sampled)
//   server peak PSS: the embedded PostgreSQL and all its backends (sum of /proc/PID/smaps_rollup Pss,
//     sampled every 2 s (reading 2,000 backends costs CPU); PSS shares shared memory out fairly, where RSS would count it per backend).
//     Only for the embedded server: a --db server's memory is not racebench's to report.
//   load      the 1-minute load average before and after: this machine may be shared, say so.
// Linux only for the memory columns (they show "–" elsewhere).

import { spawn } from 'node:child_process'
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { cpus, loadavg, tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: opts, positionals } = parseArgs({
  options: {
    workers: { type: 'string', default: '2000' },
    iterations: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
  allowPositionals: true,
})
const workers = Number(opts.workers)
const iterations = Number(opts.iterations)
const rounds = Number(opts.rounds)
for (const [name, n, min, max] of [['--workers', workers, 1, 10_000], ['--iterations', iterations, 1, 1_000_000], ['--rounds', rounds, 1, 20]]) {
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`scale: ${name} must be a whole number in ${min}..${max}`)
    process.exit(2)
  }
}
const BIN = fileURLToPath(new URL('../bin/racebench.js', import.meta.url))
const TIME = '/usr/bin/time'
const args = ['run', 'double-booking', '--workers', String(workers), '--iterations', String(iterations), '--json', ...positionals]
const embedded = !args.includes('--db')

/** pid → ppid and command name, for every process we may read. */
function processTable() {
  const table = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      table.set(Number(name), { comm: stat.slice(stat.indexOf('(') + 1, close), ppid: Number(stat.slice(close + 2).split(' ')[1]) })
    } catch {
      // gone meanwhile
    }
  }
  return table
}

/** Sum of Pss (KiB) of every `postgres` process descending from `root`: the embedded server racebench started. */
function serverPssKib(root) {
  const table = processTable()
  const children = new Map()
  for (const [pid, { ppid }] of table) children.set(ppid, [...(children.get(ppid) ?? []), pid])
  let total = 0
  const stack = [...(children.get(root) ?? [])]
  while (stack.length > 0) {
    const pid = stack.pop()
    stack.push(...(children.get(pid) ?? []))
    if (table.get(pid)?.comm !== 'postgres') continue
    try {
      total += Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0)
    } catch {
      // a backend that just exited
    }
  }
  return total
}

/** The racebench process's RSS high-water mark (KiB), while it runs. */
function peakRssKib(pid) {
  try {
    return Number(/^VmHWM:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0)
  } catch {
    return 0
  }
}

function once() {
  return new Promise((resolve, reject) => {
    const linux = existsSync('/proc/self/smaps_rollup')
    const timed = linux && existsSync(TIME)
    const timeFile = join(tmpdir(), `racebench-scale-time-${process.pid}`)
    const command = timed ? [TIME, ['-f', '%M', '-o', timeFile, process.execPath, BIN, ...args]] : [process.execPath, [BIN, ...args]]
    const loadBefore = loadavg()[0]
    const started = performance.now()
    const child = spawn(command[0], command[1], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    let stdout = ''
    let stderr = ''
    let runningAt
    child.stdout.on('data', (chunk) => (stdout += chunk))
    child.stderr.on('data', (chunk) => {
      stderr += chunk
      if (runningAt === undefined && /^racebench: running /m.test(stderr)) runningAt = performance.now() - started
    })
    // /usr/bin/time forks racebench: the server descends from it either way.
    let serverPeak = 0
    let rssPeak = 0
    const sampler = linux
      ? setInterval(() => {
          if (embedded) serverPeak = Math.max(serverPeak, serverPssKib(child.pid))
          const racebench = timed ? [...processTable()].find(([, p]) => p.ppid === child.pid)?.[0] : child.pid
          if (racebench) rssPeak = Math.max(rssPeak, peakRssKib(racebench))
        }, 2_000)
      : undefined
    child.on('error', reject)
    child.on('close', (code) => {
      clearInterval(sampler)
      const wallMs = performance.now() - started
      if (timed) {
        rssPeak = Number(readFileSync(timeFile, 'utf8').trim().split('\n').pop()) || rssPeak
        rmSync(timeFile, { force: true })
      }
      if (code !== 0 && code !== 1) return reject(new Error(`racebench exited ${code}: ${stderr.trim().split('\n').pop()}`))
      const result = JSON.parse(stdout)
      const ops = Object.values(result.outcomes).reduce((sum, n) => sum + n, 0)
      resolve({
        workers: result.workers,
        server: `${result.db.server}${result.db.embedded ? ' (embedded)' : ''}`,
        strategy: result.strategy,
        startupMs: runningAt,
        connectMs: result.connectMs,
        firstOpMs: runningAt === undefined || result.connectMs === undefined ? undefined : runningAt + result.connectMs,
        workloadMs: result.durationMs,
        wallMs,
        ops,
        errors: result.outcomes.error,
        opsPerSec: result.opsPerSec,
        p99Ms: result.latencyMs.p99,
        racebenchPeakRssMiB: rssPeak ? rssPeak / 1024 : undefined,
        serverPeakPssMiB: serverPeak ? serverPeak / 1024 : undefined,
        loadBefore,
        loadAfter: loadavg()[0],
      })
    })
  })
}

const show = (value, digits = 0) => (value === undefined ? '–' : value.toFixed(digits))
const results = []
for (let round = 1; round <= rounds; round++) {
  let r
  try {
    r = await once()
  } catch (error) {
    // A run that failed is a result too (e.g. connections timing out under load): say so, go on.
    results.push({ failed: error.message })
    console.error(`round ${round}: ${error.message}`)
    process.exitCode = 1
    continue
  }
  results.push(r)
  if (!opts.json) {
    console.log(
      `round ${round}: ${r.workers} workers · ${r.strategy} · ${r.server} · ${r.ops} ops (${r.errors} errors)\n` +
        `  startup ${show(r.startupMs / 1000, 1)} s · connect ${show(r.connectMs / 1000, 1)} s · first op after ${show(r.firstOpMs / 1000, 1)} s · ` +
        `workload ${show(r.workloadMs / 1000, 1)} s · total ${show(r.wallMs / 1000, 1)} s\n` +
        `  ${show(r.opsPerSec, 1)} ops/s · p99 ${show(r.p99Ms, 1)} ms · racebench peak RSS ${show(r.racebenchPeakRssMiB)} MiB · ` +
        `server peak PSS ${show(r.serverPeakPssMiB)} MiB · load ${r.loadBefore.toFixed(1)} → ${r.loadAfter.toFixed(1)} on ${cpus().length} cores`,
    )
  }
}
if (opts.json) console.log(JSON.stringify({ args, cores: cpus().length, results }, null, 2))
