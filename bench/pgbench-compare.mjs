#!/usr/bin/env node
// Runner overhead of racebench against pgbench on the same trivial workload.
//
//   npm run build && node bench/pgbench-compare.mjs [--duration 5] [--clients 8] [--threads 2] [--rounds 1]
//
// For each workload (a primary-key SELECT, and separately a primary-key UPDATE, of one row among
// --rows keys), it runs, for the same duration and the same number of connections:
//   pgbench    a custom script (-f) with -M prepared -n: the C reference client;
//   node-pg    a bare loop over node-postgres with named (prepared) statements, no framework: what
//              any Node client pays (the driver and the event loop) before racebench adds anything;
//   racebench  runScenario with a scenario object defined below (think 0, no isolation wrapping).
// Every run gets a fresh, vacuumed and analyzed table and starts after a CHECKPOINT.
//
// Besides ops/s and mean latency it reports, over the workload window only, the client's own CPU
// time per operation (user + system, all threads: process.cpuUsage() for the two Node tools,
// the shell's `times` for pgbench) and how busy the whole machine was (/proc/stat, Linux only).
// With client and server on one box, the client's CPU per operation is what decides throughput
// once the box is saturated: every µs the client spends is a µs the server does not get.
//
// Everything lives in one dedicated database, racebench_bench_pgbench, created at the start and
// dropped at the end (also on Ctrl-C or SIGTERM); nothing else on the server is touched. Not a test:
// vitest does not pick up this file (no .test./.spec. in its name) and tsc ignores .mjs.

import { execFile } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { availableParallelism, tmpdir } from 'node:os'
import { setTimeout as delay } from 'node:timers/promises'
import { join } from 'node:path'
import { parseArgs, promisify } from 'node:util'
import pg from 'pg'
import kvScenario, { bareNodePgLoop, SCHEMA_FILE, settle, WORKLOADS } from './kv-scenario.mjs'
import { busyPercent, machineTicks, median, openWindow as openMachineWindow } from './machine-load.mjs'

const run = promisify(execFile)

const BENCH_DB = 'racebench_bench_pgbench'
const TOOLS = ['pgbench', 'node-pg', 'racebench']
/** Above this share of the machine used by unrelated processes during a run, its row is flagged. */
const OTHER_LIMIT_PCT = 3
/** Forks beyond what a run itself causes (autovacuum may add one or two) that flag a row. */
const FORK_SLACK = 3

// ---------------------------------------------------------------------------------------------
// Options
// ---------------------------------------------------------------------------------------------

const { values: opts } = parseArgs({
  options: {
    server: { type: 'string', default: process.env.RACEBENCH_BENCH_SERVER ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    duration: { type: 'string', default: '5' },
    clients: { type: 'string', default: '8' },
    threads: { type: 'string', default: '2' },
    rows: { type: 'string', default: '10000' },
    rounds: { type: 'string', default: '1' },
    workload: { type: 'string', default: Object.keys(WORKLOADS).join(',') },
    tool: { type: 'string', default: TOOLS.join(',') },
    pgbench: { type: 'string' },
    json: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})

if (opts.help) {
  console.log(`usage: node bench/pgbench-compare.mjs [options]   (run \`npm run build\` first)
  --server URL     a PostgreSQL server to create ${BENCH_DB} on (default ${opts.server})
  --duration S     seconds per run, 1..60 (default 5)
  --clients N      connections per run: pgbench -c, racebench workers (default 8)
  --threads N      pgbench -j (default 2; node-pg and racebench are one Node thread)
  --rows N         keys in the table (default 10000)
  --rounds N       repeat every workload and tool N times, interleaved (default 1)
  --workload LIST  ${Object.keys(WORKLOADS).join(',')} (default: both)
  --tool LIST      ${TOOLS.join(',')} (default: all)
  --pgbench PATH   the pgbench binary (default: PATH, then /usr/lib/postgresql/*/bin)
  --json           print the results as JSON instead of a table`)
  process.exit(0)
}

const durationS = int('--duration', opts.duration, 1, 60)
const clients = int('--clients', opts.clients, 1, 64)
const threads = int('--threads', opts.threads, 1, 64)
const rows = int('--rows', opts.rows, 1, 10_000_000)
const rounds = int('--rounds', opts.rounds, 1, 10)
const workloads = list('--workload', opts.workload, Object.keys(WORKLOADS))
const tools = list('--tool', opts.tool, TOOLS)
if (threads > clients) fail('--threads cannot exceed --clients (pgbench refuses it)')

function int(name, text, min, max) {
  const n = Number(text)
  if (!Number.isInteger(n) || n < min || n > max) fail(`${name} must be a whole number in ${min}..${max}, got '${text}'`)
  return n
}

function list(name, text, valid) {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean)
  const bad = items.filter((item) => !valid.includes(item))
  if (items.length === 0 || bad.length > 0) fail(`${name} takes a comma-separated list of ${valid.join(', ')}; got '${text}'`)
  return items
}

function fail(message) {
  console.error(`pgbench-compare: ${message}`)
  process.exit(2)
}

// ---------------------------------------------------------------------------------------------
// Setup
// ---------------------------------------------------------------------------------------------

let racebench
try {
  racebench = await import('../dist/src/index.js')
} catch (error) {
  fail(`cannot load ../dist/src/index.js (run \`npm run build\` first): ${error.message}`)
}
const { runScenario, createRunEmitter } = racebench

const pgbenchPath = tools.includes('pgbench') ? findPgbench(opts.pgbench) : undefined
const serverUrl = new URL(opts.server)
const benchUrl = new URL(opts.server)
benchUrl.pathname = `/${BENCH_DB}`
const schemaTemplate = await readFile(SCHEMA_FILE, 'utf8')
const schemaSql = schemaTemplate.replace(/\{\{\s*rows\s*\}\}/g, String(rows))

function findPgbench(given) {
  if (given) {
    if (!existsSync(given)) fail(`no pgbench at ${given}`)
    return given
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(join(dir, 'pgbench'))) return join(dir, 'pgbench')
  }
  const root = '/usr/lib/postgresql'
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : []
  for (const version of versions) {
    const candidate = join(root, version, 'bin', 'pgbench')
    if (existsSync(candidate)) return candidate
  }
  fail('pgbench not found: it ships with the PostgreSQL server package (Debian: postgresql-15; some distributions: postgresql-contrib); pass --pgbench PATH, or use --tool node-pg,racebench')
}

/** Fresh table, vacuumed, analyzed, then a CHECKPOINT: the same starting line for every run. */
async function freshTable(db) {
  await db.query('DROP TABLE IF EXISTS kv')
  await db.query(schemaSql)
  await settle(db)
}

// ---------------------------------------------------------------------------------------------
// The three tools
// ---------------------------------------------------------------------------------------------

async function runPgbench(workload, scratch) {
  const script = join(scratch, `${workload}.sql`)
  // pgbench variables are :name; one statement, no BEGIN/END: autocommit, as in the other two.
  await writeFile(script, `\\set k random(1, ${rows})\n${WORKLOADS[workload].replace('$1', ':k')};\n`)
  await withBenchDb(freshTable)
  const args = [
    '-h', benchUrl.hostname || '127.0.0.1',
    '-p', benchUrl.port || '5432',
    '-U', decodeURIComponent(benchUrl.username) || 'postgres',
    '-n', '-M', 'prepared',
    '-c', String(clients), '-j', String(threads), '-T', String(durationS),
    // With -P, pgbench measures every transaction's latency; without it, "latency average" is
    // only derived from duration × clients / transactions.
    '-P', String(durationS),
    '-f', script,
    BENCH_DB,
  ]
  const env = { ...process.env, PGAPPNAME: 'racebench-bench-pgbench' }
  if (benchUrl.password) env.PGPASSWORD = decodeURIComponent(benchUrl.password)
  // Through sh, whose `times` (POSIX) then prints the CPU time its children used: pgbench's own.
  const window = openWindow()
  const { stdout, stderr } = await run('/bin/sh', ['-c', '"$0" "$@"; status=$?; times >&2; exit $status', pgbenchPath, ...args], {
    env,
    timeout: (durationS + 60) * 1_000,
    maxBuffer: 1 << 20,
  })
  const { machineBusy, otherPct, forks } = window.close()
  const number = (re) => {
    const match = stdout.match(re)
    if (!match) throw new Error(`cannot read ${re} from pgbench's output:\n${stdout}`)
    return Number(match[1])
  }
  return {
    opsPerSec: number(/^tps = ([\d.]+)/m),
    meanMs: number(/^latency average = ([\d.]+) ms/m),
    ops: number(/^number of transactions actually processed: (\d+)/m),
    errors: stdout.match(/^number of failed transactions: (\d+)/m) ? number(/^number of failed transactions: (\d+)/m) : 0,
    clientCpuUs: childrenCpuUs(stderr),
    machineBusy,
    otherPct,
    forks,
  }
}

/** The children's line of `times`, `0m1.234s 0m0.567s`, the last such line: user and system µs. */
function childrenCpuUs(stderr) {
  const lines = stderr.trim().split('\n').filter((line) => /^\d+m[\d.]+s \d+m[\d.]+s$/.test(line.trim()))
  const match = lines.at(-1)?.trim().match(/^(\d+)m([\d.]+)s (\d+)m([\d.]+)s$/)
  if (!match) return undefined
  const [, um, us, sm, ss] = match.map(Number)
  return { user: (um * 60 + us) * 1e6, system: (sm * 60 + ss) * 1e6 }
}

async function runNodePg(workload, seconds = durationS) {
  await withBenchDb(freshTable)
  const run = await bareNodePgLoop({ url: benchUrl.href, appName: 'racebench-bench-node-pg', clients, workload, rows, seconds, openWindow, timeEach: true })
  const { cpu, machineBusy, otherPct, forks } = run.window
  return { opsPerSec: (run.ops * 1_000) / run.elapsedMs, meanMs: run.latencySum / run.ops, ops: run.ops, errors: run.errors, clientCpuUs: cpu, machineBusy, otherPct, forks }
}

async function runRacebench(workload) {
  // The workload window only (after connecting, before the invariants): the runner's start and done events.
  const events = createRunEmitter()
  let window
  let measured = {}
  events.on('start', () => {
    window = openWindow()
  })
  events.on('done', () => {
    measured = window?.close() ?? {}
  })
  const result = await runScenario({
    events,
    scenario: kvScenario,
    strategy: workload,
    db: benchUrl.href,
    workers: clients,
    duration: `${durationS}s`,
    think: 0,
    params: { rows },
  })
  if (result.violations > 0) throw new Error(`racebench reported a violated invariant: ${JSON.stringify(result.invariants)}`)
  const o = result.outcomes
  return {
    opsPerSec: result.opsPerSec,
    meanMs: result.latencyMs.mean,
    ops: o.ok + o.rejected + o.conflict + o.error + o.unknown,
    errors: o.error + o.unknown + o.rejected + o.conflict,
    clientCpuUs: measured.cpu,
    machineBusy: measured.machineBusy,
    otherPct: measured.otherPct,
    forks: measured.forks,
  }
}

/** A workload window on this machine: CPU, box busy, other processes (see machine-load.mjs). */
function openWindow() {
  return openMachineWindow(BENCH_DB)
}

async function withBenchDb(fn) {
  const db = new pg.Client({ connectionString: benchUrl.href })
  await db.connect()
  try {
    return await fn(db)
  } finally {
    await db.end()
  }
}

// ---------------------------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------------------------

const admin = new pg.Client({ connectionString: serverUrl.href, application_name: 'racebench-bench' })
let scratch
let cleaning
let interrupted

/** Drops the database and the scratch folder, once: every caller awaits the same promise. */
function cleanup() {
  cleaning ??= (async () => {
    // FORCE ends any connection still open on it (a run cut short by Ctrl-C).
    await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`).catch((error) => console.error(`warning: could not drop ${BENCH_DB}: ${error.message}`))
    await admin.end().catch(() => {})
    if (scratch) await rm(scratch, { recursive: true, force: true })
  })()
  return cleaning
}

for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]]) {
  process.once(signal, () => {
    interrupted = code
    console.error(`\ninterrupted: dropping ${BENCH_DB}`)
    cleanup().finally(() => process.exit(code))
  })
}

const results = []
let env
try {
  await admin.connect()
  // The name is ours alone: a leftover of an interrupted run is dropped, never anything else.
  await admin.query(`DROP DATABASE IF EXISTS ${BENCH_DB} WITH (FORCE)`)
  await admin.query(`CREATE DATABASE ${BENCH_DB}`)
  scratch = await mkdtemp(join(tmpdir(), 'racebench-bench-'))
  const { rows: [server] } = await admin.query(`SELECT current_setting('server_version') AS version`)
  env = {
    node: process.version,
    pgbench: pgbenchPath ? (await run(pgbenchPath, ['--version'])).stdout.trim() : null,
    server: `PostgreSQL ${server.version.split(' ')[0]} at ${serverUrl.host}`,
    cores: availableParallelism(),
    clients,
    pgbenchThreads: threads,
    durationS,
    rows,
  }
  // Anything else using the CPU skews every number here: say so before measuring.
  const idle0 = machineTicks()
  await delay(1_000)
  env.busyBeforePct = busyPercent(idle0, machineTicks())
  if (env.busyBeforePct !== undefined && env.busyBeforePct > 10) {
    console.error(`warning: the machine was ${env.busyBeforePct.toFixed(0)}% busy before the benchmark started; the numbers will be noisy`)
  }
  if (!opts.json) {
    console.error(
      `${env.server}, ${env.cores} cores, node ${env.node}, ${env.pgbench ?? 'no pgbench'}; ` +
        `${clients} clients, pgbench -j ${threads}, ${durationS}s per run, ${rows} rows`,
    )
  }

  // node-postgres code is shared by both Node tools: whichever ran first would pay its JIT warm-up.
  const nodeTools = tools.filter((tool) => tool !== 'pgbench')
  if (nodeTools.length > 0) {
    if (!opts.json) process.stderr.write('warming up node-postgres (1s, not measured)... ')
    await runNodePg(workloads[0], 1)
    if (!opts.json) process.stderr.write('done\n')
  }

  for (let round = 1; round <= rounds; round++) {
    // Each round starts with a different tool, so no tool always runs right after another.
    const order = tools.map((_, i) => tools[(i + round - 1) % tools.length])
    for (const workload of workloads) {
      for (const tool of order) {
        if (!opts.json) process.stderr.write(`round ${round}: ${workload} with ${tool}... `)
        const measured =
          tool === 'pgbench' ? await runPgbench(workload, scratch) : tool === 'node-pg' ? await runNodePg(workload) : await runRacebench(workload)
        results.push({ round, workload, tool, ...measured })
        if (!opts.json) process.stderr.write(`${measured.opsPerSec.toFixed(0)} ops/s\n`)
      }
    }
  }
} catch (error) {
  // Dropping the database under a running tool makes it fail: that is the interruption, not an error.
  if (interrupted) {
    await cleanup()
    process.exit(interrupted)
  }
  throw error
} finally {
  await cleanup()
}

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

const baseline = (r) => results.find((b) => b.round === r.round && b.workload === r.workload && b.tool === 'pgbench')
for (const r of results) {
  const base = baseline(r)
  r.pctOfPgbench = base ? Math.round((1_000 * r.opsPerSec) / base.opsPerSec) / 10 : null
  const perOp = (us) => (r.clientCpuUs === undefined || r.ops === 0 ? null : Math.round((10 * us) / r.ops) / 10)
  r.clientCpuUsPerOp = perOp(r.clientCpuUs?.user + r.clientCpuUs?.system)
  r.clientUserUsPerOp = perOp(r.clientCpuUs?.user)
  r.clientSystemUsPerOp = perOp(r.clientCpuUs?.system)
  r.opsPerSec = Math.round(r.opsPerSec * 10) / 10
  r.meanMs = Math.round(r.meanMs * 1_000) / 1_000
  for (const field of ['machineBusy', 'otherPct']) r[field] = r[field] === undefined ? null : Math.round(r[field] * 10) / 10
  // pgbench's run forks sh, pgbench, its threads and one backend per client; the Node runs fork nothing.
  const expectedForks = r.tool === 'pgbench' ? clients + threads + 2 : 0
  r.disturbed = r.otherPct > OTHER_LIMIT_PCT || r.forks > expectedForks + FORK_SLACK
  delete r.clientCpuUs
}

if (opts.json) {
  console.log(JSON.stringify({ env, results }, null, 2))
} else {
  const header = ['round', 'workload', 'tool', 'ops/s', 'mean ms', '% of pgbench', 'client µs/op', 'user', 'sys', 'box busy', 'other', 'failed']
  const fmt = (value, digits, suffix = '') => (value === undefined || value === null ? '-' : `${value.toFixed(digits)}${suffix}`)
  const body = results.map((r) => [
    String(r.round),
    r.workload,
    r.tool,
    r.opsPerSec.toFixed(0),
    r.meanMs.toFixed(3),
    r.pctOfPgbench === null ? '-' : `${r.pctOfPgbench.toFixed(1)}%`,
    fmt(r.clientCpuUsPerOp, 1),
    fmt(r.clientUserUsPerOp, 1),
    fmt(r.clientSystemUsPerOp, 1),
    fmt(r.machineBusy, 0, '%'),
    fmt(r.otherPct, 0, '%') + (r.disturbed ? ' !' : ''),
    String(r.errors),
  ])
  if (rounds > 1) {
    for (const workload of workloads) {
      for (const tool of tools) {
        // Rounds disturbed by other processes are left out of the medians, unless all were.
        const all = results.filter((r) => r.workload === workload && r.tool === tool)
        const clean = all.filter((r) => !r.disturbed && !baseline(r)?.disturbed)
        const mine = clean.length > 0 ? clean : all
        const pct = mine.map((r) => r.pctOfPgbench).filter((p) => p !== null)
        body.push([
          clean.length > 0 ? `median/${clean.length}` : 'median !',
          workload,
          tool,
          median(mine.map((r) => r.opsPerSec)).toFixed(0),
          median(mine.map((r) => r.meanMs)).toFixed(3),
          pct.length ? `${median(pct).toFixed(1)}%` : '-',
          fmt(medianOf(mine.map((r) => r.clientCpuUsPerOp)), 1),
          fmt(medianOf(mine.map((r) => r.clientUserUsPerOp)), 1),
          fmt(medianOf(mine.map((r) => r.clientSystemUsPerOp)), 1),
          fmt(medianOf(mine.map((r) => r.machineBusy)), 0, '%'),
          fmt(medianOf(mine.map((r) => r.otherPct)), 0, '%'),
          String(mine.reduce((n, r) => n + r.errors, 0)),
        ])
      }
    }
  }
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const line = (cells) => cells.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')
  console.log(line(header))
  console.log(widths.map((w) => '-'.repeat(w)).join('  '))
  for (const row of body) console.log(line(row))
  console.log(
    '\nclient µs/op: the load generator\'s own CPU time per operation (user + sys).  box busy: all cores, whole machine.\n' +
      'other: CPU used meanwhile by processes that are neither the benchmark nor its server.  median/N: over the N undisturbed rounds' +
      (results.some((r) => r.disturbed)
        ? `.\nRows marked ! ran while something else used the machine (other > ${OTHER_LIMIT_PCT}%, or processes started meanwhile): rerun on a quiet machine.`
        : ''),
  )
}

function medianOf(values) {
  const known = values.filter((v) => v !== undefined && v !== null)
  return known.length ? median(known) : undefined
}
