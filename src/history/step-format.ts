import { holdsSecret, MASK } from '../redact.js'

/** A statement longer than this is cut in the history (timelines shorten it further). */
const MAX_SQL = 240
const MAX_PARAM = 40
const MAX_FIELD = 32
const MAX_FIRST_ROW = 96
/** Distinct statements whose collapsed form is remembered: a run sends a handful, over and over. */
const MAX_CACHED = 512

const collapsed = new Map<string, string>()

/** A statement as the history shows it: whitespace collapsed to single spaces, cut at a sensible length. */
export function collapseSql(sql: string): string {
  let shown = collapsed.get(sql)
  if (shown === undefined) {
    shown = cut(sql.replace(/\s+/g, ' ').trim(), MAX_SQL)
    if (collapsed.size < MAX_CACHED) collapsed.set(sql, shown)
  }
  return shown
}

/** A statement's parameters as text, each cut, and masked when it holds a secret racebench was given. */
export function showParams(params: readonly unknown[]): string[] {
  // A loop, not map(): this runs for every statement of a run.
  const shown: string[] = new Array(params.length)
  for (let i = 0; i < params.length; i++) {
    const text = showValue(params[i], MAX_PARAM)
    shown[i] = holdsSecret(text) ? MASK : text
  }
  return shown
}

/**
 * The first row of a result in short form: `count=0`, `version=3 stock=7`. Values are cut, and the
 * whole is cut too: it is there to show what a check read, not to hold the data.
 */
export function showFirstRow(row: unknown): string | undefined {
  if (row === null || typeof row !== 'object') return row === undefined ? undefined : showValue(row, MAX_FIELD)
  // What Object.entries(row).map(…).join(' ') makes, without its arrays: once per statement.
  const fields = row as Record<string, unknown>
  let text = ''
  for (const name of Object.keys(fields)) {
    const field = `${name}=${showValue(fields[name], MAX_FIELD)}`
    text = text === '' ? field : `${text} ${field}`
  }
  return holdsSecret(text) ? MASK : cut(text, MAX_FIRST_ROW)
}

function showValue(value: unknown, max: number): string {
  if (value === null || value === undefined) return 'NULL'
  if (typeof value === 'string') return cut(value, max)
  if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return String(value)
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString()
  if (Buffer.isBuffer(value)) return `<${value.length} bytes>`
  try {
    return cut(JSON.stringify(value) ?? String(value), max)
  } catch {
    return cut(String(value), max)
  }
}

function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`
}
