import { createReadStream, statSync } from 'node:fs'
import { resolve } from 'node:path'
import { UsageError } from '../errors.js'
import { COMPLETION_TYPES, type HistoryEvent, type HistorySink } from './event.js'
import { HISTORY_FORMAT, racebenchVersion, type HistoryFooter, type HistoryHeader } from './history-header.js'
import { OUTCOMES } from './outcome.js'

/** A history file read back whole: its header and footer, and how many events were fed to the sinks. */
export interface ReadHistory {
  /** The file's absolute path. */
  readonly path: string
  readonly header: HistoryHeader
  readonly footer: HistoryFooter
  readonly events: number
}

export interface ReadHistoryOptions {
  /** Every event is appended to each, in file order. */
  readonly sinks: readonly HistorySink[]
  /** Called with the header before any event is read: the place to load the scenario, or to refuse the file. */
  readonly onHeader?: ((header: HistoryHeader) => void | Promise<void>) | undefined
}

/**
 * A line longer than this is no history line (events are a few hundred bytes: SQL and parameters are
 * cut when recorded). Reading stops there instead of holding a whole unrelated file as one line.
 */
const MAX_LINE_CHARS = 1 << 20

/**
 * Reads a `--history` file line by line, never whole (a 10-minute run's file can hold millions of
 * events), checks it is one complete racebench history, and feeds each event to the sinks. Every
 * problem is a UsageError (exit 2) naming the file and, where there is one, the line.
 *
 * Lines are split here rather than by node:readline: a line can then be bounded (MAX_LINE_CHARS),
 * a read error rejects the loop instead of being lost, and a last line without its newline (a write
 * cut short) can be told apart from a malformed one.
 */
export async function readHistory(path: string, options: ReadHistoryOptions): Promise<ReadHistory> {
  const file = resolve(path)
  assertReadable(file)
  const where = (line: number) => `${file} line ${line}`
  let header: HistoryHeader | undefined
  let footer: HistoryFooter | undefined
  let line = 0
  let events = 0

  /** One line; answers the header when this line was it (the caller then awaits `onHeader`). Synchronous: millions of lines. */
  const take = (text: string, complete: boolean): HistoryHeader | undefined => {
    line++
    if (text.trim() === '') return undefined
    if (footer) throw new UsageError(`${where(line)} comes after the run's end: a history file holds one run`)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (error) {
      if (!header) throw notAHistory(file)
      if (!complete) throw cutShort(file, line)
      throw new UsageError(`${where(line)} is not valid JSON (${(error as Error).message.split('\n')[0]}): the file is damaged`)
    }
    if (!header) return (header = checkedHeader(value, file))
    if (isObject(value) && value.type === 'end') {
      footer = checkedFooter(value, where(line))
      return undefined
    }
    const event = checkedEvent(value, () => where(line))
    events++
    for (const sink of options.sinks) sink.append(event)
    return undefined
  }

  let rest = ''
  try {
    for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 64 * 1024 }) as AsyncIterable<string>) {
      let start = 0
      let end: number
      rest += chunk
      while ((end = rest.indexOf('\n', start)) >= 0) {
        const first = take(rest.slice(start, end), true)
        if (first) await options.onHeader?.(first)
        start = end + 1
      }
      rest = rest.slice(start)
      if (rest.length > MAX_LINE_CHARS) throw header ? new UsageError(`${where(line + 1)} is longer than any history event: the file is damaged`) : notAHistory(file)
    }
  } catch (error) {
    if (error instanceof UsageError) throw error
    throw new UsageError(`cannot read the history file ${file}: ${(error as Error).message}`, { cause: error })
  }
  if (rest !== '') {
    const first = take(rest, false)
    if (first) await options.onHeader?.(first)
  }

  if (!header) throw new UsageError(`the history file ${file} is empty: the run wrote nothing (was it stopped before it started?)`)
  if (!footer) throw new UsageError(`${file} ends at line ${line} without the run's end: the run was interrupted or the file was cut`)
  return { path: file, header, footer, events }
}

function assertReadable(file: string): void {
  let isFolder: boolean
  try {
    isFolder = statSync(file).isDirectory()
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`no history file at ${file}`)
    throw new UsageError(`cannot read the history file ${file}: ${code === 'EACCES' ? 'permission denied' : (error as Error).message}`)
  }
  if (isFolder) throw new UsageError(`${file} is a folder, not a history file (written by racebench run --history FILE)`)
}

function notAHistory(file: string): UsageError {
  return new UsageError(`${file} line 1 is not a racebench history header: is it a file written by racebench run --history?`)
}

function cutShort(file: string, line: number): UsageError {
  return new UsageError(`${file} ends at line ${line} in the middle of an event, without the run's end: the run was interrupted or the file was cut`)
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** How a field of a line is checked: its JSON type, `?` when it may be absent. */
type Kind = 'number' | 'string' | 'boolean' | 'strings' | 'object' | 'number|null'
type Shape = Readonly<Record<string, Kind | `${Kind}?`>>

const COMPLETION: Shape = { worker: 'number', iteration: 'number', key: 'string', ms: 'number', errorClass: 'string?', code: 'string?', message: 'string?' }

/**
 * The fields each event type needs (and the types of those it may have), as src/history/event.ts
 * declares them: what consumers and the timeline rely on, so a damaged file is refused here rather
 * than fail later with a stack trace.
 */
const EVENT_SHAPES: Readonly<Record<string, Shape>> = {
  invoke: { worker: 'number', iteration: 'number', key: 'string', attempt: 'number', node: 'number?' },
  ...Object.fromEntries([...COMPLETION_TYPES].map((type) => [type, COMPLETION])),
  step: { worker: 'number?', reader: 'number?', iteration: 'number', ms: 'number', sql: 'string?', redis: 'string?', params: 'strings?', rows: 'number?', first: 'string?', errorClass: 'string?', code: 'string?', error: 'string?' },
  retry: { worker: 'number', iteration: 'number', attempt: 'number', errorClass: 'string?', code: 'string?', message: 'string?' },
  lock: { worker: 'number', iteration: 'number', phase: 'string', ms: 'number?', votes: 'number?', quorum: 'number?', nodes: 'number?', validityMs: 'number?' },
  think: { worker: 'number', iteration: 'number', ms: 'number' },
  note: { worker: 'number?', reader: 'number?', iteration: 'number', name: 'string', detail: 'string' },
  read: { reader: 'number', iteration: 'number', ok: 'boolean', ms: 'number', message: 'string?' },
  nemesis: { fault: 'string', phase: 'string', detail: 'string', worker: 'number?', node: 'number?' },
}

const LOCK_PHASES: ReadonlySet<string> = new Set(['wait', 'acquired', 'not-acquired', 'released', 'lost'])

const HEADER: Shape = {
  racebench: 'string', scenario: 'string', origin: 'string', strategy: 'string', params: 'object', seed: 'number', workers: 'number',
  iterations: 'number|null', durationLimitMs: 'number|null', thinkMs: 'number', isolation: 'string', db: 'object', startedAt: 'string',
}

const FOOTER: Shape = { outcomes: 'object', retries: 'number', durationMs: 'number', violations: 'number' }

/** A shape as a list, checked field by field: this runs for every line of a file of millions. */
type Fields = readonly (readonly [name: string, kind: Kind, optional: boolean])[]

const fieldsOf = (shape: Shape): Fields => Object.entries(shape).map(([name, kind]) => [name, kind.replace('?', '') as Kind, kind.endsWith('?')] as const)
const EVENT_FIELDS: ReadonlyMap<string, Fields> = new Map(Object.entries(EVENT_SHAPES).map(([type, shape]) => [type, fieldsOf(shape)]))

/** The name of the first field of `value` that does not fit `shape`, if any. */
function misfit(value: Record<string, unknown>, shape: Shape | Fields): string | undefined {
  for (const [name, kind, optional] of Array.isArray(shape) ? (shape as Fields) : fieldsOf(shape as Shape)) {
    const field = value[name]
    if (field === undefined && optional) continue
    const fits =
      kind === 'number' ? Number.isFinite(field)
      : kind === 'string' || kind === 'boolean' ? typeof field === kind
      : kind === 'strings' ? Array.isArray(field) && field.every((item) => typeof item === 'string')
      : kind === 'object' ? isObject(field)
      : field === null || Number.isFinite(field)
    if (!fits) return name
  }
  return undefined
}

/** The header line, or why this is not a history this racebench reads. */
function checkedHeader(value: unknown, file: string): HistoryHeader {
  if (!isObject(value) || value.type !== 'run') throw notAHistory(file)
  if (value.format !== HISTORY_FORMAT) {
    const writer = typeof value.racebench === 'string' ? `, written by racebench ${value.racebench}` : ''
    throw new UsageError(`${file} is a history in format ${JSON.stringify(value.format)}${writer}; this racebench (${racebenchVersion()}) reads format ${HISTORY_FORMAT}`)
  }
  const db = isObject(value.db) ? value.db : {}
  const wrong = misfit(value, HEADER) ?? (typeof db.dialect !== 'string' || typeof db.server !== 'string' ? 'db' : undefined)
  if (wrong) throw new UsageError(`${file} line 1: the history header has no valid '${wrong}': the file is damaged`)
  return value as unknown as HistoryHeader
}

/** The footer, its invariants with every field results carry. */
function checkedFooter(value: Record<string, unknown>, where: string): HistoryFooter {
  const outcomes = isObject(value.outcomes) ? value.outcomes : {}
  const wrong =
    misfit(value, FOOTER) ??
    OUTCOMES.map((outcome) => (Number.isFinite(outcomes[outcome]) ? undefined : `outcomes.${outcome}`)).find(Boolean) ??
    (Array.isArray(value.invariants) && value.invariants.every(isInvariant) ? undefined : 'invariants')
  if (wrong) throw new UsageError(`${where}: the run's end has no valid '${wrong}': the file is damaged`)
  const invariants = (value.invariants as Record<string, unknown>[]).map((i) => ({ ...i, broken: i.broken ?? [], offline: i.offline ?? false }))
  return { ...value, invariants } as unknown as HistoryFooter
}

function isInvariant(value: unknown): value is Record<string, unknown> {
  if (!isObject(value) || misfit(value, { name: 'string', held: 'boolean', detail: 'string', offline: 'boolean?' })) return false
  return value.broken === undefined || (Array.isArray(value.broken) && value.broken.every((b) => isObject(b) && !misfit(b, { key: 'string', detail: 'string' })))
}

/** An event line, or why it is none. `where` names the line, made only for a message. */
function checkedEvent(value: unknown, at: () => string): HistoryEvent {
  if (!isObject(value)) throw new UsageError(`${at()} is not a history event (a JSON object): the file is damaged`)
  const type = value.type
  if (type === 'run') throw new UsageError(`${at()} starts another run's history: a history file holds one run`)
  if (!Number.isFinite(value.t)) throw new UsageError(`${at()} is not a history event: it has no time 't' in microseconds`)
  const fields = typeof type === 'string' ? EVENT_FIELDS.get(type) : undefined
  if (!fields) throw new UsageError(`${at()} has an unknown event type ${JSON.stringify(type)}; known: ${[...EVENT_FIELDS.keys()].join(', ')}`)
  const wrong = misfit(value, fields) ?? (type === 'lock' && !LOCK_PHASES.has(value.phase as string) ? 'phase' : undefined)
  if (wrong) throw new UsageError(`${at()}: a '${type}' event needs a valid '${wrong}': the file is damaged`)
  if ((type === 'step' || type === 'note') && value.worker === undefined && value.reader === undefined) {
    throw new UsageError(`${at()}: a '${type}' event needs the 'worker' or 'reader' it belongs to: the file is damaged`)
  }
  return value as unknown as HistoryEvent
}
