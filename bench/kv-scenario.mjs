// The benchmark's scenario as a file racebench can run by path (`racebench run bench/kv-scenario.mjs
// --strategy select …`), and as an object history-cost.mjs passes to runScenario. A plain object:
// `defineScenario` only freezes it, and racebench validates whatever a file exports.
//
// Each operation is one autocommit statement on one row of a table of `rows` keys (bench/sql/kv.sql),
// the same statements pgbench-compare.mjs gives pgbench and the bare node-postgres loop.

import { performance } from 'node:perf_hooks'
import { fileURLToPath } from 'node:url'
import pg from 'pg'

/** The statement of each workload, by strategy name. */
export const WORKLOADS = {
  select: 'SELECT v FROM kv WHERE k = $1',
  update: 'UPDATE kv SET v = v + 1 WHERE k = $1',
}

export const SCHEMA_FILE = fileURLToPath(new URL('./sql/kv.sql', import.meta.url))

/** Vacuumed, analyzed, then a CHECKPOINT: the same starting line for every run of every tool. */
export async function settle(db) {
  await db.query('VACUUM ANALYZE kv')
  // Superuser or pg_checkpoint only; without it the runs are just noisier.
  await db.query('CHECKPOINT').catch(() => {})
}

/**
 * The bare node-postgres loop racebench is measured against: `clients` connections, each sending the
 * workload's statement as a named (prepared) statement on a random key, one at a time, until `seconds`
 * are up. `openWindow()` is called once every client is connected and closed as the loop ends. With
 * `timeEach`, every call is timed too (pgbench-compare reports a mean latency); without, the loop does
 * no more than a plain loop would (history-cost's reference). With `recordEvents`, it also makes what
 * issue 9 asks a history to hold of each operation, and nothing more (history-cost's `floor`): see
 * `recordedOperation`.
 */
export async function bareNodePgLoop({ url, appName, clients, workload, rows, seconds, openWindow, timeEach = false, recordEvents = false }) {
  const sql = WORKLOADS[workload]
  const conns = []
  try {
    for (let i = 0; i < clients; i++) {
      const client = new pg.Client({ connectionString: url, application_name: appName })
      conns.push(client)
      await client.connect()
    }
    let ops = 0
    let errors = 0
    let latencySum = 0
    const window = openWindow()
    const startedAt = performance.now()
    const deadline = startedAt + seconds * 1_000
    await Promise.all(
      conns.map(async (client, worker) => {
        if (recordEvents) {
          for (let i = 0; performance.now() < deadline; i++) {
            if (!(await recordedOperation(client, workload, sql, 1 + Math.floor(Math.random() * rows), worker, i, startedAt))) errors++
            ops++
          }
          return
        }
        while (performance.now() < deadline) {
          const k = 1 + Math.floor(Math.random() * rows)
          const t = timeEach ? performance.now() : 0
          try {
            await client.query({ name: `bench_${workload}`, text: sql, values: [k] })
          } catch {
            errors++
          }
          if (timeEach) latencySum += performance.now() - t
          ops++
        }
      }),
    )
    const elapsedMs = performance.now() - startedAt
    return { ops, errors, latencySum, elapsedMs, window: window.close() }
  } finally {
    await Promise.all(conns.map((client) => client.end().catch(() => {})))
  }
}

/** Where recordedOperation's events go: counted, the last one kept, so that none can be optimized away. */
const floorSink = { events: 0, last: undefined }
const keyTexts = []

/**
 * One operation with the least a history of it can hold (issue 9, section 1): an invoke, a step with the
 * statement, its parameters, rows, first row and duration, and a completion, each stamped in µs since
 * the start, handed to a sink that only counts them: no watchdog, no totals, no rings, no file. What
 * racebench records costs at least this much; history-cost's `floor` mode measures it.
 */
async function recordedOperation(client, workload, sql, k, worker, iteration, origin) {
  const key = (keyTexts[k] ??= `key ${k}`)
  const started = performance.now()
  record({ t: Math.round((started - origin) * 1_000), type: 'invoke', worker, iteration, key, keyValue: k, attempt: 0 })
  const sent = performance.now()
  let result
  let failed = false
  try {
    result = await client.query({ name: `bench_${workload}`, text: sql, values: [k] })
  } catch {
    failed = true
  }
  const answered = performance.now()
  const step = { t: Math.round((sent - origin) * 1_000), type: 'step', worker, iteration, sql, params: [String(k)], rows: result?.rowCount ?? 0, ms: Math.round((answered - sent) * 1_000) / 1_000 }
  const row = result?.rows[0]
  if (row) {
    let first = ''
    for (const name of Object.keys(row)) first = first === '' ? `${name}=${row[name]}` : `${first} ${name}=${row[name]}`
    step.first = first
  }
  record(step)
  const ended = performance.now()
  record({ t: Math.round((ended - origin) * 1_000), type: failed ? 'error' : 'ok', worker, iteration, key, ms: Math.round((ended - started) * 1_000) / 1_000 })
  return !failed
}

function record(event) {
  floorSink.events++
  floorSink.last = event
}

export default {
  name: 'bench-kv',
  summary: 'Benchmark only: one primary-key statement per operation on a table of `rows` keys.',
  story: 'Not a race: the smallest possible operation, to measure what the runner itself costs per operation.',
  schema: SCHEMA_FILE,
  params: { rows: 10_000 },
  validate: (p) => (Number.isInteger(p.rows) && p.rows >= 1 ? [] : ['--param rows must be a whole number of at least 1']),
  pickKey: (rng, p) => 1 + rng.int(p.rows),
  strategies: Object.fromEntries(
    Object.entries(WORKLOADS).map(([name, sql]) => [
      name,
      {
        summary: sql,
        expect: 'safe',
        prepare: ({ db }) => settle(db),
        run: async ({ db, key }) => ((await db.query(sql, [key])).rowCount === 1 ? 'ok' : 'rejected'),
      },
    ]),
  ),
  invariants: {
    'row count unchanged': async ({ db, params }) => {
      const { rows: found } = await db.query('SELECT count(*)::int AS n FROM kv')
      const n = found[0]?.n ?? 0
      return { held: n === params.rows, detail: `${n} rows, expected ${params.rows}` }
    },
  },
}
