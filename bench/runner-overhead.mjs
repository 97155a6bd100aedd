#!/usr/bin/env node
// What racebench's hot path costs per operation on its own, with the database and the driver taken
// out: racebench's runner (dist/src/runner/run-workers.js work loop, the seeded key generator, the
// watchdog, the scenario's strategy, the traced and watched sessions, PostgresSession.query, and the
// history: totals with HDR histograms, the per-key rings, and with --history a history file) drives a
// fake node-postgres client whose query() answers at once. The same fake client is then driven by a
// bare loop (a random key, time the call, count it). The difference is racebench's own cost, once
// without a history file and once with one (written to the OS temp folder, removed at exit).
//
//   npm run build && node bench/runner-overhead.mjs [--duration 2] [--workers 8] [--rounds 3]
//
// It imports racebench internals from dist/ (not the public API), so it may need updating when
// they change. No database is touched.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '2' },
    workers: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
    // e.g. `--loop runner` to profile one loop alone
    loop: { type: 'string', default: 'bare,runner,history' },
    // another build of racebench (a copy of dist/), to compare before and after a change
    dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
  },
})
const durationS = Number(opts.duration)
const workers = Number(opts.workers)
const rounds = Number(opts.rounds)
for (const [name, n, max] of [['--duration', durationS, 30], ['--workers', workers, 512], ['--rounds', rounds, 20]]) {
  if (!Number.isInteger(n) || n < 1 || n > max) {
    console.error(`runner-overhead: ${name} must be a whole number in 1..${max}`)
    process.exit(2)
  }
}

const distFile = (path) => pathToFileURL(join(resolve(opts.dist), path)).href
let internals
try {
  const [runner, stream, totals, rings, historyFile, keys, watchdog, config, session, api, timeSeries] = await Promise.all([
    import(distFile('src/runner/run-workers.js')),
    import(distFile('src/history/stream.js')),
    import(distFile('src/history/totals.js')),
    import(distFile('src/history/key-rings.js')),
    import(distFile('src/history/history-file.js')),
    import(distFile('src/history/keys.js')),
    import(distFile('src/runner/watchdog.js')),
    import(distFile('src/config.js')),
    import(distFile('src/engines/postgres/postgres-session.js')),
    import(distFile('src/index.js')),
    import(distFile('src/history/time-series.js')),
  ])
  internals = {
    runWorkers: runner.runWorkers,
    HistoryStream: stream.HistoryStream,
    Totals: totals.Totals,
    KeyRings: rings.KeyRings,
    TimeSeriesSink: timeSeries.TimeSeriesSink,
    openHistoryFile: historyFile.openHistoryFile,
    showKeyOf: keys.showKeyOf,
    Watchdog: watchdog.Watchdog,
    resolveConfig: config.resolveConfig,
    PostgresSession: session.PostgresSession,
    ...api,
  }
} catch (error) {
  console.error(`runner-overhead: cannot load racebench's internals from dist/ (run \`npm run build\` first): ${error.message}`)
  process.exit(2)
}
const { runWorkers, HistoryStream, Totals, KeyRings, TimeSeriesSink, openHistoryFile, showKeyOf, Watchdog, resolveConfig, PostgresSession, defineScenario, createRunEmitter } = internals
const historyPath = join(mkdtempSync(join(tmpdir(), 'racebench-overhead-')), 'history.jsonl')
process.on('exit', () => rmSync(dirname(historyPath), { recursive: true, force: true }))

const ROWS = 10_000
const SQL = 'SELECT v FROM kv WHERE k = $1'
const ANSWER = { rows: [{ v: 0 }], rowCount: 1, command: 'SELECT', fields: [] }

/** Just enough of a pg.Client for PostgresSession: every query answers at once (a resolved promise). */
function fakeClient() {
  return {
    on() {},
    listeners: () => [],
    query: () => Promise.resolve(ANSWER),
    end: () => Promise.resolve(),
  }
}

const scenario = defineScenario({
  name: 'bench-overhead',
  summary: 'Benchmark only.',
  story: 'Benchmark only.',
  schema: '/nonexistent.sql',
  params: { rows: ROWS },
  pickKey: (rng, p) => 1 + rng.int(p.rows),
  strategies: {
    select: { summary: SQL, expect: 'safe', run: async ({ db, key }) => ((await db.query(SQL, [key])).rowCount === 1 ? 'ok' : 'rejected') },
  },
  invariants: { none: async () => ({ held: true, detail: '' }) },
})

/** racebench's runner as runScenario sets it up: totals and per-key rings, and with `withFile` a history file. */
async function racebenchRun(withFile) {
  const config = resolveConfig({ db: 'postgres://fake/fake', workers, duration: `${durationS}s`, think: 0 })
  const totals = new Totals()
  const file = withFile ? openHistoryFile(historyPath) : undefined
  file?.start({ type: 'run', format: 1, racebench: 'bench', scenario: scenario.name })
  const series = new TimeSeriesSink(config.intervalMs)
  const history = new HistoryStream(file ? [totals, new KeyRings(), series, file] : [totals, new KeyRings(), series])
  const watchdog = new Watchdog({ stallMs: 60_000, interrupted: () => new Error('interrupted') })
  const target = { dialect: 'postgres', namespace: 'bench', connect: async () => new PostgresSession(fakeClient()) }
  const cpu0 = process.cpuUsage()
  try {
    const { durationMs } = await runWorkers({
      scenario,
      origin: 'runner-overhead.mjs',
      strategyName: 'select',
      strategy: scenario.strategies.select,
      params: scenario.params,
      config,
      target,
      nodes: [target],
      redis: undefined,
      runId: 1,
      history,
      totals,
      series,
      showKey: showKeyOf(scenario),
      events: createRunEmitter(),
      signal: undefined,
      watchdog,
      warn: () => {},
    })
    if (file) file.close()
    const cpu = process.cpuUsage(cpu0)
    return { ops: totals.completed, durationMs, cpuUs: cpu.user + cpu.system }
  } finally {
    watchdog.dispose()
    file?.close()
  }
}

async function bareRun() {
  const clients = Array.from({ length: workers }, fakeClient)
  let ops = 0
  let latencySum = 0
  const cpu0 = process.cpuUsage()
  const startedAt = performance.now()
  const deadline = startedAt + durationS * 1_000
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < deadline) {
        const k = 1 + Math.floor(Math.random() * ROWS)
        const t = performance.now()
        await client.query({ name: 'bench', text: SQL, values: [k] })
        latencySum += performance.now() - t
        ops++
      }
    }),
  )
  const durationMs = performance.now() - startedAt
  const cpu = process.cpuUsage(cpu0)
  if (latencySum < 0) console.log('unreachable') // keeps latencySum live
  return { ops, durationMs, cpuUs: cpu.user + cpu.system }
}

// One unmeasured run of each first, so neither pays its JIT compilation in a measured round.
const LOOPS = [
  ['bare loop', bareRun, 'bare'],
  ['racebench runner', () => racebenchRun(false), 'runner'],
  ['racebench --history', () => racebenchRun(true), 'history'],
].filter(([, , id]) => opts.loop.split(',').includes(id))
for (const [, fn] of LOOPS) await fn()

const rows = []
for (let round = 1; round <= rounds; round++) {
  for (const [name, fn] of LOOPS) {
    const { ops, durationMs, cpuUs } = await fn()
    rows.push({ round, name, opsPerSec: (ops * 1_000) / durationMs, nsPerOp: (durationMs * 1e6) / ops, cpuNsPerOp: (cpuUs * 1e3) / ops })
  }
}

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}
console.log(`${workers} workers, ${durationS}s per run, a fake client answering at once (node ${process.version})`)
console.log('round   loop              ops/s (one thread)   wall ns/op   CPU ns/op')
for (const r of rows) {
  console.log(`${String(r.round).padEnd(6)}  ${r.name.padEnd(16)}  ${r.opsPerSec.toFixed(0).padStart(18)}  ${r.nsPerOp.toFixed(0).padStart(11)}  ${r.cpuNsPerOp.toFixed(0).padStart(10)}`)
}
const bare = median(rows.filter((r) => r.name === 'bare loop').map((r) => r.cpuNsPerOp))
console.log('')
for (const [name] of LOOPS.filter(([, , id]) => id !== 'bare')) {
  const rb = median(rows.filter((r) => r.name === name).map((r) => r.cpuNsPerOp))
  console.log(`median CPU: ${name} ${rb.toFixed(0)} ns/op against the bare loop's ${bare.toFixed(0)}: racebench adds ${(rb - bare).toFixed(0)} ns per operation`)
}
