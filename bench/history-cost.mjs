#!/usr/bin/env node
// What recording the operation history costs (issue 9, section 4): racebench's throughput as a share
// of a bare node-postgres loop's, measured in pairs that run back to back on the same workload, and
// the peak memory of a 1,000,000-operation run.
//
//   npm run build && node bench/history-cost.mjs [--rounds 5] [--duration 5] [--rss]
//
// Each round runs, per workload (bench/kv-scenario.mjs: a primary-key SELECT, a primary-key UPDATE),
// two pairs: (bare loop, racebench default) and (bare loop, racebench --history FILE). Which pair goes
// first and which tool goes first inside a pair alternate from round to round, so neither side always
// runs on a warmer or a busier machine. Both sides of a pair use the same statement, the same number
// of connections and the same duration. The ratio of a pair is racebench's ops/s ÷ the bare loop's.
//
// `--mode floor` pairs the bare loop with itself making, per operation, the least a history must hold
// (an invoke, a step, a completion, timed; kv-scenario.mjs, recordedOperation), to show what any
// recording costs on the machine before racebench's consumers, watchdog and layers add theirs.
//
// --rss then runs the built CLI, `racebench run bench/kv-scenario.mjs --strategy select --workers 8
// --iterations 125000 --think 0`, once per mode, and reads each process's peak RSS
// (process.resourceUsage().maxRSS, from a preloaded module). --rss-only skips the pairs.
//
// Everything happens in one database, racebench_bench_history, created at the start and dropped at the
// end (also on Ctrl-C). History files go to --history-dir (default: the OS's temp folder) and are
// removed after each run. Not a test: vitest does not collect it and tsc ignores .mjs.

import { existsSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'
import pg from 'pg'
import kvScenario, { bareNodePgLoop, SCHEMA_FILE, settle, WORKLOADS } from './kv-scenario.mjs'
import { loadAverage, median, medianInterval, openWindow } from './machine-load.mjs'
import { historyFacts, peakRssOfRun } from './peak-rss.mjs'

const BENCH_DB = 'racebench_bench_history'
/** `floor`: not racebench, but the bare loop making the least a history must hold (kv-scenario.mjs, recordedOperation). */
const MODES = ['default', 'history', 'floor']
/** Issue 9's targets: racebench ops/s ÷ the bare loop's, per mode. */
const TARGETS = { default: 0.95, history: 0.85, floor: undefined }
const RSS_LIMIT_MB = 200
const OTHER_LIMIT_PCT = 3
/** A pair whose VM lost more CPU time than this to the hypervisor (steal) is not quiet either. */
const STEAL_LIMIT_PCT = 3

const { values: opts } = parseArgs({
  options: {
    server: { type: 'string', default: process.env.RACEBENCH_BENCH_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    rounds: { type: 'string', default: '5' },
    duration: { type: 'string', default: '5' },
    clients: { type: 'string', default: '8' },
    rows: { type: 'string', default: '10000' },
    workload: { type: 'string', default: Object.keys(WORKLOADS).join(',') },
    mode: { type: 'string', default: 'default,history' },
    dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
    'history-dir': { type: 'string', default: tmpdir() },
    rss: { type: 'boolean', default: false },
    'rss-only': { type: 'boolean', default: false },
    'rss-iterations': { type: 'string', default: '125000' },
    'rss-runs': { type: 'string', default: '3' },
    json: { type: 'boolean', default: false },
    'v8-defaults': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (opts.help) {
  console.log(`usage: node bench/history-cost.mjs [options]   (run \`npm run build\` first)
  --server URL          a PostgreSQL server to create ${BENCH_DB} on (default ${opts.server})
  --rounds N            rounds of pairs, 1..20 (default 5)
  --duration S          seconds per run, 1..60 (default 5)
  --clients N           connections: the bare loop's and racebench's workers (default 8)
  --rows N              keys in the table (default 10000)
  --workload LIST       ${Object.keys(WORKLOADS).join(',')} (default: both)
  --mode LIST           default,history,floor: which pairs to run (default: default,history); floor is not
                        racebench but the bare loop making each operation's events, the least a history costs
  --dist DIR            the built racebench to measure (default: ./dist; a copy lets you compare builds)
  --history-dir DIR     where --history files are written (default: the OS temp folder)
  --rss                 also measure peak RSS of a --rss-iterations × clients run in each mode
  --rss-only            only that
  --rss-iterations N    iterations per worker for --rss (default 125000: 1,000,000 operations with 8)
  --rss-runs N          runs per mode for --rss, alternating (default 3: V8's heap grows in steps, so peaks vary)
  --v8-defaults         leave V8's settings as Node has them, instead of the CLI's (the build's src/cli/v8-flags.js)
  --json                print the results as JSON`)
  process.exit(0)
}

const fail = (message) => {
  console.error(`history-cost: ${message}`)
  process.exit(2)
}
const int = (name, text, min, max) => {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) fail(`${name} must be a whole number in ${min}..${max}, got '${text}'`)
  return n
}
const rounds = int('--rounds', opts.rounds, 1, 20)
const durationS = int('--duration', opts.duration, 1, 60)
const clients = int('--clients', opts.clients, 1, 64)
const rows = int('--rows', opts.rows, 1, 10_000_000)
const rssIterations = int('--rss-iterations', opts['rss-iterations'], 1, 10_000_000)
const rssRuns = int('--rss-runs', opts['rss-runs'], 1, 20)
const workloads = opts.workload.split(',').map((s) => s.trim()).filter(Boolean)
if (workloads.length === 0 || workloads.some((w) => !(w in WORKLOADS))) fail(`--workload takes a comma-separated list of ${Object.keys(WORKLOADS).join(', ')}`)
const modes = opts.mode.split(',').map((s) => s.trim()).filter(Boolean)
if (modes.length === 0 || modes.some((m) => !MODES.includes(m))) fail(`--mode takes a comma-separated list of ${MODES.join(', ')}`)
const dist = resolve(opts.dist)
const say = (text) => opts.json || process.stderr.write(text)

// The settings the CLI gives its process (dist/src/cli/v8-flags.js, in builds that have it), so that
// runScenario runs here as it does under `racebench run`. They are the process's: the bare loop runs
// under them too.
const v8FlagsFile = join(dist, 'src/cli/v8-flags.js')
const v8Flags = !opts['v8-defaults'] && existsSync(v8FlagsFile)
if (v8Flags) await import(pathToFileURL(v8FlagsFile).href)

let api
try {
  api = await import(pathToFileURL(join(dist, 'src/index.js')).href)
} catch (error) {
  fail(`cannot load ${dist}/src/index.js (run \`npm run build\` first): ${error.message}`)
}

const serverUrl = new URL(opts.server)
const benchUrl = new URL(opts.server)
benchUrl.pathname = `/${BENCH_DB}`
const schemaSql = (await readFile(SCHEMA_FILE, 'utf8')).replace(/\{\{\s*rows\s*\}\}/g, String(rows))
const scratch = await mkdtemp(join(resolve(opts['history-dir']), 'racebench-history-cost-'))

// ---------------------------------------------------------------------------------------------
// The two sides of a pair
// ---------------------------------------------------------------------------------------------

async function withBenchDb(fn) {
  const db = new pg.Client({ connectionString: benchUrl.href })
  await db.connect()
  try {
    return await fn(db)
  } finally {
    await db.end()
  }
}

/** A bare loop over node-postgres: named statements, no framework, the same table and statement. */
async function runBare(workload, seconds) {
  await withBenchDb(async (db) => {
    await db.query('DROP TABLE IF EXISTS kv')
    await db.query(schemaSql)
    await settle(db)
  })
  const run = await bareNodePgLoop({ url: benchUrl.href, appName: 'racebench-bench-bare', clients, workload, rows, seconds, openWindow: () => openWindow(BENCH_DB) })
  return { opsPerSec: (run.ops * 1_000) / run.elapsedMs, ops: run.ops, errors: run.errors, ...run.window }
}

/** racebench's runScenario on the same workload, with or without a history file; or, for `floor`, the recording bare loop. */
async function runRacebench(workload, mode, seconds) {
  if (mode === 'floor') return runFloor(workload, seconds)
  const events = api.createRunEmitter()
  let window
  let measured = {}
  events.on('start', () => (window = openWindow(BENCH_DB)))
  events.on('done', () => (measured = window?.close() ?? {}))
  const file = mode === 'history' ? join(scratch, `${workload}.jsonl`) : undefined
  try {
    const result = await api.runScenario({
      events,
      scenario: kvScenario,
      strategy: workload,
      db: benchUrl.href,
      workers: clients,
      duration: `${seconds}s`,
      think: 0,
      params: { rows },
      ...(file ? { history: file } : {}),
    })
    if (result.violations > 0) throw new Error(`racebench reported a violated invariant: ${JSON.stringify(result.invariants)}`)
    const o = result.outcomes
    const ops = o.ok + o.rejected + o.conflict + o.error + o.unknown
    const written = file ? await historyFacts(file) : undefined
    // Every operation is an invoke, one step and a completion, between a header and a footer.
    if (written && written.lines !== 3 * ops + 2) throw new Error(`${file} has ${written.lines} lines for ${ops} operations (expected ${3 * ops + 2})`)
    return { opsPerSec: result.opsPerSec, ops, errors: ops - o.ok, historyBytes: written?.bytes, ...measured }
  } finally {
    if (file) await rm(file, { force: true })
  }
}

/** The bare loop that also makes each operation's events, as racebench's side of a `floor` pair. */
async function runFloor(workload, seconds) {
  await withBenchDb(async (db) => {
    await db.query('DROP TABLE IF EXISTS kv')
    await db.query(schemaSql)
    await settle(db)
  })
  const run = await bareNodePgLoop({ url: benchUrl.href, appName: 'racebench-bench-floor', clients, workload, rows, seconds, openWindow: () => openWindow(BENCH_DB), recordEvents: true })
  return { opsPerSec: (run.ops * 1_000) / run.elapsedMs, ops: run.ops, errors: run.errors, ...run.window }
}

/** Peak RSS of a run of the built CLI, as a user runs it (see peak-rss.mjs). */
async function runRss(mode) {
  const args = ['--strategy', 'select', '--db', benchUrl.href, '--workers', String(clients), '--iterations', String(rssIterations), '--think', '0']
  const historyFile = mode === 'history' ? join(scratch, 'rss.jsonl') : undefined
  const measured = await peakRssOfRun({ dist, scenario: fileURLToPath(new URL('./kv-scenario.mjs', import.meta.url)), args, historyFile })
  if (historyFile && measured.historyLines !== 3 * measured.ops + 2) throw new Error(`the history file had ${measured.historyLines} lines for ${measured.ops} operations`)
  return { mode, ...measured }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const admin = new pg.Client({ connectionString: serverUrl.href, application_name: 'racebench-bench' })
let cleaning
function cleanup() {
  cleaning ??= (async () => {
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`).catch((error) => console.error(`warning: could not drop ${BENCH_DB}: ${error.message}`))
    await admin.end().catch(() => {})
    await rm(scratch, { recursive: true, force: true })
  })()
  return cleaning
}
for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => cleanup().finally(() => process.exit(code)))
}

const env = { date: new Date().toISOString(), node: process.version, cores: availableParallelism(), clients, durationS, rows, dist, v8Flags, loadBefore: loadAverage() }
const pairs = []
const rss = []
try {
  await admin.connect()
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${BENCH_DB}`)
  env.server = `PostgreSQL ${(await admin.query('SHOW server_version')).rows[0].server_version.split(' ')[0]}`
  say(`${env.server}, ${env.cores} cores, node ${env.node}${v8Flags ? ' (the CLI\'s V8 settings)' : ''}, ${clients} connections, ${durationS}s per run; load average ${env.loadBefore}\n`)
  if (!opts['rss-only']) {
    // Neither side pays the JIT compilation of code both use (node-postgres) or of its own in a measured run.
    say('warming up (not measured)... ')
    await runBare(workloads[0], 1)
    for (const mode of modes) await runRacebench(workloads[0], mode, 1)
    say('done\n')
    for (let round = 1; round <= rounds; round++) {
      for (const workload of workloads) {
        const order = round % 2 ? modes : [...modes].reverse()
        for (const mode of order) {
          // By the mode's own place, not its place in this round's order (which flips too): each mode's
          // pair then has the bare loop first in every other round.
          const bareFirst = (round + modes.indexOf(mode)) % 2 === 1
          say(`round ${round}: ${workload}, ${mode}, ${bareFirst ? 'bare first' : 'racebench first'}... `)
          let bare, racebench
          if (bareFirst) {
            bare = await runBare(workload, durationS)
            racebench = await runRacebench(workload, mode, durationS)
          } else {
            racebench = await runRacebench(workload, mode, durationS)
            bare = await runBare(workload, durationS)
          }
          const pair = { round, workload, mode, bareFirst, ratio: racebench.opsPerSec / bare.opsPerSec, bare, racebench }
          pair.cpuRatio = cpuPerOp(racebench) / cpuPerOp(bare)
          pair.disturbed = Math.max(bare.otherPct ?? 0, racebench.otherPct ?? 0) > OTHER_LIMIT_PCT || Math.max(bare.stealPct ?? 0, racebench.stealPct ?? 0) > STEAL_LIMIT_PCT
          pairs.push(pair)
          say(`${bare.opsPerSec.toFixed(0)} vs ${racebench.opsPerSec.toFixed(0)} ops/s: ${pair.ratio.toFixed(3)}\n`)
        }
      }
    }
  }
  if (opts.rss || opts['rss-only']) {
    for (let run = 1; run <= rssRuns; run++) {
      const rssModes = modes.filter((mode) => mode !== 'floor')
      for (const mode of run % 2 ? rssModes : [...rssModes].reverse()) {
        say(`peak RSS, run ${run}: ${clients} workers × ${rssIterations} iterations, ${mode}... `)
        const measured = await runRss(mode)
        rss.push({ run, ...measured })
        say(`${measured.peakRssMiB.toFixed(0)} MiB, ${measured.ops} operations in ${measured.wallS.toFixed(0)} s\n`)
      }
    }
  }
} finally {
  env.loadAfter = loadAverage()
  await cleanup()
}

function cpuPerOp(run) {
  return run.cpu ? (run.cpu.user + run.cpu.system) / run.ops : Number.NaN
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const summary = []
for (const workload of workloads) {
  for (const mode of MODES) {
    const mine = pairs.filter((p) => p.workload === workload && p.mode === mode)
    if (mine.length === 0) continue
    const ratios = mine.map((p) => p.ratio)
    const quiet = mine.filter((p) => !p.disturbed).map((p) => p.ratio)
    const med = median(ratios)
    const interval = medianInterval(ratios)
    const target = TARGETS[mode]
    summary.push({
      workload,
      mode,
      pairs: mine.length,
      median: med,
      min: Math.min(...ratios),
      max: Math.max(...ratios),
      cpuRatioMedian: median(mine.map((p) => p.cpuRatio)),
      quietPairs: quiet.length,
      quietMedian: quiet.length ? median(quiet) : null,
      interval,
      target,
      met: target === undefined ? undefined : med >= target,
      // Whether the pairs settle it: the median's confidence interval lies wholly on one side of the target.
      settled: target === undefined ? undefined : interval.low >= target || interval.high < target,
    })
  }
}
/** The "200 MB", read as 200,000,000 bytes (190.7 MiB): the stricter reading. */
const RSS_LIMIT_MIB = (RSS_LIMIT_MB * 1e6) / 1048576
const rssSummary = modes
  .filter((mode) => mode !== 'floor')
  .map((mode) => rss.filter((r) => r.mode === mode))
  .filter((runs) => runs.length > 0)
  .map((runs) => {
    const peaks = runs.map((r) => r.peakRssMiB)
    return { mode: runs[0].mode, runs: runs.length, medianMiB: median(peaks), maxMiB: Math.max(...peaks), met: Math.max(...peaks) < RSS_LIMIT_MIB }
  })

if (opts.json) {
  console.log(JSON.stringify({ env, pairs, summary, rss, rssSummary }, null, 2))
} else {
  const f = (n, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-')
  const table = (header, body) => {
    const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
    console.log(header.map((h, i) => h.padEnd(widths[i])).join('  '))
    console.log(widths.map((w) => '-'.repeat(w)).join('  '))
    for (const row of body) console.log(row.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '))
  }
  if (pairs.length) {
    table(
      ['round', 'workload', 'mode', 'first', 'bare ops/s', 'racebench ops/s', 'ratio', 'bare µs/op', 'rb µs/op', 'history B/op', 'other %', 'steal %'],
      pairs.map((p) => [String(p.round), p.workload, p.mode, p.bareFirst ? 'bare' : 'rb', f(p.bare.opsPerSec), f(p.racebench.opsPerSec), f(p.ratio, 3), f(cpuPerOp(p.bare), 1), f(cpuPerOp(p.racebench), 1), p.racebench.historyBytes ? f(p.racebench.historyBytes / p.racebench.ops) : '-', f(Math.max(p.bare.otherPct ?? 0, p.racebench.otherPct ?? 0)), f(Math.max(p.bare.stealPct ?? 0, p.racebench.stealPct ?? 0), 1) + (p.disturbed ? ' !' : '')]),
    )
    console.log('')
    table(
      ['workload', 'mode', 'pairs', 'median ratio', 'its CI', 'range', 'CPU/op ratio', 'quiet pairs: median', 'target', 'met'],
      summary.map((s) => [s.workload, s.mode, String(s.pairs), f(s.median, 3), `${f(s.interval.low, 3)}–${f(s.interval.high, 3)} (${f(100 * s.interval.covered)} %)`, `${f(s.min, 3)}–${f(s.max, 3)}`, f(s.cpuRatioMedian, 3), s.quietPairs ? `${s.quietPairs}: ${f(s.quietMedian, 3)}` : '0', s.target === undefined ? '-' : `≥ ${s.target}`, s.met === undefined ? '-' : (s.met ? 'yes' : 'NO') + (s.settled ? '' : ', not settled')]),
    )
    console.log(`\nits CI: a confidence interval for the median ratio (distribution-free; its coverage in brackets). "not settled": the interval reaches across the target, so more pairs (--rounds) or a quieter machine would be needed to tell.`)
  }
  if (rss.length) {
    console.log('')
    table(
      ['run', 'mode', 'operations', 'ops/s', 'wall s', 'peak RSS MiB', 'history MB'],
      rss.map((r) => [String(r.run), r.mode, String(r.ops), f(r.opsPerSec), f(r.wallS, 1), f(r.peakRssMiB, 1), r.historyBytes ? f(r.historyBytes / 1e6, 1) : '-']),
    )
    console.log('')
    table(
      ['mode', 'runs', 'median MiB', 'max MiB', 'limit', 'met'],
      rssSummary.map((r) => [r.mode, String(r.runs), f(r.medianMiB, 1), f(r.maxMiB, 1), `< ${RSS_LIMIT_MB} MB (${f(RSS_LIMIT_MIB, 1)} MiB)`, r.met ? 'yes' : 'NO']),
    )
  }
  console.log(`\nload average before ${env.loadBefore}, after ${env.loadAfter}. ratio: racebench ops/s ÷ the bare loop's in the same pair. other %: CPU of unrelated processes; steal %: CPU time the hypervisor gave to other VMs (!: a pair above ${OTHER_LIMIT_PCT} % other or ${STEAL_LIMIT_PCT} % steal, not quiet).`)
}
