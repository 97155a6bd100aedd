import { renderJson } from './json.js'
import type { Report } from './reporter.js'

/**
 * The `json` reporter (`--json`). A single run prints its RunResult as ever (the contract of
 * design.md), with `thresholds` added when any were given and `expected: "violation"` with
 * `--expect violation`; `--repeat N` prints `{ scenario, strategy, repeat, invariants, thresholds,
 * runs }` with per-invariant counts; compare prints the array of its runs; verify its matrix.
 */
export function renderReportJson(report: Report): string {
  switch (report.command) {
    case 'run': {
      const extra = {
        ...(report.thresholds.length > 0 ? { thresholds: report.thresholds } : {}),
        ...(report.expectViolation ? { expected: 'violation' } : {}),
      }
      const [first] = report.runs
      if (!report.repeated && first) return renderJson({ ...first, ...extra })
      return renderJson({ scenario: first?.scenario, strategy: first?.strategy, repeat: report.runs.length, invariants: report.repeated, ...extra, runs: report.runs })
    }
    case 'compare':
      return renderJson(report.comparison.strategies.map((strategy) => strategy.result))
    case 'verify':
      return renderJson(report.verification)
  }
}
