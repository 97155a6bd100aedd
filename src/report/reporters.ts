import type { Report, ReportContext, Reporter } from './reporter.js'
import type { ReporterName } from './reporter-names.js'

/**
 * Every reporter, by the name `--reporter` takes. Each renderer's module is imported only when it is
 * used: a run that prints a table never loads the HTML page's code.
 */
const REPORTERS: Readonly<Record<ReporterName, Omit<Reporter, 'render'> & { load(): Promise<Reporter['render']> }>> = {
  table: {
    name: 'table',
    summary: 'the table a person reads (the default)',
    load: async () => (await import('./report-table.js')).renderReportTable,
  },
  json: {
    name: 'json',
    summary: 'one JSON document (the same as --json)',
    load: async () => (await import('./report-json.js')).renderReportJson,
  },
  junit: {
    name: 'junit',
    summary: 'JUnit XML: a test suite per scenario·strategy·engine, a test case per invariant',
    load: async () => (await import('./junit.js')).renderJunit,
  },
  github: {
    name: 'github',
    summary: "a markdown summary, appended to $GITHUB_STEP_SUMMARY when it is set",
    load: async () => (await import('./github-summary.js')).renderGithubSummary,
  },
  html: {
    name: 'html',
    summary: 'one self-contained HTML page with charts, for a browser (no network needed)',
    load: async () => (await import('./html/html-report.js')).renderHtmlReport,
  },
}

/** Renders a command's result in one format. */
export async function renderReport(name: ReporterName, report: Report, context: ReportContext): Promise<string> {
  const render = await REPORTERS[name].load()
  return render(report, context)
}

/** `table: the table a person reads (the default)`, one per reporter, for help texts. */
export function reporterSummaries(): string[] {
  return Object.values(REPORTERS).map((reporter) => `${reporter.name}: ${reporter.summary}`)
}
