import Table from 'cli-table3'
import type { ChalkInstance } from 'chalk'
import { DEFAULTS } from '../config.js'
import { formatDuration } from '../duration.js'
import { plural } from '../check/plural.js'
import { measuredText, rowName } from '../verify/measured-text.js'
import { VERIFY_COLUMNS, type Verification, type VerifyCell } from '../verify/verification.js'
import { cellWidth, wrapToWidth } from './cell-width.js'
import { tableLook } from './style.js'

/** Column heads, the long levels on two lines so the matrix fits 100 columns. */
const HEADS: Readonly<Record<(typeof VERIFY_COLUMNS)[number], string>> = {
  default: 'default',
  'read committed': 'read\ncommitted',
  'repeatable read': 'repeatable\nread',
  serializable: 'serializable',
}

const LEGEND =
  'safe n/N: declared safe, n of N runs broke an invariant · races n/N: declared unsafe, n of N runs showed the race · ✘ not as declared · – skipped · ·: a strategy with a fixed level runs once, in its column'

/**
 * The matrix of `racebench verify`, one table per engine: a row per scenario · strategy, a column
 * per isolation level (`default`: no --isolation), each cell what the strategy declares against what
 * was measured: `safe 0/3` (green), `races 3/3` (yellow: the race it declares showed), `✘ unexpected:
 * safe 1/3` (red), `–` skipped. Then what was unexpected or skipped, the totals and the seed. Pure.
 */
export function renderVerifyTable(verification: Verification, style: ChalkInstance, width: number): string {
  const lines: string[] = []
  verification.engines.forEach((engine, index) => {
    const cells = verification.cells.filter((cell) => cell.engine === index)
    lines.push(
      `${style.bold('verify')} · ${engine.server}${engine.embedded ? ' (embedded)' : ''}`,
      ...wrapToWidth(`default: no --isolation, so each statement autocommits unless the strategy opens a transaction; the server's level: ${engine.defaultIsolation}`, width, '  ').map((line) => style.dim(line)),
      matrix(cells, style, width),
      ...notes(cells, verification, style, width),
      '',
    )
  })
  const counted = verification.cells
  const skipped = counted.filter((cell) => cell.verdict === 'skipped').length
  const settings = `${plural(verification.repeat, 'run')} per cell · ${plural(verification.workers, 'worker')} × ${plural(verification.iterations, 'iteration')} · think ${formatDuration(verification.thinkMs)}`
  lines.push(
    ...wrapToWidth(LEGEND, width).map((line) => style.dim(line)),
    style.dim(settings),
    `${plural(counted.length, 'cell')}, ${verification.mismatches} unexpected, ${skipped} skipped · seed ${verification.seed} · ${formatDuration(verification.durationMs)}`,
    verification.mismatches === 0
      ? style.green('✔ every strategy behaved as it declares')
      : style.red(`✘ ${plural(verification.mismatches, 'cell')} did not behave as declared`),
  )
  return lines.join('\n') + '\n'
}

/** One engine's table; an unexpected cell says so in full when the table still fits the width. */
function matrix(cells: readonly VerifyCell[], style: ChalkInstance, width: number): string {
  const full = grid(cells, style, true)
  return widest(full) <= width ? full : grid(cells, style, false)
}

function grid(cells: readonly VerifyCell[], style: ChalkInstance, spelled: boolean): string {
  const table = new Table({ head: ['scenario · strategy', ...VERIFY_COLUMNS.map((column) => HEADS[column])], ...tableLook(style) })
  for (const row of [...new Set(cells.map(rowName))]) {
    const inRow = cells.filter((cell) => rowName(cell) === row)
    table.push([row, ...VERIFY_COLUMNS.map((column) => cellText(inRow.find((cell) => cell.column === column), style, spelled))])
  }
  return table.toString()
}

function cellText(cell: VerifyCell | undefined, style: ChalkInstance, spelled: boolean): string {
  if (!cell) return style.dim('·')
  if (cell.verdict === 'skipped') return style.dim('–')
  const text = measuredText(cell)
  if (cell.verdict === 'unexpected') return style.red(`✘ ${spelled ? 'unexpected: ' : ''}${text}`)
  return cell.declared === 'safe' ? style.green(text) : style.yellow(text)
}

/** Under an engine's table: each unexpected cell with what it measured and how to rerun it, then why rows were skipped. */
function notes(cells: readonly VerifyCell[], verification: Verification, style: ChalkInstance, width: number): string[] {
  const lines: string[] = []
  for (const cell of cells.filter((c) => c.verdict === 'unexpected')) {
    const isolation = cell.column === 'default' ? '' : ` --isolation ${cell.column.replace(/ /g, '-')}`
    const think = verification.thinkMs === DEFAULTS.thinkMs ? '' : ` --think ${formatDuration(verification.thinkMs)}`
    const rerun = `racebench run ${cell.scenario} --strategy ${cell.strategy}${isolation} --seed ${verification.seed} -w ${verification.workers} -n ${verification.iterations}${think}`
    const text = `✘ ${rowName(cell)} · ${cell.column}: ${cell.reason ?? measuredText(cell)}; rerun: ${rerun}`
    lines.push(...wrapToWidth(text, width, '    ').map((line) => style.red(line)))
  }
  const skipped = new Map<string, string>()
  for (const cell of cells.filter((c) => c.verdict === 'skipped')) if (!skipped.has(rowName(cell))) skipped.set(rowName(cell), cell.reason ?? '')
  for (const [row, reason] of skipped) lines.push(...wrapToWidth(`– ${row}: ${reason}`, width, '    ').map((line) => style.dim(line)))
  return lines
}

function widest(text: string): number {
  return Math.max(0, ...text.split('\n').map(cellWidth))
}
