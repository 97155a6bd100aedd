import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { OUTCOMES } from '../../src/history/outcome.js'
import { embeddedDirs, privateTmpdir, runCli, type CliRun, expectOneLine } from '../support/cli.js'


const dir = mkdtempSync(join(tmpdir(), 'racebench-cli-history-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
let files = 0
const fileIn = (text?: string) => {
  const path = join(dir, `history-${++files}.jsonl`)
  if (text !== undefined) writeFileSync(path, text)
  return path
}

describe('run --history FILE, then show FILE (embedded PostgreSQL)', () => {
  const tmp = privateTmpdir('cli-history')
  const history = join(dir, 'double-booking.jsonl')
  let run: CliRun
  let result: { outcomes: Record<string, number>; retries: number; violations: number; traces: unknown[] }
  let lines: Record<string, unknown>[]

  beforeAll(async () => {
    run = await runCli(['run', 'double-booking', '--strategy', 'none', '--history', history, '--json', '--seed', '7'], { TMPDIR: tmp.path })
    result = JSON.parse(run.stdout)
    lines = readFileSync(history, 'utf8').trimEnd().split('\n').map((line) => JSON.parse(line))
  }, 120_000)
  afterAll(() => tmp.remove())

  it('writes a history whose events add up exactly to the run’s counts', () => {
    expect(run.code).toBe(1)
    const [header, ...rest] = lines
    const footer = rest.pop()
    expect(header).toMatchObject({ type: 'run', format: 1, scenario: 'double-booking', origin: 'built-in', strategy: 'none', seed: 7, db: { dialect: 'postgres' } })
    expect(JSON.stringify(header)).not.toMatch(/postgres:\/\//) // no URL, no password
    expect(footer).toMatchObject({ type: 'end', outcomes: result.outcomes, retries: result.retries, violations: result.violations })
    const byType = (type: string) => rest.filter((event) => event.type === type).length
    expect(Object.fromEntries(OUTCOMES.map((outcome) => [outcome, byType(outcome)]))).toEqual(result.outcomes)
    expect(byType('retry')).toBe(result.retries)
    expect(byType('invoke')).toBe(OUTCOMES.reduce((sum, outcome) => sum + result.outcomes[outcome]!, 0))
    expect(rest.every((event) => typeof event.t === 'number' && typeof event.type === 'string')).toBe(true)
  })

  it('show FILE redraws the violation: exit 1, the verdicts as recorded, a timeline', async () => {
    const shown = await runCli(['show', history])
    expect(shown.stderr).toBe('')
    expect(shown.code).toBe(1)
    expect(shown.stdout).toMatch(/^double-booking · strategy none \(unsafe\) · PostgreSQL [\d.]+ \(embedded\) · read committed$/m)
    expect(shown.stdout).toMatch(/✘ no double booking: room \d+ on night \d+ has \d+ active bookings.*\(as the run recorded it/)
    expect(shown.stdout).toMatch(/INSERT INTO bookings/) // the timeline's steps
    expect(shown.stdout).toMatch(/SELECT 1 FROM bookings/)
  })

  it('show FILE --json has the run’s traces, the same ones the run drew', async () => {
    const shown = await runCli(['show', history, '--json'])
    expect(shown.code).toBe(1)
    const json = JSON.parse(shown.stdout)
    expect(Object.keys(json)).toEqual(['header', 'outcomes', 'retries', 'invariants', 'violations', 'traces'])
    expect(json.outcomes).toEqual(result.outcomes)
    expect(json.traces.length).toBeGreaterThan(0)
    expect(json.traces[0]).toMatchObject({ invariant: 'no double booking', key: expect.stringMatching(/^room \d+ night \d+$/) })
    expect(json.traces[0].operations.length).toBeGreaterThanOrEqual(2)
    expect(json.traces).toEqual(result.traces)
  })

  it('show of a cut, damaged or missing file: exit 2, one line', async () => {
    const text = readFileSync(history, 'utf8').split('\n')
    const cut = fileIn(text.slice(0, 40).join('\n') + '\n')
    expect(expectOneLine(await runCli(['show', cut]))).toBe(`racebench: ${cut} ends at line 40 without the run's end: the run was interrupted or the file was cut`)
    const damaged = fileIn([...text.slice(0, 5), '{"t": 12, "type":', ...text.slice(6)].join('\n'))
    expect(expectOneLine(await runCli(['show', damaged]))).toMatch(new RegExp(`^racebench: ${damaged} line 6 is not valid JSON .*: the file is damaged$`))
    const missing = join(dir, 'never-written.jsonl')
    expect(expectOneLine(await runCli(['show', missing]))).toBe(`racebench: no history file at ${missing}`)
  })

  it('show with another scenario: exit 2, one line', async () => {
    const other = await runCli(['show', history, '--scenario', 'lost-update'])
    expect(expectOneLine(other)).toBe(`racebench: ${history} is a history of the scenario double-booking, not of lost-update`)
    expect(other.code).toBe(2)
  })
})

describe('run --history to a path that cannot be written: exit 2 before any database is touched', () => {
  const tmp = privateTmpdir('cli-history-bad-path')
  afterAll(() => tmp.remove())

  it('a missing folder, with the embedded server: no server started', async () => {
    const path = join(dir, 'no-such-folder', 'h.jsonl')
    const run = await runCli(['run', 'double-booking', '--history', path], { TMPDIR: tmp.path })
    expect(run.code).toBe(2)
    expect(expectOneLine(run)).toBe(`racebench: cannot write the history to ${path}: no such folder`)
    expect(embeddedDirs(tmp.path)).toEqual([])
  })

  it('a folder, with an unreachable --db: the path is refused first (2, not 3)', async () => {
    const run = await runCli(['run', 'double-booking', '--history', dir, '--db', 'postgres://postgres@127.0.0.1:1/postgres'])
    expect(run.code).toBe(2)
    expect(expectOneLine(run)).toBe(`racebench: cannot write the history to ${dir}: it is a folder`)
  })
})

describe('show, on hand-written files', () => {
  const header = {
    type: 'run', format: 1, racebench: '0.1.0', scenario: 'double-booking', origin: 'built-in', strategy: 'none', params: { rooms: 5, nights: 5 },
    seed: 1, workers: 2, iterations: 1, durationLimitMs: null, thinkMs: 10, isolation: 'read committed', db: { dialect: 'postgres', server: 'PostgreSQL 18.4' }, startedAt: '2025-01-01T00:00:00.000Z',
  }
  const end = (ok: number) => ({
    type: 'end', outcomes: { ok, rejected: 0, conflict: 0, error: 0, unknown: 0 }, retries: 0, durationMs: 1,
    invariants: [{ name: 'no double booking', held: true, detail: '1 slot booked, none twice', broken: [], offline: false }], violations: 0,
  })
  const lines = (...values: unknown[]) => values.map((value) => JSON.stringify(value)).join('\n') + '\n'
  const op = [
    { t: 1, type: 'invoke', worker: 0, iteration: 0, key: 'room 1 night 1', keyValue: { room: 1, night: 1 }, attempt: 0 },
    { t: 5, type: 'ok', worker: 0, iteration: 0, key: 'room 1 night 1', ms: 0.004 },
  ]

  it('exit 0 when every invariant held, and no timeline', async () => {
    const shown = await runCli(['show', fileIn(lines(header, ...op, end(1)))])
    expect(shown.code).toBe(0)
    expect(shown.stdout).toContain('✔ no double booking: 1 slot booked, none twice (as the run recorded it: it reads the final state)')
    expect(shown.stdout).toContain('✔ the 1 invariant held')
  })

  it('exit 2 when its events do not add up to its end', async () => {
    const path = fileIn(lines(header, ...op, end(2)))
    expect(expectOneLine(await runCli(['show', path]))).toBe(`racebench: ${path} does not add up: it holds 1 'ok' event, but its end records 2: the file was edited or damaged`)
  })

  it('exit 2 for a file that is no history, and for a bad --show', async () => {
    const path = fileIn('hello\n')
    expect(expectOneLine(await runCli(['show', path]))).toBe(`racebench: ${path} line 1 is not a racebench history header: is it a file written by racebench run --history?`)
    const bad = await runCli(['show', fileIn(lines(header, ...op, end(1))), '--show', 'all'])
    expect(bad.code).toBe(2)
    expect(expectOneLine(bad)).toBe("racebench: --show must be a whole number from 0 to 100, got 'all'")
  })
})
