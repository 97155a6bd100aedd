import type { ChalkInstance } from 'chalk'
import { plural } from '../check/plural.js'
import type { RunResult } from '../run-result.js'
import type { ThresholdResult } from '../thresholds/threshold.js'
import { renderComparison } from './compare-table.js'
import type { Report, ReportContext, RunReport } from './reporter.js'
import { mark } from './style.js'
import { renderRunTable } from './table.js'
import { renderVerifyTable } from './verify-table.js'

/** The `table` reporter: what a person reads at a terminal, for every command. */
export function renderReportTable(report: Report, { style, width }: ReportContext): string {
  switch (report.command) {
    case 'run':
      return renderRunReport(report, style, width)
    case 'compare':
      return renderComparison(report.comparison, style) + thresholdLines(report.thresholds, style)
    case 'verify':
      return renderVerifyTable(report.verification, style, width)
  }
}

/**
 * One run: its table. `--repeat N`: the table of the run that shows most (the first that broke an
 * invariant, with its timeline; else the last), then each run on a line and, per invariant, in how
 * many runs it broke. Then the thresholds and what `--expect violation` made of the verdict.
 */
function renderRunReport(report: RunReport, style: ChalkInstance, width: number): string {
  const { runs } = report
  const shown = runs.find((run) => run.violations > 0) ?? runs.at(-1)!
  let text = renderRunTable(shown, style, { width })
  if (report.repeated) {
    const which = runs.indexOf(shown) + 1
    const lines = ['', style.bold(`${runs.length} runs of the same settings (seed ${shown.seed}); the table above is run ${which}'s`)]
    runs.forEach((run, i) => lines.push(`  run ${String(i + 1).padStart(String(runs.length).length)}  ${runLine(run, style)}`))
    lines.push('', style.bold('invariants over the runs'))
    for (const verdict of report.repeated) {
      const text = `${verdict.violated} of ${plural(verdict.runs, 'run')} violated "${verdict.name}" (${Math.round(verdict.rate * 100)}%)`
      lines.push(`  ${mark(style, verdict.violated === 0)} ${text}`)
    }
    text += lines.join('\n') + '\n'
  }
  text += thresholdLines(report.thresholds, style)
  if (report.expectViolation) text += expectationLine(report, style)
  return text
}

/** `ok 12 · conflict 3 · 512 ops/s · p99 4.1 ms · ✘ 1 violated`. */
function runLine(run: RunResult, style: ChalkInstance): string {
  const counts = (['ok', 'rejected', 'conflict', 'error', 'unknown'] as const).filter((o) => run.outcomes[o] > 0).map((o) => `${o} ${run.outcomes[o]}`)
  const verdict = run.violations === 0 ? style.green('✔ held') : style.red(`✘ ${run.violations} violated`)
  return [...counts, `${run.opsPerSec} ops/s`, `p99 ${run.latencyMs.p99} ms`, verdict].join(' · ')
}

function thresholdLines(thresholds: readonly ThresholdResult[], style: ChalkInstance): string {
  if (thresholds.length === 0) return ''
  const failed = thresholds.filter((threshold) => !threshold.passed).length
  const lines = ['', style.bold('thresholds')]
  for (const threshold of thresholds) lines.push(`  ${mark(style, threshold.passed)} ${threshold.expression}: ${threshold.shown}`)
  lines.push(failed === 0 ? style.green(`✔ all ${plural(thresholds.length, 'threshold')} passed`) : style.red(`✘ ${failed} of ${plural(thresholds.length, 'threshold')} failed`))
  return lines.join('\n') + '\n'
}

/** `--expect violation`: the race was meant to show; say whether it did, in every run. */
function expectationLine(report: RunReport, style: ChalkInstance): string {
  const broke = report.runs.filter((run) => run.violations > 0).length
  const total = report.runs.length
  if (broke === total) return '\n' + style.green(`✔ expected a violation, and ${total === 1 ? 'the run' : `all ${total} runs`} showed one`) + '\n'
  const shown = total === 1 ? 'every invariant held' : broke === 0 ? `none of the ${total} runs showed one` : `only ${broke} of ${total} runs showed one`
  return '\n' + style.red(`✘ expected a violation, but ${shown}`) + '\n'
}
