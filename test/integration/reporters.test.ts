import { describe, expect, it } from 'vitest'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { compareStrategies, runScenario, type RunResult, type RunScenarioOptions } from '../../src/index.js'
import type { RepeatedVerdict, RunReport } from '../../src/report/reporter.js'
import { renderJunit } from '../../src/report/junit.js'
import { renderGithubSummary } from '../../src/report/github-summary.js'
import { verifyMatrix } from '../../src/verify/run-verify.js'
import { probePostgres, PG_URL } from '../support/services.js'

const postgres = await probePostgres()

/** 16 workers on a single slot: `none` double-books it run after run (see double-booking.test.ts). */
const oneSlot = (strategy: string, extra: Partial<RunScenarioOptions> = {}) =>
  runScenario({ scenario: 'double-booking', strategy, db: PG_URL, workers: 16, iterations: 10, params: { rooms: 1, nights: 1 }, seed: 7, ...extra })

const runReport = (runs: readonly RunResult[], extra: Partial<RunReport> = {}): RunReport => ({ command: 'run', runs, repeated: null, thresholds: [], expectViolation: false, ...extra })

/** What `--repeat` computes: per invariant, in how many runs it broke. */
function tally(runs: readonly RunResult[]): RepeatedVerdict[] {
  return runs[0]!.invariants.map(({ name }) => {
    const violated = runs.filter((run) => run.invariants.some((i) => i.name === name && !i.held)).length
    return { name, violated, runs: runs.length, rate: violated / runs.length }
  })
}

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', isArray: (name) => ['testsuite', 'testcase', 'property'].includes(name) })

interface Case { '@name': string; '@classname': string; '@time': string; failure?: { '@message': string; '#text'?: string }; error?: { '@message': string }; 'system-out'?: string }
interface Suite { '@name': string; '@tests': string; '@failures': string; '@errors': string; '@skipped': string; '@time': string; testcase: Case[]; properties: { property: { '@name': string; '@value': string }[] } }

/** Valid XML, with the structure CI tools read, and counts that match the elements. */
function parseJunit(xml: string): Suite[] {
  expect(XMLValidator.validate(xml)).toBe(true)
  const root = parser.parse(xml).testsuites as { testsuite: Suite[]; '@tests': string; '@failures': string }
  expect(root).toBeDefined()
  const cases = root.testsuite.flatMap((suite) => suite.testcase)
  expect(Number(root['@tests'])).toBe(cases.length)
  expect(Number(root['@failures'])).toBe(cases.filter((c) => c.failure).length)
  for (const suite of root.testsuite) {
    expect(Number(suite['@tests'])).toBe(suite.testcase.length)
    expect(Number(suite['@failures'])).toBe(suite.testcase.filter((c) => c.failure).length)
    expect(Number(suite['@errors'])).toBe(suite.testcase.filter((c) => c.error).length)
  }
  for (const c of cases) {
    expect(c['@name']).toBeTruthy()
    expect(c['@classname']).toMatch(/^racebench\./)
    expect(Number.isFinite(Number(c['@time']))).toBe(true)
    if (c.failure) expect(c.failure['@message']).toBeTruthy()
  }
  return root.testsuite
}

describe.skipIf(!postgres.available)('postgres: junit and github reporters on real runs', () => {
  it('none violates as declared: one suite, a passing testcase per invariant, the timeline in system-out', async () => {
    const result = await oneSlot('none')
    expect(result.violations).toBeGreaterThan(0)
    const [suite, ...others] = parseJunit(renderJunit(runReport([result])))
    expect(others).toEqual([])
    expect(suite!['@name']).toBe(`double-booking · none · ${result.db.server}`)
    expect(suite!.testcase.map((c) => c['@name'])).toEqual(result.invariants.map((i) => i.name))
    expect(suite!.testcase.every((c) => c['@classname'] === 'racebench.double-booking.none' && !c.failure)).toBe(true)
    expect(Number(suite!.testcase[0]!['@time'])).toBeCloseTo(result.durationMs / 1000, 2)
    const violated = suite!.testcase.find((c) => c['@name'] === 'no double booking')!
    expect(violated['system-out']).toContain("violated, as expected: 'none' is unsafe")
    expect(violated['system-out']).toContain('how it happened on room 1 night 1')
    const properties = Object.fromEntries(suite!.properties.property.map((p) => [p['@name'], p['@value']]))
    expect(properties).toMatchObject({ seed: '7', workers: '16', iterations: '10', isolation: 'read committed', 'param.rooms': '1', url: result.db.url })
  })

  it('a run declared safe that violated fails the invariant, with the detail and the timeline in the body', async () => {
    const result: RunResult = { ...(await oneSlot('none')), expect: 'safe' }
    const [suite] = parseJunit(renderJunit(runReport([result])))
    const failed = suite!.testcase.filter((c) => c.failure)
    expect(failed.map((c) => c['@name'])).toEqual(['no double booking'])
    expect(failed[0]!.failure!['@message']).toMatch(/^violated: room 1 on night 1 has \d+ active bookings \('none' is declared safe\)$/)
    expect(failed[0]!.failure!['#text']).toContain('how it happened on room 1 night 1')
  })

  it('--expect violation adds a testcase that passes when the race showed; a safe strategy that held fails it', async () => {
    const [shown] = parseJunit(renderJunit(runReport([await oneSlot('none')], { expectViolation: true })))
    const expectation = shown!.testcase.find((c) => c['@name'] === 'shows a violation (--expect violation)')
    expect(expectation && !expectation.failure).toBe(true)
    const held = await oneSlot('pessimistic')
    expect(held.violations).toBe(0)
    const [notShown] = parseJunit(renderJunit(runReport([held], { expectViolation: true })))
    expect(notShown!.testcase.filter((c) => c.failure).map((c) => c['@name'])).toEqual(['shows a violation (--expect violation)'])
  })

  it('--repeat: one suite for the settings, a testcase per invariant with `k of N runs`', async () => {
    const runs = [await oneSlot('none'), await oneSlot('none')]
    const suites = parseJunit(renderJunit(runReport(runs, { repeated: tally(runs) })))
    expect(suites).toHaveLength(1)
    expect(suites[0]!.testcase).toHaveLength(runs[0]!.invariants.length)
    const doubleBooking = suites[0]!.testcase.find((c) => c['@name'] === 'no double booking')!
    expect(doubleBooking['system-out']).toContain('violated in 2 of 2 runs (100%)')
    expect(Number(suites[0]!['@time'])).toBeCloseTo((runs[0]!.durationMs + runs[1]!.durationMs) / 1000, 2)
  })

  it('compare: a suite per strategy', async () => {
    const comparison = await compareStrategies({ scenario: 'double-booking', strategies: ['none', 'pessimistic'], db: PG_URL, workers: 8, iterations: 5, params: { rooms: 1, nights: 1 } })
    const suites = parseJunit(renderJunit({ command: 'compare', comparison, thresholds: [] }))
    expect(suites.map((s) => s['@name'].split(' · ')[1])).toEqual(['none', 'pessimistic'])
    expect(suites.flatMap((s) => s.testcase).filter((c) => c.failure)).toEqual([])
    const markdown = renderGithubSummary({ command: 'compare', comparison, thresholds: [] })
    expect(markdown).toMatch(/^## ✅ racebench compare · double-booking$/m)
    expect(markdown).toMatch(/^\| none \| unsafe \| read committed \|/m)
    expect(markdown).toMatch(/^\| pessimistic \| safe \| read committed \|.*\| ✅ held \| ✅ \|$/m)
  })

  it('github: heading, settings, the outcomes table, verdicts and the timeline in a code block', async () => {
    const result = await oneSlot('none')
    const markdown = renderGithubSummary(runReport([result]))
    expect(markdown).toMatch(/^## ✅ racebench · double-booking · none$/m)
    expect(markdown).toContain(`${result.db.server} · read committed · strategy none (unsafe) · 16 workers × 10 iterations`)
    expect(markdown).toContain('| outcome | count | share | p50 ms | p95 ms | p99 ms | max ms |')
    expect(markdown).toMatch(/^\| ❌ \| no double booking \| room 1 on night 1 has \d+ active bookings \|$/m)
    expect(markdown).toContain("**✅ as declared: 'none' is unsafe, and an invariant was violated**")
    expect(markdown).toMatch(/### How it broke on room 1 night 1 \(no double booking\)\n\n```text\nhow it happened on room 1 night 1/)
  })

  it('verify: a suite per scenario and engine, a testcase per cell; github: the matrix', async () => {
    const verification = await verifyMatrix({ dbs: [PG_URL], scenarios: ['double-booking'], strategies: ['none'], repeat: 1, workers: 16, iterations: 10, seed: 7 })
    const suites = parseJunit(renderJunit({ command: 'verify', verification }))
    expect(suites.map((s) => s['@name'])).toEqual([`double-booking · ${verification.engines[0]!.server}`])
    expect(suites[0]!.testcase).toHaveLength(verification.cells.length)
    expect(suites[0]!.testcase.filter((c) => c.failure)).toHaveLength(verification.mismatches)
    expect(suites[0]!.testcase.map((c) => c['@name'])).toContain('none · serializable')
    const markdown = renderGithubSummary({ command: 'verify', verification })
    expect(markdown).toMatch(/^\| scenario \| strategy \| default \(read committed\) \| read committed \| repeatable read \| serializable \|$/m)
    expect(markdown).toMatch(/^\| double-booking \| none \| [✅❌] races [01]\/1 \|/m)
  })
})
