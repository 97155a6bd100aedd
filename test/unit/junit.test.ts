import { describe, expect, it } from 'vitest'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import type { Comparison } from '../../src/compare.js'
import type { Report, RunReport } from '../../src/report/reporter.js'
import { renderJunit } from '../../src/report/junit.js'
import { xmlAttr, xmlSafe, xmlText } from '../../src/report/xml.js'
import type { RunResult } from '../../src/run-result.js'
import type { VerifyCell } from '../../src/verify/verification.js'
import { run, trace } from '../support/run-fixture.js'

/** Everything a reporter may have to show, in one string: markup, quotes, NUL, ESC, CDATA's end, emoji, a lone surrogate, U+FFFF. */
const NASTY = `<b>&"quoted"'single'</b> NUL\u0000 ESC\u001b[31m ]]> 🏨 lone\uD800 \uFFFF tab\tnewline\nend`

const runReport = (runs: readonly RunResult[], extra: Partial<RunReport> = {}): RunReport => ({ command: 'run', runs, repeated: null, thresholds: [], expectViolation: false, ...extra })

interface Problem { '@message': string; '@type': string; '#text'?: string }
interface Case { '@name': string; '@classname': string; '@time': string; failure?: Problem; error?: Problem; skipped?: { '@message': string } | string; 'system-out'?: string }
interface Suite { '@name': string; '@tests': string; '@failures': string; '@errors': string; '@skipped': string; '@time': string; testcase: Case[]; properties: { property: { '@name': string; '@value': string }[] } }
interface Root { '@tests': string; '@failures': string; '@errors': string; '@skipped': string; '@time': string; testsuite: Suite[] }

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', htmlEntities: true, parseTagValue: false, parseAttributeValue: false, trimValues: false, isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) })

/** Renders, validates the XML, and checks what every CI tool reads: structure, attributes, and counts equal to the elements. */
function junit(report: Report): { xml: string; root: Root; cases: Case[] } {
  const xml = renderJunit(report)
  expect(XMLValidator.validate(xml)).toBe(true)
  const document = parser.parse(xml) as { testsuites?: Root }
  const root = document.testsuites!
  expect(root).toBeDefined()
  const suites = root.testsuite ?? []
  const cases = suites.flatMap((suite) => suite.testcase ?? [])
  const count = (list: readonly Case[]) => ({
    tests: list.length,
    failures: list.filter((c) => c.failure !== undefined).length,
    errors: list.filter((c) => c.error !== undefined).length,
    skipped: list.filter((c) => c.skipped !== undefined).length,
  })
  const attributes = (node: Root | Suite) => ({ tests: Number(node['@tests']), failures: Number(node['@failures']), errors: Number(node['@errors']), skipped: Number(node['@skipped']) })
  expect(attributes(root)).toEqual(count(cases))
  for (const suite of suites) expect(attributes(suite)).toEqual(count(suite.testcase ?? []))
  expect(Number(root['@time'])).toBeCloseTo(suites.reduce((sum, suite) => sum + Number(suite['@time']), 0), 3)
  for (const c of cases) {
    expect(c['@name']).not.toBe('')
    expect(c['@classname']).toMatch(/^racebench\./)
    expect(c['@time']).toMatch(/^\d+\.\d{3}$/)
    if (c.failure) expect(c.failure['@message']).not.toBe('')
    if (c.error) expect(c.error['@message']).not.toBe('')
  }
  return { xml, root, cases }
}

const failed = (cases: readonly Case[]) => cases.filter((c) => c.failure).map((c) => c['@name'])

describe('renderJunit: one run', () => {
  it('a testsuite per run, a testcase per invariant, the settings as properties, time in seconds', () => {
    const { root, cases } = junit(runReport([run()]))
    expect(root.testsuite).toHaveLength(1)
    const suite = root.testsuite[0]!
    expect(suite['@name']).toBe('double-booking · none · PostgreSQL 15.20')
    expect(suite['@time']).toBe('1.280')
    expect(cases.map((c) => [c['@name'], c['@classname'], c['@time']])).toEqual([
      ['no double booking', 'racebench.double-booking.none', '1.280'],
      ['active bookings = ok outcomes', 'racebench.double-booking.none', '1.280'],
    ])
    const properties = Object.fromEntries(suite.properties.property.map((p) => [p['@name'], p['@value']]))
    expect(properties).toMatchObject({ seed: '42', workers: '8', iterations: '50', think: '10ms', isolation: 'read committed', server: 'PostgreSQL 15.20', url: 'postgres://postgres:***@127.0.0.1:5432/postgres', 'param.rooms': '5' })
  })

  it('an unsafe strategy that violates does not fail: the detail and the timeline go to system-out', () => {
    const { cases } = junit(runReport([run()]))
    expect(failed(cases)).toEqual([])
    expect(cases[0]!['system-out']).toContain("violated, as expected: 'none' is unsafe\nroom 3 on night 2 has 4 active bookings")
    expect(cases[0]!['system-out']).toContain('how it happened on room 3 night 2 (no double booking)')
  })

  it('a safe strategy that violates fails that invariant: message and detail, timeline in the body', () => {
    const { cases } = junit(runReport([run({ strategy: 'optimistic', expect: 'safe' })]))
    expect(failed(cases)).toEqual(['no double booking'])
    expect(cases[0]!.failure!['@message']).toBe("violated: room 3 on night 2 has 4 active bookings ('optimistic' is declared safe)")
    expect(cases[0]!.failure!['#text']).toMatch(/^room 3 on night 2 has 4 active bookings\n\nhow it happened on room 3 night 2/)
  })

  it('--expect violation: its own testcase, failing only when nothing broke; violations then fail nothing', () => {
    const shown = junit(runReport([run({ expect: 'safe' })], { expectViolation: true }))
    expect(shown.cases.map((c) => c['@name'])).toContain('shows a violation (--expect violation)')
    expect(failed(shown.cases)).toEqual([])
    const held = run({ invariants: run().invariants.map((i) => ({ ...i, held: true })), violations: 0, traces: [] })
    const notShown = junit(runReport([held], { expectViolation: true }))
    expect(failed(notShown.cases)).toEqual(['shows a violation (--expect violation)'])
    expect(notShown.cases.at(-1)!.failure!['@message']).toBe('no invariant was violated: the race did not show in this run')
  })

  it('a run that tested nothing: an <error> on each invariant that held (it proves nothing), never a pass', () => {
    const idle = run({ outcomes: { ok: 0, rejected: 0, conflict: 0, error: 400, unknown: 0 }, errorSamples: ['relation "bookings" does not exist'], nothingTested: true, invariants: run().invariants.map((i) => ({ ...i, held: true })), violations: 0, traces: [] })
    const { root, cases } = junit(runReport([idle]))
    expect(root['@errors']).toBe('2')
    expect(cases[0]!.error!['@message']).toBe('nothing was tested: every operation ended in error')
    expect(cases[0]!.error!['#text']).toBe('error: relation "bookings" does not exist')
  })

  it('a testcase per threshold, failing with the measured value', () => {
    const thresholds = [
      { expression: 'p99<5ms', metric: 'p99', measured: 5.6, shown: '5.6 ms', passed: false },
      { expression: 'error-rate<1%', metric: 'error-rate', measured: 0, shown: '0%', passed: true },
    ]
    const { cases } = junit(runReport([run()], { thresholds }))
    const mine = cases.filter((c) => c['@classname'] === 'racebench.double-booking.none.thresholds')
    expect(mine.map((c) => c['@name'])).toEqual(['p99<5ms', 'error-rate<1%'])
    expect(mine[0]!.failure!['@message']).toBe('p99<5ms failed: measured 5.6 ms')
    expect(mine[1]!.failure).toBeUndefined()
  })

  it('a time that is not a number still gives a number', () => {
    const { cases } = junit(runReport([run({ durationMs: Number.NaN })]))
    expect(cases[0]!['@time']).toBe('0.000')
  })
})

describe('renderJunit: escaping', () => {
  it('markup, quotes, control characters, ]]>, emoji and lone surrogates in every place text goes', () => {
    const nasty = run({
      scenario: `scenario ${NASTY}`,
      strategy: 'x"y',
      expect: 'safe',
      params: { [`p<${NASTY}`]: NASTY },
      errorSamples: [NASTY],
      invariants: [{ name: `invariant ${NASTY}`, held: false, detail: NASTY, broken: [], offline: false }],
      traces: [trace(`invariant ${NASTY}`, `key ${NASTY}`, NASTY)],
    })
    const { xml, cases, root } = junit(runReport([nasty], { thresholds: [{ expression: NASTY, metric: 'p99', measured: 1, shown: NASTY, passed: false }] }))
    expect(xml).not.toContain(']]>')
    expect(xml).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\uFFFE\uFFFF]/)
    expect(xml).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/)
    // Line breaks in attributes survive as references (a parser would turn a raw one into a space).
    expect(xml).toContain('tab&#9;newline&#10;end')
    const shown = xmlSafe(NASTY)
    expect(shown).toBe(`<b>&"quoted"'single'</b> NUL\uFFFD ESC\uFFFD[31m ]]> 🏨 lone\uFFFD \uFFFD tab\tnewline\nend`)
    expect(cases[0]!['@name']).toBe(`invariant ${shown}`)
    expect(cases[0]!['@classname']).toBe(`racebench.scenario ${shown}.x"y`)
    expect(cases[0]!.failure!['@message']).toContain(shown)
    expect(cases[0]!.failure!['#text']).toContain(shown)
    expect(root.testsuite[0]!.properties.property.find((p) => p['@name'] === `param.p<${shown}`)?.['@value']).toBe(shown)
  })

  it('the helpers: text escapes & < >, attributes also both quotes and line breaks', () => {
    expect(xmlText(`a & b < c > d ]]> "'`)).toBe(`a &amp; b &lt; c &gt; d ]]&gt; "'`)
    expect(xmlAttr(`a & "b" 'c'\r\n\t<x>`)).toBe('a &amp; &quot;b&quot; &apos;c&apos;&#13;&#10;&#9;&lt;x&gt;')
    expect(xmlSafe('ok 😀 \u0085 \uE000 \uFFFD')).toBe('ok 😀 \u0085 \uE000 \uFFFD')
  })
})

describe('renderJunit: --repeat, compare and verify', () => {
  const held = (r: RunResult) => ({ ...r, invariants: r.invariants.map((i) => ({ ...i, held: true })), violations: 0, traces: [] })

  it('--repeat: one suite, a testcase per invariant saying in how many runs it broke', () => {
    const runs = [run({ expect: 'safe', seed: 1 }), held(run({ expect: 'safe', seed: 2 })), held(run({ expect: 'safe', seed: 3 }))]
    const repeated = [
      { name: 'no double booking', violated: 1, runs: 3, rate: 1 / 3 },
      { name: 'active bookings = ok outcomes', violated: 0, runs: 3, rate: 0 },
    ]
    const { root, cases } = junit(runReport(runs, { repeated }))
    expect(root.testsuite).toHaveLength(1)
    expect(root.testsuite[0]!['@name']).toBe('double-booking · none · PostgreSQL 15.20 × 3 runs')
    expect(root.testsuite[0]!['@time']).toBe('3.840')
    expect(root.testsuite[0]!.properties.property.find((p) => p['@name'] === 'seed')?.['@value']).toBe('1, 2, 3')
    expect(failed(cases)).toEqual(['no double booking'])
    expect(cases[0]!.failure!['@message']).toBe("violated in 1 of 3 runs (33%) ('none' is declared safe)")
    expect(cases[0]!.failure!['#text']).toContain('run 1 (seed 1): violated: room 3 on night 2 has 4 active bookings\nrun 2 (seed 2): held')
    expect(cases[1]!['system-out']).toContain('violated in 0 of 3 runs (0%)')
  })

  it('--repeat --expect violation: fails unless every run violated, as the exit code does', () => {
    const runs = [held(run()), held(run())]
    const repeated = runs[0]!.invariants.map((i) => ({ name: i.name, violated: 0, runs: 2, rate: 0 }))
    const { cases } = junit(runReport(runs, { repeated, expectViolation: true }))
    expect(failed(cases)).toEqual(['shows a violation (--expect violation)'])
    expect(cases.at(-1)!.failure!['@message']).toBe('no invariant was violated in any of 2 runs')
    const mixed = [run(), held(run())]
    const some = mixed[0]!.invariants.map((i) => ({ name: i.name, violated: 1, runs: 2, rate: 0.5 }))
    const { cases: mixedCases } = junit(runReport(mixed, { repeated: some, expectViolation: true }))
    expect(mixedCases.at(-1)!.failure!['@message']).toBe('only 1 of 2 runs violated an invariant')
    const all = [run(), run()]
    const { cases: allCases } = junit(runReport(all, { repeated: some.map((v) => ({ ...v, violated: 2, rate: 1 })), expectViolation: true }))
    expect(failed(allCases)).toEqual([])
  })

  it('compare: a suite per strategy, skipped strategies as <skipped>, thresholds in a suite of their own', () => {
    const strategies = [
      { strategy: 'none', result: run(), held: false, asDeclared: true, relativeThroughput: null },
      { strategy: 'optimistic', result: run({ strategy: 'optimistic', expect: 'safe' }), held: false, asDeclared: false, relativeThroughput: null },
    ]
    const comparison: Comparison = { scenario: 'double-booking', strategies, skipped: [{ strategy: 'redis-lock', reason: 'needs Redis & none answered' }], allAsDeclared: false }
    const thresholds = [{ expression: 'p99<5ms', metric: 'p99', measured: 5.6, shown: '5.6 ms', passed: false }]
    const { root, cases } = junit({ command: 'compare', comparison, thresholds })
    expect(root.testsuite.map((s) => s['@name'])).toEqual(['double-booking · none · PostgreSQL 15.20', 'double-booking · optimistic · PostgreSQL 15.20', 'double-booking · redis-lock', 'double-booking · thresholds'])
    expect(cases.filter((c) => c.failure).map((c) => `${c['@classname']} ${c['@name']}`)).toEqual(['racebench.double-booking.optimistic no double booking', 'racebench.double-booking.thresholds p99<5ms'])
    expect(root['@skipped']).toBe('1')
    expect(cases.find((c) => c.skipped)!.skipped).toEqual({ '@message': 'needs Redis & none answered' })
  })

  it('verify: a suite per scenario and engine, a testcase per cell, failing when unexpected, skipped with the reason', () => {
    const outcomes = { ok: 30, rejected: 370, conflict: 0, error: 0, unknown: 0 }
    const cell = (over: Partial<VerifyCell>): VerifyCell => ({ engine: 0, scenario: 'double-booking', strategy: 'none', column: 'default', isolation: 'read committed', server: 'PostgreSQL 15.20', dialect: 'postgres', declared: 'unsafe', runs: 3, violated: 3, untested: 0, outcomes, verdict: 'as-declared', durationMs: 500, ...over })
    const cells = [
      cell({}),
      cell({ column: 'read committed' }),
      cell({ strategy: 'pessimistic', column: 'repeatable read', isolation: 'repeatable read', declared: 'safe', violated: 2, verdict: 'unexpected', reason: 'declared safe, but 2 of 3 runs broke an invariant: no double booking: room 1 on night 1 has 2 active bookings' }),
      cell({ strategy: 'serializable', column: 'serializable', isolation: 'serializable', violated: 0, verdict: 'unexpected' }),
      cell({ scenario: 'lost-update' }),
      cell({ engine: 1, server: 'MariaDB 11.4', dialect: 'mysql', strategy: 'advisory', isolation: 'repeatable read', verdict: 'skipped', reason: 'makes no sense on mysql', runs: 0, violated: 0, durationMs: 0 }),
    ]
    const engines = [
      { server: 'PostgreSQL 15.20', url: 'postgres://postgres:***@127.0.0.1:5432/postgres', dialect: 'postgres' as const, embedded: false, defaultIsolation: 'read committed' },
      { server: 'MariaDB 11.4', url: 'mysql://root@127.0.0.1:3306/test', dialect: 'mysql' as const, embedded: false, defaultIsolation: 'repeatable read' },
    ]
    const verification = { engines, repeat: 3, seed: 42, workers: 8, iterations: 20, thinkMs: 0, cells, mismatches: 2, durationMs: 2000 }
    const { root, cases } = junit({ command: 'verify', verification })
    expect(root.testsuite.map((s) => [s['@name'], s['@tests']])).toEqual([
      ['double-booking · PostgreSQL 15.20', '4'],
      ['lost-update · PostgreSQL 15.20', '1'],
      ['double-booking · MariaDB 11.4', '1'],
    ])
    expect(cases.slice(0, 3).map((c) => `${c['@classname']} ${c['@name']}`)).toEqual([
      'racebench.double-booking.none none · default (read committed)',
      'racebench.double-booking.none none · read committed',
      'racebench.double-booking.pessimistic pessimistic · repeatable read',
    ])
    expect(cases.filter((c) => c.failure).map((c) => c.failure!['@message'])).toEqual([
      'declared safe, but 2 of 3 runs broke an invariant: no double booking: room 1 on night 1 has 2 active bookings',
      'declared unsafe at serializable, but violated in 0 of 3 runs',
    ])
    expect(root['@skipped']).toBe('1')
    expect(cases.at(-1)!.skipped).toEqual({ '@message': 'makes no sense on mysql' })
    const properties = Object.fromEntries(root.testsuite[2]!.properties.property.map((p) => [p['@name'], p['@value']]))
    expect(properties).toMatchObject({ seed: '42', workers: '8', iterations: '20', repeat: '3', url: 'mysql://root@127.0.0.1:3306/test', 'default isolation': 'repeatable read' })
  })

  it('no runs at all: an empty, valid <testsuites>', () => {
    const { root } = junit(runReport([]))
    expect(root['@tests']).toBe('0')
  })
})
