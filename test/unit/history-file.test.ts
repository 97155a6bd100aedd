import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { ExitCode, OutputError, UsageError } from '../../src/errors.js'
import type { HistoryEvent, HistorySink } from '../../src/history/event.js'
import { openHistoryFile } from '../../src/history/history-file.js'
import { historyHeader, type HistoryFooter, type HistoryHeader } from '../../src/history/history-header.js'
import { readHistory } from '../../src/history/read-history.js'
import { showHistory } from '../../src/show-history.js'

const dir = mkdtempSync(join(tmpdir(), 'racebench-history-test-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const fileIn = () => join(dir, `history-${++files}.jsonl`)

const header: HistoryHeader = historyHeader({
  scenario: 'double-booking',
  origin: 'built-in',
  strategy: 'none',
  params: { rooms: 5, nights: 5 },
  seed: 42,
  workers: 2,
  iterations: 1,
  durationLimitMs: null,
  thinkMs: 10,
  isolation: 'read committed',
  db: { dialect: 'postgres', server: 'PostgreSQL 18.4' },
  startedAt: '2025-01-01T00:00:00.000Z',
})

const slot = { room: 2, night: 3 }
/** Two workers both find room 2 night 3 free, and both book it: the race, by hand. */
const race: HistoryEvent[] = [
  { t: 10, type: 'invoke', worker: 0, iteration: 0, key: 'room 2 night 3', keyValue: slot, attempt: 0 },
  { t: 12, type: 'invoke', worker: 1, iteration: 0, key: 'room 2 night 3', keyValue: slot, attempt: 0 },
  { t: 15, type: 'step', worker: 0, iteration: 0, sql: 'SELECT 1 FROM bookings WHERE room_id = $1 AND night = $2', params: ['2', '3'], rows: 0, ms: 0.4 },
  { t: 16, type: 'step', worker: 1, iteration: 0, sql: 'SELECT 1 FROM bookings WHERE room_id = $1 AND night = $2', params: ['2', '3'], rows: 0, ms: 0.4 },
  { t: 20, type: 'think', worker: 0, iteration: 0, ms: 10 },
  { t: 21, type: 'think', worker: 1, iteration: 0, ms: 10 },
  { t: 10_030, type: 'step', worker: 0, iteration: 0, sql: 'INSERT INTO bookings (room_id, night, guest) VALUES ($1, $2, $3)', rows: 1, ms: 0.6 },
  { t: 10_031, type: 'step', worker: 1, iteration: 0, sql: 'INSERT INTO bookings (room_id, night, guest) VALUES ($1, $2, $3)', rows: 1, ms: 0.6 },
  { t: 10_040, type: 'ok', worker: 0, iteration: 0, key: 'room 2 night 3', ms: 10.03 },
  { t: 10_041, type: 'ok', worker: 1, iteration: 0, key: 'room 2 night 3', ms: 10.029 },
]

const footer: HistoryFooter = {
  type: 'end',
  outcomes: { ok: 2, rejected: 0, conflict: 0, error: 0, unknown: 0 },
  retries: 0,
  durationMs: 10.1,
  invariants: [
    { name: 'no double booking', held: false, detail: 'room 2 on night 3 has 2 active bookings', broken: [{ key: 'room 2 night 3', keyValue: slot, detail: '2 active bookings' }], offline: false },
    { name: 'active bookings = ok outcomes', held: true, detail: '2 active bookings, 2 acknowledged', broken: [], offline: false },
  ],
  violations: 1,
}

function writeHistory(events: readonly HistoryEvent[], end: HistoryFooter | undefined = footer, start: HistoryHeader = header): string {
  const path = fileIn()
  const file = openHistoryFile(path, start)
  for (const event of events) file.append(event)
  if (end) file.finish(end)
  file.close()
  expect(file.failure).toBeUndefined()
  return path
}

/** A sink that keeps what it is given, as consumers of the history do. */
function collector(): HistorySink & { events: HistoryEvent[] } {
  const events: HistoryEvent[] = []
  return { events, append: (event) => void events.push(event) }
}

/** The one line a bad file gives: a UsageError (exit 2), its message. */
async function problemOf(path: string): Promise<string> {
  const error = await readHistory(path, { sinks: [] }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(UsageError)
  expect((error as UsageError).exitCode).toBe(ExitCode.Usage)
  expect((error as Error).message).not.toContain('\n')
  return (error as Error).message
}

const lines = (...values: readonly unknown[]) => values.map((value) => (typeof value === 'string' ? value : JSON.stringify(value))).join('\n') + '\n'

describe('the history file', () => {
  it('holds a header, each event exactly as appended, one per line, and a footer', () => {
    const path = writeHistory(race)
    const written = readFileSync(path, 'utf8').split('\n')
    expect(written).toEqual([JSON.stringify(header), ...race.map((event) => JSON.stringify(event)), JSON.stringify(footer), ''])
    expect(JSON.parse(written[0] ?? '')).toMatchObject({ type: 'run', format: 1, racebench: expect.stringMatching(/^\d+\.\d+\.\d+/) })
  })

  it('reads back to the same header, events (in order, to every sink) and footer', async () => {
    const path = writeHistory(race)
    const [a, b] = [collector(), collector()]
    const read = await readHistory(path, { sinks: [a, b] })
    expect(read).toMatchObject({ path, header, footer, events: race.length })
    expect(a.events).toEqual(race)
    expect(b.events).toEqual(race)
  })

  it('can be opened before the header is known: events wait for it, and the header still comes first', async () => {
    const path = fileIn()
    const file = openHistoryFile(path)
    file.append(race[0] as HistoryEvent)
    file.start(header)
    for (const event of race.slice(1)) file.append(event)
    file.finish(footer)
    file.close()
    const sink = collector()
    expect((await readHistory(path, { sinks: [sink] })).header).toEqual(header)
    expect(sink.events).toEqual(race)
  })

  it('refuses a path it cannot write, before anything runs: one line naming the path and why', () => {
    const missing = join(dir, 'no-such-folder', 'h.jsonl')
    expect(() => openHistoryFile(missing, header)).toThrow(new UsageError(`cannot write the history to ${missing}: no such folder`))
    const folder = join(dir, 'a-folder')
    mkdirSync(folder)
    expect(() => openHistoryFile(folder, header)).toThrow(new UsageError(`cannot write the history to ${folder}: it is a folder`))
  })

  it('keeps a failed write (disk full) as its failure instead of throwing in the run', () => {
    const file = openHistoryFile('/dev/full', header)
    for (let i = 0; i < 2_000; i++) for (const event of race) file.append(event) // past one batch: writes now
    expect(file.failure).toBeInstanceOf(OutputError)
    expect(() => file.finish(footer)).not.toThrow()
    expect(() => file.close()).not.toThrow()
    expect(file.failure?.message).toBe('could not write the history to /dev/full (no space left on device): the file is incomplete')
  })

  it('writes each event on a line of its own, whatever its fields hold', () => {
    // Events become JSON 128 at a time (one JSON.stringify), split where one event ends and the next
    // opens with its time: nothing an event holds may move that split.
    const nested = { t: 1, type: 'invoke', worker: 0, iteration: 0, key: 'k', keyValue: [{ a: 1 }, { t: 2 }], attempt: 0 } // a boundary inside
    const text = { t: 2, type: 'note', worker: 0, iteration: 0, name: 'text', detail: '},{"t":3} \n \u0000racebench-history-line\u0000 café 🚀 \ud800' }
    const timeSecond = { type: 'note', t: 3, worker: 1, iteration: 0, name: 'order', detail: 'its time is not its first field' } // a boundary missing
    const timeless = { t: undefined, type: 'note', worker: 1, iteration: 0, name: 'no time', detail: 'JSON leaves its t out' }
    const batch = (...odd: object[]) => Array.from({ length: 128 }, (_, i) => (odd[i] ?? race[i % race.length]) as HistoryEvent)
    // One batch per case (the last, 44 events, with nothing odd), and a boundary too many and one too few in the same batch.
    const events = [...batch(nested, text), ...batch(timeSecond), ...batch(timeless), ...batch(text, timeSecond, nested), ...batch().slice(0, 44)]
    const written = readFileSync(writeHistory(events), 'utf8').split('\n')
    expect(written.slice(1, -2)).toEqual(events.map((event) => JSON.stringify(event)))
  })

  it('writes a key JSON cannot hold as text rather than lose the event', async () => {
    const odd = { ...race[0], keyValue: 12n } as unknown as HistoryEvent
    const sink = collector()
    await readHistory(writeHistory([odd, ...race.slice(1)]), { sinks: [sink] })
    expect(sink.events[0]).toMatchObject({ type: 'invoke', keyValue: '12' })
  })

  it('streams a large file through the sinks event by event', async () => {
    const path = fileIn()
    const file = openHistoryFile(path, header)
    const operations = 50_000
    for (let i = 0; i < operations; i++) {
      file.append({ t: i * 3, type: 'invoke', worker: i % 8, iteration: i, key: `room ${i % 5} night 1`, keyValue: { room: i % 5, night: 1 }, attempt: 0 })
      file.append({ t: i * 3 + 1, type: 'step', worker: i % 8, iteration: i, sql: 'SELECT 1 FROM bookings WHERE room_id = $1 AND night = $2 AND status = $3', rows: 0, ms: 0.2 })
      file.append({ t: i * 3 + 2, type: 'rejected', worker: i % 8, iteration: i, key: `room ${i % 5} night 1`, ms: 0.3 })
    }
    file.finish({ ...footer, outcomes: { ...footer.outcomes, ok: 0, rejected: operations } })
    file.close()
    expect(file.failure).toBeUndefined()
    let count = 0
    let lastT = -1
    let ordered = true
    const read = await readHistory(path, {
      sinks: [
        {
          append: (event) => {
            count++
            ordered &&= event.t > lastT
            lastT = event.t
          },
        },
      ],
    })
    expect(read.events).toBe(3 * operations)
    expect(count).toBe(3 * operations)
    expect(ordered).toBe(true)
  })
})

describe('a bad history file: one line, exit 2', () => {
  const good = readFileSync(writeHistory(race), 'utf8')
  const withText = (text: string) => {
    const path = fileIn()
    writeFileSync(path, text)
    return path
  }

  it('missing, a folder, or empty', async () => {
    const missing = join(dir, 'nothing-here.jsonl')
    expect(await problemOf(missing)).toBe(`no history file at ${missing}`)
    expect(await problemOf(dir)).toBe(`${dir} is a folder, not a history file (written by racebench run --history FILE)`)
    const empty = withText('')
    expect(await problemOf(empty)).toBe(`the history file ${empty} is empty: the run wrote nothing (was it stopped before it started?)`)
  })

  it('not a history at all', async () => {
    const csv = withText('room,night\n2,3\n')
    expect(await problemOf(csv)).toBe(`${csv} line 1 is not a racebench history header: is it a file written by racebench run --history?`)
    const json = withText('{"hello":"world"}\n')
    expect(await problemOf(json)).toBe(`${json} line 1 is not a racebench history header: is it a file written by racebench run --history?`)
    const binary = withText('x'.repeat(3 << 20))
    expect(await problemOf(binary)).toContain(`${binary} line 1 is not a racebench history header`)
  })

  it('a format this racebench does not read', async () => {
    const path = withText(lines({ ...header, format: 2, racebench: '9.0.0' }, ...race, footer))
    expect(await problemOf(path)).toMatch(new RegExp(`^${path} is a history in format 2, written by racebench 9.0.0; this racebench \\(.+\\) reads format 1$`))
  })

  it('malformed JSON, named by line', async () => {
    const all = good.split('\n')
    all[3] = '{"t":15,"type":"step",'
    const path = withText(all.join('\n'))
    expect(await problemOf(path)).toMatch(new RegExp(`^${path} line 4 is not valid JSON \\(.+\\): the file is damaged$`))
  })

  it('cut short: no end, or a last line cut in the middle', async () => {
    const noEnd = withText(lines(header, ...race))
    expect(await problemOf(noEnd)).toBe(`${noEnd} ends at line ${race.length + 1} without the run's end: the run was interrupted or the file was cut`)
    const cut = withText(good.slice(0, good.length - 20))
    expect(await problemOf(cut)).toBe(`${cut} ends at line ${race.length + 2} in the middle of an event, without the run's end: the run was interrupted or the file was cut`)
  })

  it('an event that is none, or lacks what its type needs', async () => {
    const cases: [unknown, string][] = [
      [[1, 2], 'is not a history event (a JSON object): the file is damaged'],
      [{ type: 'ok', worker: 0 }, "is not a history event: it has no time 't' in microseconds"],
      [{ t: 1, type: 'teleport' }, 'has an unknown event type "teleport"; known: invoke, ok, rejected, conflict, error, unknown, step, retry, lock, think, note, read, nemesis'],
      [{ t: 1, type: 'ok', worker: 0, iteration: 0, ms: 1 }, ": a 'ok' event needs a valid 'key': the file is damaged"],
      [{ t: 1, type: 'step', worker: 0, iteration: 0, ms: 1, sql: 42 }, ": a 'step' event needs a valid 'sql': the file is damaged"],
      [{ t: 1, type: 'step', iteration: 0, ms: 1 }, ": a 'step' event needs the 'worker' or 'reader' it belongs to: the file is damaged"],
      [{ t: 1, type: 'lock', worker: 0, iteration: 0, phase: 'stolen' }, ": a 'lock' event needs a valid 'phase': the file is damaged"],
      [header, "starts another run's history: a history file holds one run"],
    ]
    for (const [event, problem] of cases) {
      const path = withText(lines(header, race[0], event, footer))
      expect(await problemOf(path)).toBe(`${path} line 3 ${problem}`.replace(' line 3 :', ' line 3:'))
    }
  })

  it('a damaged end, or anything after it', async () => {
    const badEnd = withText(lines(header, ...race, { ...footer, outcomes: { ok: 2 } }))
    expect(await problemOf(badEnd)).toBe(`${badEnd} line ${race.length + 2}: the run's end has no valid 'outcomes.rejected': the file is damaged`)
    const after = withText(good + JSON.stringify(race[0]) + '\n')
    expect(await problemOf(after)).toBe(`${after} line ${race.length + 3} comes after the run's end: a history file holds one run`)
  })
})

describe('showHistory: a history file checked again, without a database', () => {
  it('takes the verdicts that read the final state from the file, and draws the broken key', async () => {
    const shown = await showHistory(writeHistory(race), { show: 1 })
    expect(shown.outcomes).toEqual(footer.outcomes)
    expect(shown.invariants.map((i) => [i.name, i.held, i.rechecked])).toEqual([
      ['no double booking', false, false],
      ['active bookings = ok outcomes', true, false],
    ])
    expect(shown.violations).toBe(1)
    expect(shown.traces).toHaveLength(1)
    expect(shown.traces[0]).toMatchObject({ invariant: 'no double booking', key: 'room 2 night 3' })
    expect(shown.traces[0]?.operations.map((op) => [op.worker, op.outcome])).toEqual([
      [0, 'ok'],
      [1, 'ok'],
    ])
  })

  it('checks offline invariants again on the history: a reader that saw a document short of chunks', async () => {
    const start = historyHeader({ ...header, scenario: 'duplicate-chunk-insert', params: { documents: 10, chunks: 5, readers: 1 } })
    const events: HistoryEvent[] = [
      { t: 5, type: 'read', reader: 0, iteration: 0, ok: true, ms: 0.5 },
      { t: 6, type: 'note', reader: 0, iteration: 0, name: 'partial read', detail: 'document 3 was COMPLETED with 2 of 5 chunks' },
    ]
    // The file says it held: `show` finds otherwise, because it checks the history itself.
    const recorded = { name: 'no reader saw a COMPLETED document short of chunks', held: true, detail: 'recorded', broken: [], offline: true }
    const end: HistoryFooter = { ...footer, outcomes: { ...footer.outcomes, ok: 0 }, invariants: [recorded], violations: 0 }
    const shown = await showHistory(writeHistory(events, end, start))
    expect(shown.invariants).toEqual([
      expect.objectContaining({ name: recorded.name, held: false, rechecked: true, broken: [{ key: 'document 3', keyValue: 3, detail: 'read COMPLETED with 2 of 5 chunks' }] }),
    ])
    expect(shown.violations).toBe(1)
  })

  it('refuses a file whose events do not add up to its end', async () => {
    const path = writeHistory(race, { ...footer, outcomes: { ...footer.outcomes, ok: 3 }, retries: 1 })
    await expect(showHistory(path)).rejects.toThrow(
      new UsageError(`${path} does not add up: it holds 2 'ok' events, but its end records 3; 0 'retry' events, but its end records 1 retry: the file was edited or damaged`),
    )
  })

  it('refuses the history of another scenario', async () => {
    const path = writeHistory(race)
    await expect(showHistory(path, { scenario: 'lost-update' })).rejects.toThrow(new UsageError(`${path} is a history of the scenario double-booking, not of lost-update`))
    const gone = writeHistory(race, footer, { ...header, origin: join(dir, 'deleted-scenario.js') })
    await expect(showHistory(gone)).rejects.toThrow(/is a history of the scenario file .*deleted-scenario\.js, which is not there any more: give its file with --scenario PATH$/)
  })
})
