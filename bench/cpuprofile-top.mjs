#!/usr/bin/env node
// Summarizes a V8 .cpuprofile (from `node --cpu-prof`): where the samples fall, by function and by
// file, self time and total (inclusive) time. No dependencies.
//
//   node --cpu-prof --cpu-prof-dir=/tmp/prof bench/pgbench-compare.mjs --tool racebench --workload select
//   node bench/cpuprofile-top.mjs /tmp/prof/*.cpuprofile [--top 25]

import { readFile } from 'node:fs/promises'
import { parseArgs } from 'node:util'

const { values, positionals } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
const top = Number(values.top)
if (positionals.length === 0) {
  console.error('usage: node bench/cpuprofile-top.mjs FILE.cpuprofile [--top N]')
  process.exit(2)
}

for (const file of positionals) {
  const profile = JSON.parse(await readFile(file, 'utf8'))
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)

  const hits = new Map()
  for (const id of profile.samples) hits.set(id, (hits.get(id) ?? 0) + 1)
  const total = profile.samples.length

  const where = (node) => {
    const { functionName, url, lineNumber } = node.callFrame
    const short = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, 'node_modules/').replace(/^.*\/work\/main\//, '')
    return { fn: functionName || '(anonymous)', file: short || '(native)', line: lineNumber + 1 }
  }
  const fnKey = (node) => {
    const w = where(node)
    return `${w.fn}  ${w.file}${w.file.startsWith('(') ? '' : `:${w.line}`}`
  }

  const packageOf = (file) =>
    file.startsWith('node_modules/')
      ? file.split('/').slice(0, 2).join('/')
      : file.startsWith('dist/src/')
        ? 'racebench (dist/src)'
        : file.startsWith('node:')
          ? 'node core (JS)'
          : file.startsWith('bench/')
            ? 'bench (the scenario object)'
            : file
  const selfByPackage = new Map()
  const selfByFn = new Map()
  const selfByFile = new Map()
  const totalByFn = new Map()
  for (const [id, count] of hits) {
    const node = byId.get(id)
    const key = fnKey(node)
    selfByFn.set(key, (selfByFn.get(key) ?? 0) + count)
    const file = where(node).file
    selfByFile.set(file, (selfByFile.get(file) ?? 0) + count)
    const pkg = packageOf(file)
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + count)
    // Inclusive: every distinct function on the stack gets the sample once (recursion counted once).
    const seen = new Set()
    for (let at = id; at !== undefined; at = parent.get(at)) {
      const k = fnKey(byId.get(at))
      if (!seen.has(k)) {
        seen.add(k)
        totalByFn.set(k, (totalByFn.get(k) ?? 0) + count)
      }
    }
  }

  const pct = (n) => `${((100 * n) / total).toFixed(1).padStart(5)}%`
  const print = (title, map) => {
    console.log(`\n${title}`)
    for (const [key, n] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(n)}  ${key}`)
  }
  console.log(`${file}: ${total} samples`)
  print('self time by package', selfByPackage)
  print('self time by file', selfByFile)
  print('self time by function', selfByFn)
  print('total (inclusive) time by function', totalByFn)
}
