import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { PG_URL, probePostgres } from '../support/services.js'

const postgres = await probePostgres()
const folder = mkdtempSync(join(tmpdir(), 'racebench-ci-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

/** A small, safe run: 10 operations that always complete, whatever the machine's speed. */
const SMALL = ['run', 'double-booking', '--strategy', 'pessimistic', '--db', PG_URL, '-n', '5', '-w', '2', '--think', '0']

/** The one line a usage error prints, and exit 2, and nothing on stdout. */
function usageLine(run: { code: number | null; stdout: string; stderr: string }): string {
  expect(run.code).toBe(2)
  expect(run.stdout).toBe('')
  const lines = run.stderr.trim().split('\n')
  expect(lines).toHaveLength(1)
  return lines[0]!
}

describe.skipIf(!postgres.available)(`thresholds, --expect and --repeat (${postgres.reason || 'PostgreSQL'})`, () => {
  it('exits 8 when a threshold fails, listing each with its measured value; 0 when all pass', async () => {
    const failed = await runCli([...SMALL, '--threshold', 'operations>1000000', '--threshold', 'p99<60s', '--threshold', 'errors==0'])
    expect(failed.code).toBe(8)
    expect(failed.stdout).toMatch(/✘ operations>1000000: 10\n/)
    expect(failed.stdout).toMatch(/✔ p99<60s: [\d.]+ ms\n/)
    expect(failed.stdout).toContain('✘ 1 of 3 thresholds failed')
    const passed = await runCli([...SMALL, '--threshold', 'operations==10', '--threshold', 'conflict_rate<=0%', '--threshold', 'violations==0'])
    expect(passed.code).toBe(0)
    expect(passed.stdout).toContain('✔ all 3 thresholds passed')
  })

  it('a latency below the histogram floor fails whatever the machine: p99<0.001ms', async () => {
    const run = await runCli([...SMALL, '--threshold', 'p99<0.001ms', '--json'])
    expect(run.code).toBe(8)
    const result = JSON.parse(run.stdout)
    expect(result.thresholds).toEqual([expect.objectContaining({ expression: 'p99<0.001ms', metric: 'p99', passed: false })])
  })

  it('--expect violation passes only when an invariant broke, in every run', async () => {
    // One slot for four workers: `none` double-books it on every run (test/integration/double-booking).
    const raced = await runCli(['run', 'double-booking', '--db', PG_URL, '-p', 'rooms=1', '-p', 'nights=1', '-w', '4', '-n', '3', '--expect', 'violation', '--repeat', '2', '--json'])
    expect(raced.code).toBe(0)
    const report = JSON.parse(raced.stdout)
    expect(report).toMatchObject({ scenario: 'double-booking', strategy: 'none', repeat: 2, expected: 'violation' })
    expect(report.runs).toHaveLength(2)
    expect(report.invariants).toContainEqual({ name: 'no double booking', violated: 2, runs: 2, rate: 1 })
    expect(report.runs[0].seed).toBe(report.runs[1].seed)

    const held = await runCli([...SMALL, '--expect', 'violation'])
    expect(held.code).toBe(1)
    expect(held.stdout).toContain('✘ expected a violation, but every invariant held')
  })

  it('--repeat N: the table says k of N runs violated each invariant', async () => {
    const run = await runCli([...SMALL, '--repeat', '2'])
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('2 runs of the same settings')
    expect(run.stdout).toMatch(/✔ 0 of 2 runs violated "no double booking" \(0%\)/)
  })

  it('the result has a time series: one point per interval, adding up to the run', async () => {
    const run = await runCli([...SMALL, '--interval', '250ms', '--json'])
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.series.intervalMs).toBe(250)
    expect(result.series.points.length).toBeGreaterThan(0)
    const total = (counts: Record<string, number>) => Object.values(counts).reduce((a, b) => a + b, 0)
    expect(result.series.points.reduce((sum: number, point: { outcomes: Record<string, number> }) => sum + total(point.outcomes), 0)).toBe(10)
    expect(result.series.points.map((point: { t: number }) => point.t)).toEqual(result.series.points.map((_: unknown, i: number) => i * 0.25))
  })
})

describe.skipIf(!postgres.available)(`reporters (${postgres.reason || 'PostgreSQL'})`, () => {
  it('writes each report to its file and still prints the table; github appends to $GITHUB_STEP_SUMMARY', async () => {
    const summary = join(folder, 'summary.md')
    writeFileSync(summary, '# earlier step\n')
    const files = { junit: join(folder, 'r.xml'), html: join(folder, 'r.html'), json: join(folder, 'r.json') }
    const run = await runCli([...SMALL, '--reporter', `junit=${files.junit}`, '--reporter', `html=${files.html}`, '--reporter', `json=${files.json}`, '--reporter', 'github'], { GITHUB_STEP_SUMMARY: summary })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain('invariants')
    expect(readFileSync(files.junit, 'utf8')).toMatch(/^<\?xml[^>]*\?>\s*<testsuites/)
    expect(readFileSync(files.html, 'utf8')).toMatch(/^<!doctype html>/i)
    expect(JSON.parse(readFileSync(files.json, 'utf8'))).toMatchObject({ scenario: 'double-booking', strategy: 'pessimistic' })
    const markdown = readFileSync(summary, 'utf8')
    expect(markdown.startsWith('# earlier step\n')).toBe(true)
    expect(markdown).toContain('double-booking')
  })

  it('compare takes the same reporters', async () => {
    const file = join(folder, 'compare.xml')
    const run = await runCli(['compare', 'double-booking', '--strategies', 'pessimistic,optimistic', '--db', PG_URL, '-n', '5', '-w', '2', '--reporter', `junit=${file}`])
    expect(run.code).toBe(0)
    expect(readFileSync(file, 'utf8').match(/<testsuite /g)).toHaveLength(2)
  })
})

describe('bad report options: one line, exit 2, before anything runs', () => {
  it.each([
    [['--reporter', 'xml'], "--reporter 'xml': unknown reporter 'xml'; reporters: table, json, junit, github, html"],
    [['--reporter', 'junti=x.xml'], "unknown reporter 'junti' (did you mean junit?)"],
    [['--reporter', 'junit=/no/such/folder/r.xml'], 'cannot write the junit report to /no/such/folder/r.xml: the folder /no/such/folder does not exist'],
    [['--reporter', `html=${tmpdir()}`], `cannot write the html report to ${tmpdir()}: it is a folder`],
    [['--reporter', 'junit='], "--reporter 'junit=' names no file"],
    [['--reporter', 'json', '--reporter', 'junit'], 'only one reporter can write to stdout, got json and junit'],
    [['--threshold', 'p99<fast'], "--threshold 'p99<fast': 'fast' is not a time, like 50ms, 1.5s or 50 (ms)"],
    [['--threshold', 'p98<5ms'], "--threshold 'p98<5ms': unknown metric 'p98' (did you mean p95?); metrics: p50, p95, p99"],
    [['--threshold', 'p99 fast'], "--threshold 'p99 fast' is not METRIC OP VALUE"],
    [['--threshold', 'conflict_rate<lots'], "'lots' is not a share, like 5% or 0.05"],
    [['--expect', 'maybe'], "--expect must be 'violation' (an invariant must break) or 'held' (every invariant must hold), got 'maybe'"],
    [['--repeat', '0'], "--repeat must be a whole number from 1 to 1000, got '0'"],
    [['--interval', '1ms'], '--interval must be a time from 100ms to 1h'],
  ])('%j', async (options, message) => {
    expect(usageLine(await runCli(['run', 'double-booking', '--db', 'postgres://nobody@127.0.0.1:1/none', ...options]))).toContain(message)
  })

  it('--repeat with --history: a history records one run', async () => {
    expect(usageLine(await runCli(['run', 'double-booking', '--db', 'postgres://nobody@127.0.0.1:1/none', '--repeat', '2', '--history', join(folder, 'h.jsonl')]))).toContain('--history records one run')
  })
})
