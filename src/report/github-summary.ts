import { Chalk } from 'chalk'
import { whyNothingWasTested } from '../check/nothing-tested.js'
import { plural } from '../check/plural.js'
import type { Comparison } from '../compare.js'
import { describeWork } from '../config.js'
import { formatDuration } from '../duration.js'
import { OUTCOMES } from '../history/outcome.js'
import type { Trace } from '../history/trace.js'
import type { RunResult } from '../run-result.js'
import type { ThresholdResult } from '../thresholds/threshold.js'
import { measuredText } from '../verify/measured-text.js'
import { VERIFY_COLUMNS, type Verification, type VerifyCell } from '../verify/verification.js'
import type { Report, RunReport } from './reporter.js'
import { runSettings } from './run-settings.js'
import { renderTimeline } from './timeline.js'
import { codeBlock, cutText, cutToBytes, mdTable, mdText, utf8Bytes } from './markdown.js'

/** GitHub refuses a step summary past 1 MiB; this leaves room for what else the step writes. */
export const GITHUB_SUMMARY_BUDGET = 1_000_000

/**
 * What the text may hold. Tried in order until the summary fits the budget: long details and lists
 * are cut first (a run's own text can be any length), then the timeline goes (one is some 6 KB); a
 * summary that still does not fit is cut at the end.
 */
interface Allowance {
  readonly timelines: boolean
  /** Characters of one detail or message at most. */
  readonly detail: number
  /** Rows of a per-run, per-invariant or per-cell list at most. */
  readonly rows: number
}

const ALLOWANCES: readonly Allowance[] = [
  { timelines: true, detail: Infinity, rows: Infinity },
  { timelines: true, detail: 200, rows: 50 },
  { timelines: false, detail: 200, rows: 50 },
  { timelines: false, detail: 80, rows: 10 },
]

/**
 * A command's result as GitHub-flavoured markdown for `$GITHUB_STEP_SUMMARY`: a heading with the
 * verdict, the settings, the outcomes as a table, ✅/❌ verdicts, thresholds, the `--repeat` tally and
 * the first violation's timeline in a code block. Always under GITHUB_SUMMARY_BUDGET bytes, and when
 * something was left out to get there, the text says so.
 */
export function renderGithubSummary(report: Report): string {
  for (const [index, allowance] of ALLOWANCES.entries()) {
    const text = render(report, allowance)
    const note = index === 0 ? '' : `\n> [!NOTE]\n> ${cutNote(allowance)} to stay under GitHub's 1 MiB step-summary limit; the json reporter has everything.\n`
    if (utf8Bytes(text + note) <= GITHUB_SUMMARY_BUDGET) return text + note
  }
  const note = `\n\n> [!NOTE]\n> The summary was cut here to stay under GitHub's 1 MiB step-summary limit; the json reporter has everything.\n`
  return cutToBytes(render(report, ALLOWANCES.at(-1)!), GITHUB_SUMMARY_BUDGET - utf8Bytes(note)) + note
}

function cutNote(allowance: Allowance): string {
  return allowance.timelines ? 'Long details and lists were cut' : 'The timeline was left out and long details and lists were cut'
}

function render(report: Report, allowance: Allowance): string {
  const parts = report.command === 'run' ? runParts(report, allowance) : report.command === 'compare' ? compareParts(report.comparison, report.thresholds, allowance) : verifyParts(report.verification, allowance)
  return parts.filter((part) => part !== '').join('\n\n') + '\n'
}

const ok = (passed: boolean) => (passed ? '✅' : '❌')

function runParts(report: RunReport, allowance: Allowance): string[] {
  const { runs, repeated, expectViolation, thresholds } = report
  const first = runs[0]
  if (!first) return ['## racebench run', 'No run finished.']
  const expected = expectViolation ? runs.some((run) => run.violations > 0) : true
  // As the junit reporter judges: a violation is a failure only for a strategy declared safe.
  const safeBroke = !expectViolation && first.expect === 'safe' && runs.some((run) => run.violations > 0)
  const passed = expected && !safeBroke && !runs.some((run) => run.nothingTested) && thresholds.every((t) => t.passed)
  const times = runs.length > 1 ? ` × ${runs.length} runs` : ''
  const parts = [`## ${ok(passed)} racebench · ${mdText(first.scenario)} · ${mdText(first.strategy)}${times}`, settingsLine(first, runs)]
  if (repeated === null) {
    parts.push(outcomeTable(first), summaryLine(first), ...problems(runs, allowance), '### Invariants', invariantTable(first, allowance))
  } else {
    const shown = runs.slice(0, allowance.rows)
    const rows = shown.map((run, i) => [i + 1, run.seed, ...OUTCOMES.map((o) => run.outcomes[o]), run.retries, run.opsPerSec, ms(run.latencyMs.p99), run.nothingTested ? '❌ nothing tested' : run.violations > 0 ? `${run.violations} violated` : 'held'])
    parts.push(mdTable(['run', 'seed', ...OUTCOMES, 'retries', 'ops/s', 'p99 ms', 'invariants'], ['right', 'right', ...OUTCOMES.map(() => 'right' as const), 'right', 'right', 'right', 'left'], rows), more(runs.length - shown.length, 'runs'), ...problems(runs, allowance))
    const tally = repeated.map((v) => [v.violated > 0 ? '❌' : '✅', v.name, `${v.violated} of ${v.runs} runs`, `${Math.round(v.rate * 100)}%`])
    parts.push(`### Invariants over ${plural(runs.length, 'run')}`, mdTable(['', 'invariant', 'violated in', 'rate'], ['center', 'left', 'right', 'right'], tally))
  }
  parts.push(`**${mdText(verdictOf(runs, expectViolation))}**`, ...thresholdParts(thresholds))
  parts.push(...timelineParts(runs.flatMap((run) => run.traces), allowance))
  return parts
}

function verdictOf(runs: readonly RunResult[], expectViolation: boolean): string {
  const first = runs[0]!
  const broke = runs.filter((run) => run.violations > 0).length
  const idle = runs.filter((run) => run.nothingTested)
  const of = runs.length > 1 ? ` in ${broke} of ${plural(runs.length, 'run')}` : ''
  if (idle.length > 0 && broke === 0) return `❌ ${whyNothingWasTested(idle[0]!.outcomes) ?? 'no operation got past an error'}: nothing was tested`
  if (expectViolation) return broke > 0 ? `✅ --expect violation: the race showed${of}` : `❌ --expect violation: no invariant was violated${runs.length > 1 ? ` in any of ${runs.length} runs` : ''}`
  if (broke === 0) return `✅ every invariant held${runs.length > 1 ? ` in all ${runs.length} runs` : ''}`
  if (first.expect === 'unsafe') return `✅ as declared: '${first.strategy}' is unsafe, and an invariant was violated${of}`
  return `❌ '${first.strategy}' is declared safe, but an invariant was violated${of}`
}

function settingsLine(first: RunResult, runs: readonly RunResult[]): string {
  const seeds = [...new Set(runs.map((run) => run.seed))]
  // Each run's seed is in the run table; the line names a few.
  const someSeeds = seeds.length > 5 ? `${seeds.slice(0, 5).join(', ')}, … (${seeds.length} in all)` : seeds.join(', ')
  const settings = runSettings(first).map((part) => (part.startsWith('seed ') && seeds.length > 1 ? `seeds ${someSeeds}` : part))
  const server = `${first.db.server}${first.db.embedded ? ' (embedded)' : ''}${first.redis ? ` + ${first.redis.server}` : ''}`
  return mdText([server, first.isolation, `strategy ${first.strategy} (${first.expect})`, ...settings].join(' · '))
}

function outcomeTable(r: RunResult): string {
  const total = OUTCOMES.reduce((sum, outcome) => sum + r.outcomes[outcome], 0)
  const share = (count: number) => (total === 0 ? '–' : `${((count * 100) / total).toFixed(1)}%`)
  const rows = OUTCOMES.map((outcome) => {
    const count = r.outcomes[outcome]
    const l = r.latencyMsByOutcome[outcome]
    return [outcome, count, share(count), ...(count === 0 ? ['–', '–', '–', '–'] : [l.p50, l.p95, l.p99, l.max].map(ms))]
  })
  rows.push(['all', total, share(total), ...[r.latencyMs.p50, r.latencyMs.p95, r.latencyMs.p99, r.latencyMs.max].map(ms)])
  return mdTable(['outcome', 'count', 'share', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'], ['left', 'right', 'right', 'right', 'right', 'right', 'right'], rows)
}

function summaryLine(r: RunResult): string {
  const total = OUTCOMES.reduce((sum, outcome) => sum + r.outcomes[outcome], 0)
  return mdText(`${plural(total, 'operation')} in ${formatDuration(Math.round(r.durationMs))} · ${r.opsPerSec} ops/s · mean ${ms(r.latencyMs.mean)} ms · ${plural(r.retries, 'retry', 'retries')}`)
}

/** Database errors and the kept error messages (of every run, once each), as a list. */
function problems(runs: readonly RunResult[], allowance: Allowance): string[] {
  const counts = new Map<string, number>()
  for (const run of runs) for (const [name, count] of Object.entries(run.errorsByClass)) counts.set(name, (counts.get(name) ?? 0) + count)
  const errors = [...counts].filter(([, count]) => count > 0)
  const samples = [...new Set(runs.flatMap((run) => run.errorSamples))]
  const lines = [...(errors.length > 0 ? [`database errors: ${errors.map(([name, count]) => `${name} ${count}`).join(', ')}`] : []), ...samples.map((s) => `error: ${s}`)]
  return lines.length > 0 ? [listOf(lines, allowance)] : []
}

function invariantTable(r: RunResult, allowance: Allowance): string {
  const shown = r.invariants.slice(0, allowance.rows).map((i) => [ok(i.held), i.name, cutText(i.detail, allowance.detail)])
  return [mdTable(['', 'invariant', 'detail'], ['center', 'left', 'left'], shown), more(r.invariants.length - shown.length, 'invariants')].filter(Boolean).join('\n\n')
}

function thresholdParts(thresholds: readonly ThresholdResult[]): string[] {
  if (thresholds.length === 0) return []
  return ['### Thresholds', mdTable(['', 'threshold', 'measured'], ['center', 'left', 'right'], thresholds.map((t) => [ok(t.passed), t.expression, t.shown]))]
}

/** The first trace's timeline, plain text 100 columns wide (about what a code block in GitHub shows). */
function timelineParts(traces: readonly Trace[], allowance: Allowance, who = ''): string[] {
  const trace = traces[0]
  if (!trace || !allowance.timelines) return []
  const others = traces.length - 1
  const heading = `### How ${who === '' ? 'it' : mdText(who)} broke on ${mdText(trace.key)} (${mdText(trace.invariant)})`
  const timeline = codeBlock(renderTimeline(trace, new Chalk({ level: 0 }), { width: 100 }))
  return [heading, timeline, others > 0 ? mdText(`${plural(others, 'more broken key')} with a trace in the json report.`) : '']
}

function compareParts(comparison: Comparison, thresholds: readonly ThresholdResult[], allowance: Allowance): string[] {
  const first = comparison.strategies[0]?.result
  const passed = comparison.allAsDeclared && !comparison.strategies.some((s) => s.result.nothingTested) && thresholds.every((t) => t.passed)
  const parts = [`## ${ok(passed)} racebench compare · ${mdText(comparison.scenario)}`]
  if (first) parts.push(mdText([`${first.db.server}${first.db.embedded ? ' (embedded)' : ''}`, ...runSettings(first)].join(' · ')))
  const rows = comparison.strategies.map(({ strategy, result: r, held, asDeclared, relativeThroughput }) => [
    strategy,
    r.expect,
    r.isolation,
    r.outcomes.ok,
    r.outcomes.rejected,
    r.outcomes.conflict,
    r.outcomes.error,
    r.retries,
    r.opsPerSec.toFixed(1),
    relativeThroughput === null ? '–' : `${relativeThroughput.toFixed(2)}×`,
    ms(r.latencyMs.p50),
    ms(r.latencyMs.p99),
    r.nothingTested ? '❌ nothing tested' : held ? '✅ held' : `❌ ${r.violations} violated`,
    ok(asDeclared && !r.nothingTested),
  ])
  const right = 'right' as const
  parts.push(mdTable(['strategy', 'expect', 'isolation', 'ok', 'rejected', 'conflict', 'error', 'retries', 'ops/s', 'vs fastest ✅', 'p50 ms', 'p99 ms', 'invariants', 'as declared'], ['left', 'left', 'left', right, right, right, right, right, right, right, right, right, 'left', 'center'], rows))
  const notes = comparison.strategies.flatMap(({ strategy, result }) => result.invariants.filter((i) => !i.held).map((i) => `${strategy}: ${i.name}: ${i.detail}`))
  notes.push(...comparison.skipped.map(({ strategy, reason }) => `skipped ${strategy}: ${reason}`))
  parts.push(listOf(notes, allowance))
  const surprises = comparison.strategies.filter((s) => !s.asDeclared).map((s) => s.strategy)
  parts.push(`**${mdText(surprises.length === 0 ? '✅ every strategy behaved as it declares (safe ones held every invariant)' : `❌ declared safe but violated an invariant: ${surprises.join(', ')}`)}**`)
  parts.push(...thresholdParts(thresholds))
  for (const { strategy, result } of comparison.strategies) {
    parts.push(...timelineParts(result.traces, allowance, strategy))
  }
  return parts
}

function verifyParts(verification: Verification, allowance: Allowance): string[] {
  const { cells, mismatches, repeat } = verification
  const skipped = cells.filter((c) => c.verdict === 'skipped')
  const work = `${describeWork(verification.workers, { iterations: verification.iterations })} · think ${verification.thinkMs}ms · seed ${verification.seed}`
  const parts = [`## ${ok(mismatches === 0)} racebench verify`]
  parts.push(mdText(`${plural(cells.length - skipped.length, 'cell')} checked, ${plural(repeat, 'run')} each, ${skipped.length} skipped · ${work} · ${formatDuration(Math.round(verification.durationMs))}`))
  for (const [index, engine] of verification.engines.entries()) {
    const mine = cells.filter((c) => c.engine === index)
    if (mine.length === 0) continue
    const columns = VERIFY_COLUMNS.filter((column) => mine.some((c) => c.column === column))
    const rows = new Map<string, VerifyCell[]>()
    for (const cell of mine) {
      const key = JSON.stringify([cell.scenario, cell.strategy])
      rows.set(key, rows.get(key) ?? []).get(key)!.push(cell)
    }
    const table = [...rows.values()].map((row) => [row[0]!.scenario, row[0]!.strategy, ...columns.map((column) => cellText(row.find((c) => c.column === column)))])
    const head = columns.map((column) => (column === 'default' ? `default (${engine.defaultIsolation})` : column))
    parts.push(`### ${mdText(`${engine.server}${engine.embedded ? ' (embedded)' : ''}`)}`, mdText(engine.url), mdTable(['scenario', 'strategy', ...head], ['left', 'left', ...columns.map(() => 'center' as const)], table))
  }
  parts.push('✅ as declared · ❌ not as declared · safe k/n: declared safe, k of n runs broke an invariant · races k/n: declared unsafe, k of n runs showed the race')
  const where = (c: VerifyCell) => `${c.scenario} · ${c.strategy} · ${c.column === 'default' ? `default (${c.isolation})` : c.column} on ${c.server}`
  const unexpected = cells.filter((c) => c.verdict === 'unexpected')
  parts.push(listOf(unexpected.map((c) => `❌ ${where(c)}: ${c.reason ?? `declared ${c.declared}, violated in ${c.violated} of ${plural(c.runs, 'run')}`}`), allowance))
  parts.push(listOf(skipped.map((c) => `skipped ${where(c)}: ${c.reason ?? 'not run here'}`), allowance))
  parts.push(`**${mdText(mismatches === 0 ? '✅ every cell behaved as it declares' : `❌ ${plural(mismatches, 'cell')} did not behave as declared`)}**`)
  return parts
}

/** `✅ safe 0/3`: the mark says whether it is as declared, the words what was measured (as the table reporter says it). */
function cellText(cell: VerifyCell | undefined): string {
  if (!cell) return ''
  if (cell.verdict === 'skipped') return '⏭️ skipped'
  return `${ok(cell.verdict === 'as-declared')} ${measuredText(cell)}${cell.untested > 0 ? ` (${cell.untested} untested)` : ''}`
}

/** A bullet list of run text, at most `rows` items of at most `detail` characters. */
function listOf(items: readonly string[], allowance: Allowance): string {
  const shown = items.slice(0, allowance.rows).map((item) => `- ${mdText(cutText(item, allowance.detail))}`)
  return [...shown, more(items.length - shown.length, 'lines')].filter(Boolean).join('\n')
}

function more(left: number, noun: string): string {
  return left > 0 ? `… and ${left} more ${noun} (cut)` : ''
}

function ms(value: number): string {
  return value >= 100 ? value.toFixed(0) : value >= 10 ? value.toFixed(1) : value.toFixed(2)
}
