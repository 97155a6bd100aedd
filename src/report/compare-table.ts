import Table from 'cli-table3'
import type { ChalkInstance } from 'chalk'
import type { Comparison } from '../compare.js'
import { faultsText } from './faults-text.js'
import { nothingTestedLines } from './nothing-tested.js'
import { runSettings } from './run-settings.js'
import { mark, tableLook } from './style.js'

/**
 * Renders a comparison: one row per strategy with outcomes, retries, throughput (also relative to
 * the fastest strategy that held every invariant), latency and its verdict. Pure.
 */
export function renderComparison(comparison: Comparison, style: ChalkInstance): string {
  const first = comparison.strategies[0]?.result
  if (!first) return ''
  const results = comparison.strategies.map((s) => s.result)
  // error and unknown columns only when some strategy had them: most comparisons have none.
  const extra = (['error', 'unknown'] as const).filter((outcome) => results.some((r) => r.outcomes[outcome] > 0))
  // Deadlocks (retried, so not outcomes) only when some strategy met one: what sets lock ordering apart.
  const deadlocks = results.some((r) => r.errorsByClass.deadlock > 0) ? ['deadlocks'] : []
  const table = new Table({
    head: ['strategy', 'expect', 'isolation', 'ok', 'rejected', 'conflict', ...extra, 'retries', ...deadlocks, 'ops/s', 'vs fastest ✔', 'p50 ms', 'p99 ms', 'invariants'],
    colAligns: ['left', 'left', 'left', 'right', 'right', 'right', ...extra.map(() => 'right' as const), 'right', ...deadlocks.map(() => 'right' as const), 'right', 'right', 'right', 'right', 'left'],
    ...tableLook(style),
  })
  for (const { strategy, result: r, held, relativeThroughput } of comparison.strategies) {
    table.push([
      style.bold(strategy),
      r.expect,
      r.isolation,
      r.outcomes.ok,
      r.outcomes.rejected,
      r.outcomes.conflict,
      ...extra.map((outcome) => r.outcomes[outcome]),
      r.retries,
      ...deadlocks.map(() => r.errorsByClass.deadlock),
      r.opsPerSec.toFixed(1),
      relativeThroughput === null ? '–' : `${relativeThroughput.toFixed(2)}×`,
      r.latencyMs.p50.toFixed(2),
      r.latencyMs.p99.toFixed(2),
      `${mark(style, held)} ${held ? 'held' : `${r.violations} violated`}`,
    ])
  }
  const lines = [
    `${style.bold(`compare ${comparison.scenario}`)} · ${first.db.server}${first.db.embedded ? ' (embedded)' : ''}`,
    style.dim(runSettings(first).join(' · ')),
    '',
    table.toString(),
  ]
  for (const { strategy, result } of comparison.strategies) {
    // Each strategy ran under its own nemesis: how many faults hit it is part of reading its row.
    const faults = faultsText(result.faults, style)
    if (faults) lines.push(`  ${strategy}: nemesis ${faults}`)
    for (const invariant of result.invariants.filter((i) => !i.held)) lines.push(style.red(`  ✘ ${strategy}: ${invariant.name}: ${invariant.detail}`))
    const pointer = timelinePointer(comparison.scenario, result)
    if (pointer) lines.push(style.dim(pointer))
    lines.push(...nothingTestedLines(result, style, strategy))
  }
  for (const { strategy, reason } of comparison.skipped) lines.push(style.dim(`  skipped ${strategy}: ${reason}`))
  lines.push('', verdict(comparison, style))
  return lines.join('\n') + '\n'
}

/**
 * For a strategy that broke an invariant: its first broken key, and the run that shows how it broke
 * (the same seed draws the same keys; the interleaving itself is up to the machine).
 */
function timelinePointer(scenario: string, result: Comparison['strategies'][number]['result']): string | undefined {
  const first = result.invariants.find((invariant) => !invariant.held && invariant.broken.length > 0)?.broken[0]
  if (!first) return undefined
  return `    first broken key: ${first.key} (${first.detail}); see how it broke: racebench run ${scenario} --strategy ${result.strategy} --seed ${result.seed}, with the same options`
}

function verdict(comparison: Comparison, style: ChalkInstance): string {
  const surprises = comparison.strategies.filter((s) => !s.asDeclared).map((s) => s.strategy)
  if (surprises.length === 0) return style.green(`✔ every strategy behaved as it declares (safe ones held every invariant)`)
  return style.red(`✘ declared safe but violated an invariant: ${surprises.join(', ')}`)
}
