import type { Report } from '../reporter.js'
import { compareReportBody } from './compare-report.js'
import { html, type Html } from './html.js'
import { htmlPage } from './page.js'
import { runReportBody } from './run-report.js'
import { verifyReportBody } from './verify-report.js'

/**
 * `--reporter html`: a command's whole result as one self-contained page: its style inline, charts
 * drawn as inline SVG, no script, and a policy that forbids every request, so it opens offline from
 * a CI artifact exactly as it was written. Pure: the same report gives the same bytes (no clock, no
 * randomness), and every string from the run is escaped.
 */
export function renderHtmlReport(report: Report): string {
  return htmlPage(titleOf(report), html`${bodyOf(report)}<footer>Made by racebench.</footer>`)
}

function bodyOf(report: Report): Html {
  switch (report.command) {
    case 'run':
      return runReportBody(report)
    case 'compare':
      return compareReportBody(report)
    case 'verify':
      return verifyReportBody(report)
  }
}

function titleOf(report: Report): string {
  switch (report.command) {
    case 'run': {
      const r = report.runs[0]
      return r ? `racebench run ${r.scenario} · ${r.strategy}` : 'racebench run'
    }
    case 'compare':
      return `racebench compare ${report.comparison.scenario}`
    case 'verify':
      return 'racebench verify'
  }
}
