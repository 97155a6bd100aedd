#!/usr/bin/env node
// Cold start on the embedded server: how long the built CLI takes, spawn to exit, for
// `racebench run double-booking --strategy optimistic` (start a PostgreSQL, run 400 operations,
// check, stop it, remove its folder). Prints every run, then min / median / max.
//
//   npm run build && node bench/cold-start.mjs [--runs 10] [--warmup 1] [--pause 0] [-- other racebench args]
//
// The warm-up runs are not counted; the first one also builds the cluster template in
// ~/.cache/racebench if it is missing (delete that folder to time a first run). CPU is the user + system
// time of racebench and every process it waited for (the server and its backends included), read from
// /proc/self/stat (Linux only; elsewhere only wall time is shown). On a shared machine, quote medians.
//
// --pause S waits S seconds before each run, as a user's runs are spaced: back to back, each run pays
// for the disk work the previous one left behind (on a VM disk mounted with `discard`, removing a
// cluster's 9 MB slows the next file creations several-fold for tens of seconds).

import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'

const { values: opts, positionals } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '1' },
    pause: { type: 'string', default: '0' },
  },
  allowPositionals: true,
})
const runs = Number(opts.runs)
const warmup = Number(opts.warmup)
const pause = Number(opts.pause)
for (const [name, n, min, max] of [['--runs', runs, 1, 100], ['--warmup', warmup, 0, 10], ['--pause', pause, 0, 600]]) {
  if (!Number.isInteger(n) || n < min || n > max) {
    console.error(`cold-start: ${name} must be a whole number in ${min}..${max}`)
    process.exit(2)
  }
}
const BIN = fileURLToPath(new URL('../bin/racebench.js', import.meta.url))
const args = positionals.length > 0 ? positionals : ['run', 'double-booking', '--strategy', 'optimistic']

/** CPU seconds of the processes this one has waited for (cutime + cstime, in USER_HZ = 100 ticks a second). */
function childCpuSeconds() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[13]) + Number(fields[14])) / 100
  } catch {
    return undefined
  }
}

function once() {
  return new Promise((resolve, reject) => {
    const cpuBefore = childCpuSeconds()
    const started = process.hrtime.bigint()
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', (code) => {
      const wall = Number(process.hrtime.bigint() - started) / 1e9
      const cpuAfter = childCpuSeconds()
      if (code !== 0 && code !== 1) return reject(new Error(`racebench exited ${code}: ${stderr.trim().split('\n').pop()}`))
      resolve({ wall, cpu: cpuBefore === undefined || cpuAfter === undefined ? undefined : cpuAfter - cpuBefore })
    })
  })
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = Math.floor(s.length / 2)
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2
}
const row = (name, xs) => `${name.padEnd(6)} ${[Math.min(...xs), median(xs), Math.max(...xs)].map((x) => x.toFixed(3).padStart(8)).join(' ')}`

const sleep = (seconds) => new Promise((resolve) => setTimeout(resolve, seconds * 1000))

console.log(`racebench ${args.join(' ')}: ${warmup} warm-up, ${runs} counted${pause ? `, ${pause} s apart` : ''}`)
for (let i = 0; i < warmup; i++) await once()
const results = []
for (let i = 0; i < runs; i++) {
  await sleep(pause)
  const result = await once()
  results.push(result)
  console.log(`run ${String(i + 1).padStart(2)}  wall ${result.wall.toFixed(3)} s${result.cpu === undefined ? '' : `  cpu ${result.cpu.toFixed(2)} s`}`)
}
console.log(`${'s'.padEnd(6)} ${['min', 'median', 'max'].map((h) => h.padStart(8)).join(' ')}`)
console.log(row('wall', results.map((r) => r.wall)))
if (results.every((r) => r.cpu !== undefined)) console.log(row('cpu', results.map((r) => r.cpu)))
