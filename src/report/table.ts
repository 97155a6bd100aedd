import Table from 'cli-table3'
import type { ChalkInstance } from 'chalk'
import { plural } from '../check/plural.js'
import { formatDuration } from '../duration.js'
import { OUTCOMES, type Outcome } from '../history/outcome.js'
import type { LatencySummary } from '../metrics/latency.js'
import type { RunResult } from '../run-result.js'
import { faultsText } from './faults-text.js'
import { moreBrokenKeysLine } from './more-broken-keys.js'
import { nothingTestedLines } from './nothing-tested.js'
import { runSettings } from './run-settings.js'
import { mark, tableLook } from './style.js'
import { renderTimeline } from './timeline.js'

/**
 * Renders a run as the table a person reads: settings, outcomes with their latencies, throughput,
 * errors and one line per invariant. Pure: result in, text out (autocannon's printResult).
 */
export function renderRunTable(result: RunResult, style: ChalkInstance, { width = 100 }: { readonly width?: number } = {}): string {
  const lines = [...header(result, style), '', outcomeTable(result, style), ...summary(result, style), ...nodeLines(result, style), '', ...invariants(result, style), '', verdict(result, style), ...nothingTestedLines(result, style)]
  return lines.join('\n') + '\n' + timelines(result, style, width)
}

/** How the race happened on the first broken keys (`--show`): a swimlane each, after the verdict, and how many more broke. */
function timelines(result: RunResult, style: ChalkInstance, width: number): string {
  const drawn = result.traces.map((trace) => '\n' + renderTimeline(trace, style, { width })).join('')
  const more = moreBrokenKeysLine(result.invariants, result.traces.length, style)
  return more === undefined ? drawn : `${drawn}\n${more}\n`
}

function header(r: RunResult, style: ChalkInstance): string[] {
  const cluster = r.db.cluster ? ` Galera node (cluster of ${r.db.cluster.size}, ${r.db.cluster.state})` : ''
  const spread = r.nodes.length > 1 ? ` × ${r.nodes.length} nodes` : ''
  const server = `${r.db.server}${cluster}${spread}${r.db.embedded ? ' (embedded)' : ''}${r.redis ? ` + ${r.redis.server}${r.redis.nodes ? ` × ${r.redis.nodes} nodes` : ''}` : ''}`
  const schema = `schema ${r.db.schema} ${r.db.kept ? 'kept' : 'dropped'}`
  return [
    `${style.bold(r.scenario)} · strategy ${style.bold(r.strategy)} (${r.expect}) · ${server} · ${r.isolation}`,
    style.dim([...runSettings(r), schema].join(' · ')),
  ]
}

const OUTCOME_COLOR: Record<Outcome, keyof Pick<ChalkInstance, 'green' | 'blue' | 'yellow' | 'red' | 'magenta'>> = {
  ok: 'green',
  rejected: 'blue',
  conflict: 'yellow',
  error: 'red',
  unknown: 'magenta',
}

function outcomeTable(r: RunResult, style: ChalkInstance): string {
  const table = new Table({
    head: ['outcome', 'count', 'share', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'],
    colAligns: ['left', 'right', 'right', 'right', 'right', 'right', 'right'],
    ...tableLook(style),
  })
  const total = OUTCOMES.reduce((sum, outcome) => sum + r.outcomes[outcome], 0)
  for (const outcome of OUTCOMES) {
    const count = r.outcomes[outcome]
    table.push([style[OUTCOME_COLOR[outcome]](outcome), count, share(count, total), ...latencyCells(count, r.latencyMsByOutcome[outcome])])
  }
  table.push([style.bold('all'), style.bold(total), share(total, total), ...latencyCells(total, r.latencyMs)])
  return table.toString()
}

function latencyCells(count: number, latency: LatencySummary): string[] {
  if (count === 0) return ['–', '–', '–', '–']
  return [latency.p50, latency.p95, latency.p99, latency.max].map(formatMs)
}

function summary(r: RunResult, style: ChalkInstance): string[] {
  const total = OUTCOMES.reduce((sum, outcome) => sum + r.outcomes[outcome], 0)
  const lines = [
    `${plural(total, 'operation')} in ${formatDuration(Math.round(r.durationMs))} · ${style.bold(`${r.opsPerSec} ops/s`)} · mean ${formatMs(r.latencyMs.mean)} ms · ${plural(r.retries, 'retry', 'retries')}`,
  ]
  if (r.locks) {
    const { acquired, notAcquired, lost, waitMs } = r.locks
    const missed = [notAcquired > 0 ? `${notAcquired} not acquired within the timeout` : '', lost > 0 ? style.red(`${lost} expired before release`) : '']
    const wait = `wait p50 ${formatMs(waitMs.p50)} · p95 ${formatMs(waitMs.p95)} · p99 ${formatMs(waitMs.p99)} · max ${formatMs(waitMs.max)} ms`
    lines.push(`locks: ${[`${acquired} acquired`, ...missed.filter(Boolean)].join(', ')} · ${wait}`)
    const quorum = r.locks.quorum
    if (quorum) {
      const votes = Object.entries(quorum.votes).sort(([a], [b]) => Number(b) - Number(a)).map(([n, count]) => `${n}/${quorum.nodes} ×${count}`)
      const valid = quorum.validityMs
      lines.push(`redlock: ${quorum.nodes} nodes, quorum ${quorum.quorum} · votes ${votes.join(', ')} · validity min ${formatMs(quorum.minValidityMs)} · p50 ${formatMs(valid.p50)} · max ${formatMs(valid.max)} ms`)
    }
  }
  if (r.reads > 0 || r.readErrors > 0) lines.push(`readers: ${plural(r.reads, 'read')}${r.readErrors > 0 ? style.red(`, ${r.readErrors} failed`) : ''}`)
  for (const [name, { count, samples }] of Object.entries(r.observations)) {
    lines.push(`observed ${name} ×${count}${samples[0] ? `, e.g. ${samples[0]}` : ''}`)
  }
  const faults = faultsText(r.faults, style)
  if (faults) lines.push(`nemesis: ${faults}`)
  const errors = Object.entries(r.errorsByClass).filter(([, count]) => count > 0)
  if (errors.length > 0) lines.push(`database errors: ${errors.map(([name, count]) => `${name} ${count}`).join(', ')}`)
  for (const sample of r.errorSamples) lines.push(style.red(`  error: ${sample}`))
  return lines
}

/**
 * A run over several nodes: each node's share of the outcomes, and the workers that lost it. On a Galera
 * cluster, why lock strategies do not hold there.
 */
function nodeLines(r: RunResult, style: ChalkInstance): string[] {
  if (r.nodes.length <= 1) return []
  const lines = r.nodes.map((node, index) => {
    const counts = OUTCOMES.filter((outcome) => node.outcomes[outcome] > 0).map((outcome) => `${outcome} ${node.outcomes[outcome]}`)
    const stopped = node.stoppedWorkers > 0 ? style.red(` · ${node.stoppedWorkers} of ${plural(node.workers, 'worker')} stopped: node unreachable`) : ''
    const state = node.cluster ? `, ${node.cluster.state}` : ''
    return `  node ${index + 1} ${hostOf(node.url)} (${node.server}${state}): ${plural(node.workers, 'worker')} · ${counts.join(' · ') || 'no operations'}${stopped}`
  })
  const galera = r.nodes.some((node) => node.cluster?.kind === 'galera')
    ? [style.dim('  Galera: row locks, GET_LOCK and SERIALIZABLE bind one node; conflicting writes meet only at commit (certification: error 1213, a conflict to retry)')]
    : []
  return [style.bold('nodes'), ...lines, ...galera]
}

function hostOf(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return url
  }
}

function invariants(r: RunResult, style: ChalkInstance): string[] {
  return [style.bold('invariants'), ...r.invariants.map((i) => `  ${mark(style, i.held)} ${i.name}: ${i.detail}`)]
}

function verdict(r: RunResult, style: ChalkInstance): string {
  const count = r.invariants.length
  if (r.violations === 0) return style.green(count === 1 ? '✔ the 1 invariant held' : `✔ all ${count} invariants held`)
  const note = r.expect === 'unsafe' ? ` (as expected: '${r.strategy}' is unsafe)` : ` ('${r.strategy}' is meant to be safe)`
  return style.red(`✘ ${r.violations} of ${plural(count, 'invariant')} violated`) + note
}

function share(count: number, total: number): string {
  return total === 0 ? '–' : `${((count * 100) / total).toFixed(1)}%`
}

function formatMs(ms: number): string {
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)
}
