#!/usr/bin/env node
// What each consumer of the operation history costs per operation, with no database, no driver and no
// runner: synthetic operations (an invoke, one step made by the real `stepEvent`, an `ok`) on 10,000
// keys go through a HistoryStream into no sink, the totals, the per-key rings, a history file, or all.
//
//   npm run build && node bench/history-sinks.mjs [--operations 400000] [--dist DIR]
//
// The first operations on a key are kept by the rings (it keeps the first acknowledged ones of every
// key), so short runs (--operations 40000) measure that filling, long ones the steady state. The
// history file goes to the OS temp folder and is removed. Imports racebench internals from dist/.

import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { performance } from 'node:perf_hooks'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { parseArgs } from 'node:util'

const { values: opts } = parseArgs({
  options: {
    operations: { type: 'string', default: '400000' },
    dist: { type: 'string', default: fileURLToPath(new URL('../dist', import.meta.url)) },
    sinks: { type: 'string', default: 'none,totals,rings,default,file,history' },
  },
})
const operations = Number(opts.operations)
if (!Number.isInteger(operations) || operations < 1_000 || operations > 10_000_000) {
  console.error('history-sinks: --operations must be a whole number in 1000..10000000')
  process.exit(2)
}
const from = (path) => import(pathToFileURL(join(resolve(opts.dist), path)).href)
let modules
try {
  modules = await Promise.all(['stream', 'totals', 'key-rings', 'history-file', 'step-format'].map((name) => from(`src/history/${name}.js`)))
  modules.push(await from('src/runner/traced-session.js'))
} catch (error) {
  console.error(`history-sinks: cannot load racebench's internals from ${opts.dist} (run \`npm run build\` first): ${error.message}`)
  process.exit(2)
}
const [{ HistoryStream }, { Totals }, { KeyRings }, { openHistoryFile }, { collapseSql }, { stepEvent }] = modules

const SQL = 'SELECT v FROM kv WHERE k = $1'
const ROW = { rows: [{ v: 0 }], rowCount: 1 }
const folder = mkdtempSync(join(tmpdir(), 'racebench-sinks-'))
process.on('exit', () => rmSync(folder, { recursive: true, force: true }))

const file = () => {
  const history = openHistoryFile(join(folder, 'history.jsonl'))
  history.start({ type: 'run' })
  return history
}
const CASES = {
  none: () => [],
  totals: () => [new Totals()],
  rings: () => [new KeyRings()],
  default: () => [new Totals(), new KeyRings()],
  file: () => [file()],
  history: () => [new Totals(), new KeyRings(), file()],
}

/** Appends `n` operations of 8 workers on keys 1..10000, in a fixed pseudo-random order. */
function run(stream, n) {
  for (let i = 0; i < n; i++) {
    const worker = i & 7
    const k = 1 + ((i * 7919) % 10_000)
    const key = `key ${k}`
    const started = performance.now()
    stream.append({ t: stream.micros(started), type: 'invoke', worker, iteration: i, key, keyValue: k, attempt: 0 })
    const sent = performance.now()
    stream.append(stepEvent(stream.micros(sent), { worker, iteration: i }, { sql: collapseSql(SQL) }, [k], ROW, 0.123))
    const ended = performance.now()
    stream.append({ t: stream.micros(ended), type: 'ok', worker, iteration: i, key, ms: Math.round((ended - started) * 1_000) / 1_000 })
  }
}

console.log(`${operations} operations per case, node ${process.version}, ${opts.dist}`)
const names = opts.sinks.split(',').filter((name) => name in CASES)
// The first pass compiles; the second is measured.
for (const pass of [1, 2]) {
  for (const name of names) {
    const sinks = CASES[name]()
    const stream = new HistoryStream(sinks)
    const cpu0 = process.cpuUsage()
    run(stream, operations)
    const cpu = process.cpuUsage(cpu0)
    for (const sink of sinks) sink.close?.()
    if (pass === 2) console.log(`${name.padEnd(8)} ${(((cpu.user + cpu.system) * 1_000) / operations).toFixed(0).padStart(6)} ns CPU per operation`)
  }
}
