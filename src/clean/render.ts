import type { ChalkInstance } from 'chalk'
import { plural } from '../check/plural.js'
import type { CleanItem, CleanReport } from './finding.js'

/** How many leftovers the report found, removed and failed to remove, and how many it kept. */
export function countsOf(report: CleanReport) {
  const count = (...states: CleanItem['state'][]) => report.items.filter((item) => states.includes(item.state)).length
  return { leftovers: count('leftover', 'removed', 'failed'), removed: count('removed'), failed: count('failed'), kept: count('in use', 'unsure') }
}

/** `schema racebench_x_0123abcd on PostgreSQL at 127.0.0.1:5432, database postgres` */
export function describeItem(item: CleanItem): string {
  return `${item.kind} ${item.name}${item.where ? ` on ${item.where}` : ''}`
}

/** The warning for a leftover that could not be removed (stderr, one line). */
export function failureLine(item: CleanItem): string {
  return `could not remove ${describeItem(item)}: ${item.note ?? 'unknown reason'}`
}

/**
 * The text report: one line per thing found (failures are warned about on stderr instead), then one
 * line that says what to do next or what was done.
 */
export function renderCleanText(report: CleanReport, style: ChalkInstance): string {
  const prefix: Record<CleanItem['state'], string> = {
    leftover: style.yellow('leftover:'),
    removed: style.green('removed:'),
    'in use': style.dim('in use, kept:'),
    unsure: style.dim('kept:'),
    failed: '',
  }
  const lines = report.items
    .filter((item) => item.state !== 'failed')
    .map((item) => `${prefix[item.state]} ${describeItem(item)} (${item.state === 'removed' && item.note ? item.note : item.detail})`)
  return [...lines, summaryLine(report)].join('\n') + '\n'
}

function summaryLine(report: CleanReport): string {
  const { leftovers, removed, failed } = countsOf(report)
  if (leftovers === 0) return 'nothing to clean'
  if (report.dryRun) return `${plural(leftovers, 'leftover')}; run again with --yes to remove them`
  if (failed === 0) return `removed ${plural(removed, 'leftover')}`
  return `removed ${removed} of ${plural(leftovers, 'leftover')}; ${failed} could not be removed (see the warnings above)`
}

/** The `--json` document: the counts, then every item with its state. */
export function renderCleanJson(report: CleanReport): string {
  return JSON.stringify({ dryRun: report.dryRun, ...countsOf(report), items: report.items }, null, 2) + '\n'
}
