// How busy the machine was while a benchmark measured something (Linux /proc; elsewhere every
// figure is undefined). Shared by pgbench-compare.mjs and history-cost.mjs.

import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { performance } from 'node:perf_hooks'

/**
 * Opens a measuring window: this process's CPU time (user + system, all threads), how busy the whole
 * machine was, and how much of it went to processes that are neither this benchmark nor the server
 * working for it (another test run, a build...), which makes the numbers unreliable. Backends of
 * `benchDb` count as the benchmark's own.
 */
export function openWindow(benchDb) {
  const cpu0 = process.cpuUsage()
  const machine0 = machineTicks()
  const procs0 = processTicks(benchDb)
  const startedAt = performance.now()
  return {
    close() {
      const cpu = process.cpuUsage(cpu0)
      const elapsedMs = performance.now() - startedAt
      const machine1 = machineTicks()
      return {
        cpu,
        machineBusy: busyPercent(machine0, machine1),
        otherPct: otherPercent(procs0, processTicks(benchDb), elapsedMs),
        stealPct: stealPercent(machine0, machine1),
        forks: forksBetween(machine0, machine1),
      }
    },
  }
}

/**
 * Linux: the machine's CPU tick counters, busy (user, nice, system, irq, softirq), stolen (time the
 * hypervisor gave this VM's CPUs to others: load no process here shows) and all, and processes forked
 * since boot.
 */
export function machineTicks() {
  try {
    const stat = readFileSync('/proc/stat', 'utf8')
    const fields = stat.split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number)
    const [user, nice, system, idle, iowait, irq, softirq, steal] = fields
    const forks = Number(stat.match(/^processes (\d+)$/m)?.[1] ?? Number.NaN)
    return { busy: user + nice + system + irq + softirq, steal: steal ?? 0, total: user + nice + system + idle + iowait + irq + softirq + (steal ?? 0), forks }
  } catch {
    return undefined
  }
}

/** The 1-, 5- and 15-minute load averages (Linux), as text: `2.31 1.80 1.02`. */
export function loadAverage() {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return undefined
  }
}

/**
 * Linux: CPU ticks (USER_HZ, 100 a second) per live process that is not ours: not this process, not
 * a kernel thread, and not a PostgreSQL process unless it is a client backend of another database.
 * (The server's auxiliary processes, and backends of `benchDb`, work for the benchmark.)
 */
function processTicks(benchDb) {
  if (!existsSync('/proc/self/stat')) return undefined
  const ticks = new Map()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const close = stat.lastIndexOf(')')
      const comm = stat.slice(stat.indexOf('(') + 1, close)
      const title = readFileSync(`/proc/${name}/cmdline`, 'utf8')
      // Kernel threads (no command line) do the WAL's block I/O, among others: not counted.
      if (title === '') continue
      if (comm === 'postgres') {
        const clientBackend = /\d\(\d+\)|\[local\]/.test(title)
        if (!clientBackend || title.includes(benchDb)) continue
      }
      const fields = stat.slice(close + 2).split(' ')
      // Fields 14 and 15 of stat(5), utime and stime; `fields` starts at field 3.
      ticks.set(name, { comm, ticks: Number(fields[11]) + Number(fields[12]) })
    } catch {
      // Gone meanwhile.
    }
  }
  return ticks
}

function otherPercent(before, after, elapsedMs) {
  if (!before || !after || elapsedMs <= 0) return undefined
  let ticks = 0
  for (const [pid, now] of after) {
    // A process started meanwhile counts whole; one that started and ended meanwhile is missed
    // (the fork count catches those).
    const then = before.get(pid)
    ticks += then && then.comm === now.comm ? now.ticks - then.ticks : now.ticks
  }
  return (100 * ticks * 10) / (elapsedMs * availableParallelism())
}

function forksBetween(before, after) {
  const forks = after?.forks - before?.forks
  return Number.isFinite(forks) ? forks : undefined
}

export function busyPercent(before, after) {
  if (!before || !after || after.total === before.total) return undefined
  return (100 * (after.busy - before.busy)) / (after.total - before.total)
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

/**
 * A distribution-free confidence interval for the median of `values`: the k-th smallest and k-th
 * largest, with k the largest for which the true median lies between them with probability at least
 * `level` (from the binomial distribution of how many values fall below it; no assumption about how
 * the values spread). With few values it is simply their range: 5 values cover only 94 %, so
 * `covered` says what the interval returned really covers.
 */
export function medianInterval(values, level = 0.95) {
  const sorted = [...values].sort((a, b) => a - b)
  const n = sorted.length
  // P(X < k) for X ~ Binomial(n, 1/2): the chance that fewer than k values fall below the median.
  const below = (k) => {
    let p = 0
    let term = 0.5 ** n
    for (let i = 0; i < k; i++) {
      p += term
      term = (term * (n - i)) / (i + 1)
    }
    return p
  }
  let k = 1
  while (k + 1 <= n / 2 && 1 - 2 * below(k + 1) >= level) k++
  return { low: sorted[k - 1], high: sorted[n - k], covered: 1 - 2 * below(k) }
}

/** The share of the machine's CPU time the hypervisor took away between two readings, in percent. */
export function stealPercent(before, after) {
  if (!before || !after || after.total === before.total) return undefined
  return (100 * (after.steal - before.steal)) / (after.total - before.total)
}
