import { OUTCOMES, type Outcome, type OutcomeCounts } from '../../history/outcome.js'

/** `0.42`, `3.20`, `12.3`, `1235`: milliseconds as the table shows them; `–` for a number that is not one. */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '–'
  return ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2)
}

/** A count or a rate with at most `digits` decimals, `–` when not finite. */
export function formatNumber(value: number, digits = 1): string {
  if (!Number.isFinite(value)) return '–'
  return String(Number(value.toFixed(digits)))
}

/** `7.5%`, or `–` when there is nothing to share. */
export function formatShare(count: number, total: number): string {
  return total > 0 && Number.isFinite(count) ? `${((count * 100) / total).toFixed(1)}%` : '–'
}

/** Every operation of a run, whatever its outcome. */
export function totalOf(outcomes: OutcomeCounts): number {
  return OUTCOMES.reduce((sum, outcome) => sum + (outcomes[outcome] ?? 0), 0)
}

/** Colours of the outcomes, the same hues the terminal table uses. */
export const OUTCOME_COLORS: Record<Outcome, string> = {
  ok: '#2e7d32',
  rejected: '#1565c0',
  conflict: '#e07b00',
  error: '#c62828',
  unknown: '#7b1fa2',
}

/** Held / violated: colour only repeats the ✔ or ✘ next to it. */
export const VERDICT_COLORS = { held: '#2e7d32', violated: '#c62828', neutral: '#546e7a' } as const
