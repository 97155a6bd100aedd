#!/usr/bin/env node
// What racebench's hot path costs per operation on its own, with the database and the driver taken
// out: racebench's runner (dist/src/runner/run-workers.js work loop, the seeded key generator,
// the scenario's strategy, PostgresSession.query, Recorder.record into an HDR histogram) drives
// a fake node-postgres client whose query() answers at once. The same fake client is then driven
// by a bare loop (a random key, time the call, count it). The difference is racebench's own cost.
//
//   npm run build && node bench/runner-overhead.mjs [--duration 2] [--workers 8] [--rounds 3]
//
// It imports racebench internals from dist/ (not the public API), so it may need updating when
// they change. No database is touched.

import { performance } from 'node:perf_hooks'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    duration: { type: 'string', default: '2' },
    workers: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
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

let internals
try {
  const [runner, recorder, config, session, api] = await Promise.all([
    import('../dist/src/runner/run-workers.js'),
    import('../dist/src/history/recorder.js'),
    import('../dist/src/config.js'),
    import('../dist/src/target/postgres-session.js'),
    import('../dist/src/index.js'),
  ])
  internals = { runWorkers: runner.runWorkers, Recorder: recorder.Recorder, resolveConfig: config.resolveConfig, PostgresSession: session.PostgresSession, ...api }
} catch (error) {
  console.error(`runner-overhead: cannot load racebench's internals from dist/ (run \`npm run build\` first): ${error.message}`)
  process.exit(2)
}
const { runWorkers, Recorder, resolveConfig, PostgresSession, defineScenario, createRunEmitter } = internals

const ROWS = 10_000
const SQL = 'SELECT v FROM kv WHERE k = $1'
const ANSWER = { rows: [{ v: 0 }], rowCount: 1, command: 'SELECT', fields: [] }

/** Just enough of a pg.Client for PostgresSession: every query answers at once (a resolved promise). */
function fakeClient() {
  return {
    on() {},
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

async function racebenchRun() {
  const config = resolveConfig({ db: 'postgres://fake/fake', workers, duration: `${durationS}s`, think: 0 })
  const recorder = new Recorder()
  const target = { dialect: 'postgres', connect: async () => new PostgresSession(fakeClient()) }
  const cpu0 = process.cpuUsage()
  const { durationMs } = await runWorkers({
    scenario,
    strategy: scenario.strategies.select,
    params: scenario.params,
    config,
    target,
    redis: undefined,
    runId: 1,
    recorder,
    events: createRunEmitter(),
    signal: undefined,
    log: () => {},
  })
  const cpu = process.cpuUsage(cpu0)
  return { ops: recorder.completed, durationMs, cpuUs: cpu.user + cpu.system }
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
for (const fn of [bareRun, racebenchRun]) await fn()

const rows = []
for (let round = 1; round <= rounds; round++) {
  for (const [name, fn] of [['bare loop', bareRun], ['racebench runner', racebenchRun]]) {
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
const bare = median(rows.filter((r) => r.name === 'bare loop').map((r) => r.nsPerOp))
const rb = median(rows.filter((r) => r.name === 'racebench runner').map((r) => r.nsPerOp))
console.log(`\nmedian: bare loop ${bare.toFixed(0)} ns/op, racebench runner ${rb.toFixed(0)} ns/op: racebench adds ${(rb - bare).toFixed(0)} ns per operation`)
