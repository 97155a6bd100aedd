import type { VerifyCell } from './verification.js'

/**
 * What a cell measured, in the matrix's words: `safe 0/3` (declared safe, no run of 3 broke an
 * invariant), `races 3/3` (declared unsafe, every run showed the race), `–` when skipped.
 */
export function measuredText(cell: Pick<VerifyCell, 'declared' | 'runs' | 'violated' | 'verdict'>): string {
  if (cell.verdict === 'skipped') return '–'
  return `${cell.declared === 'safe' ? 'safe' : 'races'} ${cell.violated}/${cell.runs}`
}

/** `lost-update · none`: a row of the matrix. */
export function rowName(cell: Pick<VerifyCell, 'scenario' | 'strategy'>): string {
  return `${cell.scenario} · ${cell.strategy}`
}
