import { plural } from '../check/plural.js'
import type { StepEvent } from '../history/event.js'
import { cellWidth, cutToWidth } from './cell-width.js'
import { selectsConstant, sqlForms, sqlVerb } from './sql-text.js'

/**
 * A step (a statement or a Redis command) in the few cells a timeline lane has: what was sent, in
 * the longest short form that fits, and what came back, kept whole wherever it fits: `SELECT … FROM
 * products WHERE id=4 → stock=7 version=3`, `INSERT INTO bookings → 1 row`, `… → ✘ unique 23505`.
 */
export interface StepText {
  /** What was sent, e.g. `UPDATE products SET stock=6 … WHERE id=4`. */
  readonly sent: string
  /** What came back, e.g. `stock=7 version=3`, `0 rows`, `✘ unique 23505`; absent for `BEGIN`. */
  readonly answer?: string
  readonly failed: boolean
}

const READ_VERBS = new Set(['SELECT', 'WITH', 'SHOW', 'VALUES', 'TABLE'])

/** A run's namespace at the start of a Redis key (`racebench_double_booking_3f9a0c1e:`): the same on every key, so left out. */
const REDIS_NAMESPACE = /\bracebench_\w+?_[0-9a-f]{8}:/g

/** What the step got back, in short form. */
export function answerOf(step: StepEvent): { text: string; failed: boolean } | undefined {
  if (step.error !== undefined || step.errorClass !== undefined || step.code !== undefined) {
    const why = [step.errorClass, step.code].filter(Boolean).join(' ') || step.error || 'failed'
    return { text: `✘ ${why}`, failed: true }
  }
  const sql = step.sql
  // A Redis reply: `OK`, `1`, or nil (no row).
  if (sql === undefined) return step.first !== undefined ? { text: step.first, failed: false } : step.rows === 0 ? { text: 'nil', failed: false } : undefined
  if (step.rows === undefined) return step.first === undefined ? undefined : { text: step.first, failed: false }
  const rows = step.rows
  if (READ_VERBS.has(sqlVerb(sql))) {
    if (rows === 0 || step.first === undefined || selectsConstant(sql)) return { text: plural(rows, 'row'), failed: false }
    return { text: rows === 1 ? step.first : `${rows} rows, first ${step.first}`, failed: false }
  }
  return { text: plural(rows, 'row') + (step.first === undefined ? '' : `: ${step.first}`), failed: false }
}

/** The forms of what was sent, longest first. */
function sentForms(step: StepEvent): string[] {
  return step.sql !== undefined ? sqlForms(step.sql, step.params) : redisForms(step.redis ?? '')
}

/**
 * `redis SET lock:slot:7 1:4:9f2c PX 10000 NX`, then without the values (`… PX 10000 NX`: the options
 * are what make it a lock), then the command and its key alone. A script's body becomes `…`.
 */
function redisForms(command: string): string[] {
  const shown = command.replace(REDIS_NAMESPACE, '')
  const words = shown.split(' ')
  if (/^EVAL(SHA)?$/i.test(words[0] ?? '')) return scriptForms(words).map((form) => `redis ${form}`)
  const options = words.slice(2).filter((word, i, rest) => /^[A-Z]+$/.test(word) || /^(PX|EX|PXAT|EXAT)$/i.test(rest[i - 1] ?? ''))
  const forms = [shown]
  if (words.length > 2 + options.length) forms.push([...words.slice(0, 2), '…', ...options].join(' '))
  if (words.length > 2) forms.push(`${words.slice(0, 2).join(' ')} …`)
  return forms.map((form) => `redis ${form}`)
}

/**
 * `EVAL script numkeys key… arg…`, the script shown by its first words (so it has spaces in it):
 * numkeys is the last number with at least that many words after it. Then `EVAL … lock:slot:7
 * 1:4:9f2c`, then `EVAL … lock:slot:7 …`: the keys say what it was about, the arguments do not.
 */
function scriptForms(words: readonly string[]): string[] {
  const whole = words.join(' ')
  for (let i = words.length - 1; i >= 2; i--) {
    const keys = Number(words[i])
    if (!/^\d+$/.test(words[i]!) || keys < 1 || words.length - i - 1 < keys) continue
    const named = words.slice(i + 1, i + 1 + keys)
    const args = words.slice(i + 1 + keys)
    return [whole, [words[0], '…', ...named, ...args].join(' '), [words[0], '…', ...named, ...(args.length > 0 ? ['…'] : [])].join(' ')]
  }
  return [whole, `${words[0]} …`]
}

/**
 * How to shorten what was sent so that one statement reads the same in every row: from which of its
 * forms on (`level`), in how many cells at most (`room`). `stepFit` tells what one row needs.
 */
export interface SentFit {
  readonly level: number
  readonly room: number
}

/**
 * The step in at most `width` cells, `answer` standing for what came back (the step's own answer,
 * or `waiting…` while it was still out). The answer is kept whole when it can be; what was sent is
 * shortened first, to the first of its forms that fits (from `fit.level` on, in `fit.room` at most),
 * and cut only when even the shortest does not fit.
 */
export function stepText(step: StepEvent, width: number, answer = answerOf(step)?.text, fit?: SentFit): StepText {
  const failed = answerOf(step)?.failed ?? false
  const { forms, room: own, shown } = layout(step, width, answer)
  const room = Math.min(own, fit?.room ?? own)
  const from = Math.min(fit?.level ?? 0, forms.length - 1)
  const sent = forms.slice(from).find((form) => cellWidth(form) <= room) ?? cutToWidth(forms[forms.length - 1] ?? '', room)
  return shown === undefined ? { sent, failed } : { sent, answer: shown, failed }
}

/** What this row alone needs: the first form that fits, and the room left beside its answer. */
export function stepFit(step: StepEvent, width: number, answer = answerOf(step)?.text): SentFit {
  const { forms, room } = layout(step, width, answer)
  const level = forms.findIndex((form) => cellWidth(form) <= room)
  return { level: level === -1 ? forms.length - 1 : level, room }
}

function layout(step: StepEvent, width: number, answer: string | undefined): { forms: string[]; room: number; shown?: string } {
  const forms = sentForms(step)
  if (answer === undefined) return { forms, room: width }
  // The answer stays whole if the statement's shortest form (or half the width) still fits beside it.
  const shortest = Math.min(cellWidth(forms[forms.length - 1] ?? ''), Math.floor(width / 2))
  const shown = cellWidth(answer) + 3 + shortest <= width ? answer : shortenedRow(answer, Math.max(8, width - 3 - shortest))
  return { forms, room: width - cellWidth(shown) - 3, shown }
}

/**
 * A first row too long for its cells, by whole fields: its first field, `…`, then as many of its last
 * as fit (`client_id=2 … status=open`, `status=PROCESSING … chunks=0`), since what a check decides on
 * is as often at the end as at the start. A time after it (`(7.2 ms)`) stays if there is room.
 * Anything else is cut.
 */
function shortenedRow(answer: string, width: number): string {
  const [, row = answer, after = ''] = /^(.*?)((?: \([^()]*\))?)$/.exec(answer) ?? []
  return byFields(row, width - cellWidth(after), after) ?? byFields(row, width, '') ?? cutToWidth(answer, width)
}

function byFields(row: string, width: number, after: string): string | undefined {
  const fields = row.split(' ')
  if (fields.length < 3 || !fields.every((field) => field.includes('='))) return undefined
  let tail: string[] = []
  for (let i = fields.length - 1; i > 0; i--) {
    const candidate = [fields[i]!, ...tail]
    if (cellWidth(`${fields[0]} … ${candidate.join(' ')}`) > width) break
    tail = candidate
  }
  return tail.length > 0 ? `${fields[0]} … ${tail.join(' ')}${after}` : undefined
}
