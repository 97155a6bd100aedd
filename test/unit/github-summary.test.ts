import { describe, expect, it } from 'vitest'
import type { Comparison } from '../../src/compare.js'
import { GITHUB_SUMMARY_BUDGET, renderGithubSummary } from '../../src/report/github-summary.js'
import { codeBlock, cutToBytes, mdCell, mdTable, mdText } from '../../src/report/markdown.js'
import type { RunReport } from '../../src/report/reporter.js'
import type { RunResult } from '../../src/run-result.js'
import type { Verification, VerifyCell } from '../../src/verify/verification.js'
import { run as sampleRun, trace } from '../support/run-fixture.js'

const MIB = 1024 * 1024

const run = (overrides: Partial<RunResult> = {}): RunResult => sampleRun({ retries: 3, ...overrides })

const verifyCell = (over: Partial<VerifyCell>): VerifyCell => ({
  engine: 0,
  scenario: 'double-booking',
  strategy: 'none',
  column: 'default',
  isolation: 'read committed',
  server: 'PostgreSQL 15.20',
  dialect: 'postgres',
  declared: 'unsafe',
  runs: 3,
  violated: 3,
  untested: 0,
  outcomes: { ok: 30, rejected: 370, conflict: 0, error: 0, unknown: 0 },
  verdict: 'as-declared',
  durationMs: 500,
  ...over,
})

const verification = (cells: readonly VerifyCell[]): Verification => ({
  engines: [{ server: 'PostgreSQL 15.20', url: 'postgres://postgres@127.0.0.1:5432/postgres', dialect: 'postgres', embedded: false, defaultIsolation: 'read committed' }],
  repeat: 3,
  seed: 42,
  workers: 8,
  iterations: 20,
  thinkMs: 0,
  cells,
  mismatches: cells.filter((c) => c.verdict === 'unexpected').length,
  durationMs: 2500,
})

const runReport = (runs: readonly RunResult[], extra: Partial<RunReport> = {}): RunReport => ({ command: 'run', runs, repeated: null, thresholds: [], expectViolation: false, ...extra })

/** Cells of a table row, split at the pipes no backslash escapes. */
function cellsOf(row: string): string[] {
  const cells: string[] = []
  let cell = ''
  for (let i = 0; i < row.length; i++) {
    if (row[i] === '\\') cell += row[i]! + (row[++i] ?? '')
    else if (row[i] === '|') (cells.push(cell), (cell = ''))
    else cell += row[i]
  }
  return [...cells, cell].slice(1, -1).map((c) => c.trim())
}

/** Every table in the text has the same number of cells in each row as in its head. */
function expectWellFormedTables(markdown: string): void {
  let width: number | undefined
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) width = undefined
    else if (width === undefined) width = cellsOf(line).length
    else expect(cellsOf(line), line).toHaveLength(width)
  }
}

describe('renderGithubSummary: a run', () => {
  const markdown = renderGithubSummary(runReport([run()], { thresholds: [{ expression: 'p99<50ms', metric: 'p99', measured: 5.6, shown: '5.6 ms', passed: true }] }))

  it('a heading with the verdict, the settings, the outcomes table and the verdicts', () => {
    expect(markdown).toMatch(/^## ✅ racebench · double-booking · none\n\nPostgreSQL 15\.20 · read committed · strategy none \(unsafe\) · 8 workers × 50 iterations · think 10ms · seed 42 · rooms=5 · nights=5\n/)
    expect(markdown).toContain('| outcome | count | share | p50 ms | p95 ms | p99 ms | max ms |\n| :-- | --: | --: | --: | --: | --: | --: |\n| ok | 30 | 7.5% | 1.20 | 3.40 | 5.60 | 9.10 |')
    expect(markdown).toContain('| all | 400 | 100.0% |')
    expect(markdown).toContain('400 operations in 1.28s · 312.5 ops/s · mean 1.50 ms · 3 retries')
    expect(markdown).toContain('| ❌ | no double booking | room 3 on night 2 has 4 active bookings |')
    expect(markdown).toContain('| ✅ | active bookings = ok outcomes | 30 active bookings, 30 acknowledged |')
    expect(markdown).toContain("**✅ as declared: 'none' is unsafe, and an invariant was violated**")
    expect(markdown).toContain('| ✅ | p99&lt;50ms | 5.6 ms |')
    expectWellFormedTables(markdown)
  })

  it('the first violation’s timeline in a code block', () => {
    expect(markdown).toMatch(/### How it broke on room 3 night 2 \(no double booking\)\n\n```text\nhow it happened on room 3 night 2 \(no double booking\)\n[^`]*\n```\n/)
  })

  it('❌ for a safe strategy that violated, a run that tested nothing, and --expect violation without one', () => {
    expect(renderGithubSummary(runReport([run({ strategy: 'optimistic', expect: 'safe' })]))).toContain("**❌ 'optimistic' is declared safe, but an invariant was violated**")
    const idle = run({ outcomes: { ok: 0, rejected: 0, conflict: 0, error: 9, unknown: 0 }, errorSamples: ['relation "bookings" does not exist'], nothingTested: true, invariants: [], violations: 0, traces: [] })
    const idleText = renderGithubSummary(runReport([idle]))
    expect(idleText).toMatch(/^## ❌ /)
    expect(idleText).toContain('**❌ every operation ended in error: nothing was tested**')
    expect(idleText).toContain('- error: relation "bookings" does not exist')
    const held = run({ invariants: [], violations: 0, traces: [] })
    expect(renderGithubSummary(runReport([held], { expectViolation: true }))).toContain('**❌ --expect violation: no invariant was violated**')
  })

  it('--repeat: a row per run and the tally per invariant', () => {
    const runs = [run({ seed: 1 }), run({ seed: 2, invariants: [], violations: 0, traces: [] })]
    const text = renderGithubSummary(runReport(runs, { repeated: [{ name: 'no double booking', violated: 1, runs: 2, rate: 0.5 }] }))
    expect(text).toMatch(/^## ✅ racebench · double-booking · none × 2 runs$/m)
    expect(text).toContain('seeds 1, 2')
    expect(text).toContain('| run | seed | ok | rejected | conflict | error | unknown | retries | ops/s | p99 ms | invariants |')
    expect(text).toContain('| 2 | 2 | 30 | 370 | 0 | 0 | 0 | 3 | 312.5 | 5.60 | held |')
    expect(text).toContain('### Invariants over 2 runs')
    expect(text).toContain('| ❌ | no double booking | 1 of 2 runs | 50% |')
    expect(text).toContain("**✅ as declared: 'none' is unsafe, and an invariant was violated in 1 of 2 runs**")
    expectWellFormedTables(text)
  })
})

describe('renderGithubSummary: escaping', () => {
  it('a cell holding | and line breaks stays one cell; markup and links show as text', () => {
    const nasty = run({ invariants: [{ name: 'a | b', held: false, detail: 'line 1\nline 2 | <script>alert(1)</script> [x](http://e) **b** `c` \\| \u0000\u001b', broken: [], offline: false }] })
    const text = renderGithubSummary(runReport([nasty]))
    expectWellFormedTables(text)
    expect(text).toContain('| ❌ | a \\| b | line 1<br>line 2 \\| &lt;script&gt;alert(1)&lt;/script&gt; \\[x\\](http://e) \\*\\*b\\*\\* \\`c\\` \\\\\\| \uFFFD\uFFFD |')
    expect(text).not.toContain('<script>')
  })

  it('the helpers', () => {
    expect(mdText('a\nb|c_d')).toBe('a b\\|c\\_d')
    expect(mdCell('a\r\nb')).toBe('a<br>b')
    expect(mdTable(['x', 'y'], ['left', 'right'], [['1|2', '']])).toBe('| x | y |\n| :-- | --: |\n| 1\\|2 |   |')
    expect(codeBlock('has ``` and ```` inside')).toBe('`````text\nhas ``` and ```` inside\n`````')
    expect(cutToBytes('aé🏨', 4)).toBe('aé')
    expect(cutToBytes('aé🏨', 3)).toBe('aé')
    expect(cutToBytes('aé🏨', 2)).toBe('a')
  })

  it('a timeline with backticks in it cannot close its code block', () => {
    const text = renderGithubSummary(runReport([run({ traces: [trace('no double booking', 'room 3 night 2', '```; evil')] })]))
    expect(text).toContain('````text\n')
    expect(text).toContain('```; evil')
  })
})

describe('renderGithubSummary: under 1 MiB whatever comes in', () => {
  const long = (n: number) => `${'room 1 on night 1 has 2 active bookings | \n'.repeat(n)}`

  it('100 traces and long details: the tables and the timeline stay, details are cut, and it says so', () => {
    const traces = Array.from({ length: 100 }, (_, i) => trace('no double booking', `room ${i} night 1`, 'x'.repeat(5_000)))
    const invariants = Array.from({ length: 100 }, (_, i) => ({ name: `invariant ${i}`, held: false, detail: long(300), broken: [], offline: false }))
    const text = renderGithubSummary(runReport([run({ traces, invariants, errorSamples: [long(3_000)] })]))
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(MIB)
    expect(text).toContain('| outcome | count | share |')
    expect(text).toMatch(/```text\nhow it happened on room 0 night 1/)
    expect(text).toContain('99 more broken keys with a trace in the json report.')
    expect(text).toContain("> Long details and lists were cut to stay under GitHub's 1 MiB step-summary limit")
    expectWellFormedTables(text)
  })

  it('a small result is not cut and says nothing about it', () => {
    expect(renderGithubSummary(runReport([run()]))).not.toContain('1 MiB')
  })

  it('20 000 runs of --repeat: the run table is cut to its first rows, and it says so', () => {
    const runs = Array.from({ length: 20_000 }, (_, i) => run({ seed: i }))
    const text = renderGithubSummary(runReport(runs, { repeated: [{ name: 'no double booking', violated: 20_000, runs: 20_000, rate: 1 }] }))
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(GITHUB_SUMMARY_BUDGET)
    expect(text).toContain('seeds 0, 1, 2, 3, 4, … (20000 in all)')
    expect(text).toContain('| 50 | 49 | 30 | 370 |')
    expect(text).toContain('… and 19950 more runs (cut)')
    expect(text).toContain('> Long details and lists were cut')
  })

  it('a verify matrix too big for any allowance is cut at the end, and says so', () => {
    const cells = Array.from({ length: 5_000 }, (_, i) => verifyCell({ scenario: `scenario ${i} ${'x'.repeat(200)}`, declared: 'safe', violated: 1, verdict: 'unexpected' }))
    const text = renderGithubSummary({ command: 'verify', verification: verification(cells) })
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(GITHUB_SUMMARY_BUDGET)
    expect(text).toMatch(/> The summary was cut here to stay under GitHub's 1 MiB step-summary limit/)
  })
})

describe('renderGithubSummary: compare and verify', () => {
  it('compare: strategies side by side, each with its verdict, and the violators’ timelines', () => {
    const strategies = [
      { strategy: 'none', result: run(), held: false, asDeclared: true, relativeThroughput: null },
      { strategy: 'optimistic', result: run({ strategy: 'optimistic', expect: 'safe', invariants: [], violations: 0, traces: [], opsPerSec: 250 }), held: true, asDeclared: true, relativeThroughput: 1 },
    ]
    const comparison: Comparison = { scenario: 'double-booking', strategies, skipped: [{ strategy: 'redis-lock', reason: 'needs Redis' }], allAsDeclared: true }
    const text = renderGithubSummary({ command: 'compare', comparison, thresholds: [] })
    expect(text).toMatch(/^## ✅ racebench compare · double-booking$/m)
    expect(text).toContain('| strategy | expect | isolation | ok | rejected | conflict | error | retries | ops/s | vs fastest ✅ | p50 ms | p99 ms | invariants | as declared |')
    expect(text).toContain('| none | unsafe | read committed | 30 | 370 | 0 | 0 | 3 | 312.5 | – | 1.20 | 5.60 | ❌ 1 violated | ✅ |')
    expect(text).toContain('| optimistic | safe | read committed | 30 | 370 | 0 | 0 | 3 | 250.0 | 1.00× | 1.20 | 5.60 | ✅ held | ✅ |')
    expect(text).toContain('- none: no double booking: room 3 on night 2 has 4 active bookings\n- skipped redis-lock: needs Redis')
    expect(text).toContain('### How none broke on room 3 night 2')
    expectWellFormedTables(text)
  })

  it('verify: a matrix per engine, strategies down, isolation levels across, mismatches listed', () => {
    const cells = [
      verifyCell({}),
      verifyCell({ column: 'serializable', isolation: 'serializable', declared: 'safe', violated: 0 }),
      verifyCell({ strategy: 'pessimistic', declared: 'safe', violated: 0 }),
      verifyCell({ strategy: 'pessimistic', column: 'serializable', isolation: 'serializable', declared: 'safe', violated: 2, verdict: 'unexpected', reason: 'declared safe, but 2 of 3 runs broke an invariant' }),
      verifyCell({ strategy: 'advisory', verdict: 'skipped', reason: 'needs Redis', runs: 0, violated: 0 }),
    ]
    const text = renderGithubSummary({ command: 'verify', verification: { ...verification(cells), mismatches: 1 } })
    expect(text).toMatch(/^## ❌ racebench verify$/m)
    expect(text).toContain('4 cells checked, 3 runs each, 1 skipped · 8 workers × 20 iterations · think 0ms · seed 42 · 2.5s')
    expect(text).toContain('| scenario | strategy | default (read committed) | serializable |')
    expect(text).toContain('| double-booking | none | ✅ races 3/3 | ✅ safe 0/3 |')
    expect(text).toContain('| double-booking | pessimistic | ✅ safe 0/3 | ❌ safe 2/3 |')
    expect(text).toContain('| double-booking | advisory | ⏭️ skipped |   |')
    expect(text).toContain('- ❌ double-booking · pessimistic · serializable on PostgreSQL 15.20: declared safe, but 2 of 3 runs broke an invariant')
    expect(text).toContain('- skipped double-booking · advisory · default (read committed) on PostgreSQL 15.20: needs Redis')
    expect(text).toContain('**❌ 1 cell did not behave as declared**')
    expectWellFormedTables(text)
  })
})
