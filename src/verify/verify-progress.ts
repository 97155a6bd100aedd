import { plural } from '../check/plural.js'
import { formatDuration } from '../duration.js'
import { measuredText, rowName } from './measured-text.js'
import type { VerifyCell, VerifyColumn } from './verification.js'

/** Where a cell stands in the matrix: its number among the cells that run, from 1. */
export interface CellPosition {
  readonly index: number
  readonly total: number
}

/** What `verifyMatrix` tells as it goes: listeners only read, nothing they do changes the matrix. */
export interface VerifyProgress {
  /** An engine's cells begin: its address (password masked), cells to run on it, runs per cell, the seed. */
  engine?(where: string, cells: number, repeat: number, seed: number): void
  /** A run of a cell begins (run counts from 1). */
  run?(cell: { readonly scenario: string; readonly strategy: string; readonly column: VerifyColumn }, run: number, position: CellPosition): void
  /** A cell has its verdict. */
  cell?(cell: VerifyCell, position: CellPosition): void
  /** The matrix is done (or stopped): clear whatever was drawn in place. */
  end?(): void
}

/**
 * The matrix's progress on stderr. On a terminal: one line rewritten in place (cell, run), cleared
 * at the end so the table stands alone. Elsewhere (CI logs, pipes): a line per engine and one per
 * cell as it is judged, never rewritten; stdout is never touched.
 */
export function showVerifyProgress(stream: NodeJS.WriteStream): VerifyProgress {
  const engine = (where: string, cells: number, repeat: number, seed: number) =>
    `racebench: verifying ${plural(cells, 'cell')} × ${plural(repeat, 'run')} on ${where}, seed ${seed}`
  if (!stream.isTTY) {
    return {
      engine: (...args) => stream.write(`${engine(...args)}\n`),
      cell: (cell, { index, total }) => {
        const verdict = cell.verdict === 'unexpected' ? `✘ unexpected: ${measuredText(cell)}` : measuredText(cell)
        stream.write(`racebench: [${index}/${total}] ${rowName(cell)} · ${cell.column}: ${verdict} (${formatDuration(Math.round(cell.durationMs))})\n`)
      },
    }
  }
  // Cut to the terminal's width: a line that wraps could no longer be rewritten in place.
  const show = (text: string) => stream.write(`\r\x1b[K${text.slice(0, Math.max(20, (stream.columns || 80) - 1))}`)
  return {
    engine: (...args) => show(`${engine(...args)}…`),
    run: (cell, run, { index, total }) => show(`racebench: [${index}/${total}] ${rowName(cell)} · ${cell.column}, run ${run}…`),
    end: () => show(''),
  }
}
