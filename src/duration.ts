const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 } as const

/** The units a time option takes, as `parseDuration` reads them. */
export type TimeUnit = keyof typeof UNIT_MS

/**
 * Parses `500ms`, `10s`, `1.5m`, `2h` into milliseconds (rounded). A bare number is taken in
 * `bareUnit`, as pgbench's `-T 10` means seconds. Returns undefined for anything else,
 * including negative values. The result may be huge (`999999999h`): callers check the range.
 */
export function parseDuration(value: number | string, bareUnit: TimeUnit): number | undefined {
  const match = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(String(value))
  if (!match) return undefined
  const unit = (match[2] ?? bareUnit) as TimeUnit
  return Math.round(Number(match[1]) * UNIT_MS[unit])
}

/** 1500 → `1.5s`, 250 → `250ms`, 3600000 → `1h`: how settings and ranges are shown back to the user. */
export function formatDuration(ms: number): string {
  if (ms < 1_000) return `${ms}ms`
  if (ms < 60_000) return `${+(ms / 1_000).toFixed(2)}s`
  if (ms < 3_600_000) return `${+(ms / 60_000).toFixed(2)}m`
  return `${+(ms / 3_600_000).toFixed(2)}h`
}
