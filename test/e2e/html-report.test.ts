import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chromium, type Browser } from 'playwright-core'
import { compareStrategies, runScenario, type RunResult } from '../../src/index.js'
import { renderHtmlReport } from '../../src/report/html/html-report.js'
import type { CompareReport, RepeatedVerdict, Report, RunReport, VerifyReport } from '../../src/report/reporter.js'
import { checkThresholds } from '../../src/thresholds/check-thresholds.js'
import { parseThresholds } from '../../src/thresholds/parse-threshold.js'
import type { ThresholdResult } from '../../src/thresholds/threshold.js'
import { verifyMatrix } from '../../src/verify/run-verify.js'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium.js'
import { PG_URL, probePostgres } from '../support/services.js'

/** Written for a person to open (and for CI to keep as artifacts); cleared at the start of each run. */
const OUTPUT = fileURLToPath(new URL('../../test-output/html/', import.meta.url))

const HOSTILE = `</script><script>alert(1)</script><svg onload="alert('x')"> & "quoted" 'single'`

/** A run as a reporter gets it, by hand: for what a real run cannot be made to say on demand. */
function handMadeRun(overrides: Partial<RunResult> = {}): RunResult {
  const latency = { mean: 1.5, p50: 1.2, p95: 3.4, p99: 5.6, max: 9.1 }
  const none = { mean: 0, p50: 0, p95: 0, p99: 0, max: 0 }
  return {
    scenario: `booking ${HOSTILE}`,
    strategy: `none<img src=x onerror=alert(1)>`,
    expect: 'unsafe',
    isolation: 'read committed',
    db: { dialect: 'postgres', server: 'PostgreSQL 18.4', url: 'postgres://postgres:***@127.0.0.1:5432/postgres', embedded: false, schema: 'racebench_x_0a1b', kept: false },
    nodes: [{ url: 'postgres://postgres:***@127.0.0.1:5432/postgres', server: 'PostgreSQL 18.4', cluster: null, workers: 8, outcomes: { ok: 30, rejected: 5, conflict: 0, error: 5, unknown: 0 }, stoppedWorkers: 0 }],
    workers: 4,
    iterations: 10,
    durationLimitMs: null,
    thinkMs: 10,
    seed: 42,
    params: { rooms: 5, [`name"><svg onload=alert(1)>`]: `a&b` },
    outcomes: { ok: 30, rejected: 5, conflict: 0, error: 5, unknown: 0 },
    retries: 0,
    errorsByClass: { serialization: 0, deadlock: 0, 'lock-timeout': 0, unique: 0, connection: 0, other: 5 },
    errorSamples: [`syntax error at or near "<" in SELECT '</script>' -- ${HOSTILE}`],
    durationMs: 1280,
    connectMs: 40,
    opsPerSec: 31.25,
    latencyMs: latency,
    latencyMsByOutcome: { ok: latency, rejected: latency, conflict: none, error: latency, unknown: none },
    locks: null,
    faults: [],
    redis: null,
    reads: 0,
    readErrors: 0,
    observations: { [`odd <b>read</b>`]: { count: 2, samples: [HOSTILE] } },
    invariants: [
      {
        name: `no double booking <svg onload=alert(1)>`,
        held: false,
        detail: `room "3" has 4 bookings: ${HOSTILE}`,
        broken: [{ key: `room <3> night 'x'`, keyValue: { room: 3 }, detail: `4 active bookings ${HOSTILE}` }],
        offline: false,
      },
    ],
    violations: 1,
    nothingTested: false,
    traces: [
      {
        invariant: 'no double booking',
        key: `room <3>`,
        detail: `4 active bookings ${HOSTILE}`,
        dropped: 0,
        operations: [0, 1].map((worker) => ({
          worker,
          iteration: 0,
          key: 'room <3>',
          start: 10 + worker,
          end: 900 + worker,
          outcome: 'ok' as const,
          events: [{ t: 20 + worker, type: 'step' as const, worker, iteration: 0, sql: `SELECT '</script><svg onload=alert(1)>' FROM "t" WHERE a < 1 && b > 'x'`, rows: 0, ms: 0.2 }],
          completion: { t: 900 + worker, type: 'ok' as const, worker, iteration: 0, key: 'room <3>', ms: 0.9 },
        })),
      },
    ],
    series: { intervalMs: 1000, points: [] },
    ...overrides,
  }
}

const ZERO = { ok: 0, rejected: 0, conflict: 0, error: 0, unknown: 0 }

/** A run in which nothing completed, with no interval in its series. */
const emptyRun = () => handMadeRun({ outcomes: ZERO, opsPerSec: 0, durationMs: 0, violations: 0, invariants: [], traces: [], nothingTested: true })

/** A run whose series is one interval of no length and no operation (a run stopped at once). */
const onePointRun = () =>
  handMadeRun({ series: { intervalMs: 1000, points: [{ t: 0, seconds: 0, outcomes: ZERO, opsPerSec: 0, p50: 0, p99: 0, retries: 0, lockWaits: 0, lockWaitMaxMs: 0 }] } })

const runReport = (runs: readonly RunResult[], extra: Partial<RunReport> = {}): RunReport => ({ command: 'run', runs, repeated: runs.length > 1 ? repeatedOf(runs) : null, thresholds: [], expectViolation: false, ...extra })

/** `k of N runs violated` per invariant, as `--repeat` reports it. */
function repeatedOf(runs: readonly RunResult[]): RepeatedVerdict[] {
  return (runs[0]?.invariants ?? []).map(({ name }) => {
    const violated = runs.filter((run) => run.invariants.some((i) => i.name === name && !i.held)).length
    return { name, violated, runs: runs.length, rate: violated / runs.length }
  })
}

/** Every `<svg` on the page is one of our charts: none came in through a string. */
const svgCount = (page: string) => page.match(/<svg/g)?.length ?? 0
const chartCount = (page: string) => page.match(/<svg class="chart" role="img" data-chart="/g)?.length ?? 0

describe('renderHtmlReport (pure)', () => {
  it('escapes every string from the run: names, details, keys, SQL, errors, params', () => {
    const page = renderHtmlReport(runReport([handMadeRun()]))
    expect(page).not.toContain('<script')
    expect(page).not.toContain('<svg onload')
    expect(page).not.toContain('<img')
    expect(page).not.toContain('<b>read</b>')
    expect(page).toContain('&lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;svg onload=&quot;alert(&#39;x&#39;)&quot;&gt; &amp; &quot;quoted&quot; &#39;single&#39;')
    expect(page).toContain('room &lt;3&gt; night &#39;x&#39;')
    expect(page).toContain('name&quot;&gt;&lt;svg onload=alert(1)&gt;=a&amp;b')
    // The SQL of the timeline, drawn in a <pre>, escaped too.
    expect(page).toMatch(/<pre class="timeline"[^>]*>[^<]*SELECT &#39;&lt;\/script&gt;&lt;svg onload=alert\(1\)&gt;&#39;/)
    expect(svgCount(page)).toBe(chartCount(page))
    expect(svgCount(page)).toBeGreaterThan(0)
  })

  it('escapes strategy names in a comparison, its charts and its folded runs', () => {
    const run = handMadeRun()
    const strategies = [
      { strategy: run.strategy, result: run, held: false, asDeclared: true, relativeThroughput: null },
      { strategy: `safe"'<x>`, result: handMadeRun({ strategy: `safe"'<x>`, expect: 'safe', violations: 0, invariants: [], traces: [] }), held: true, asDeclared: true, relativeThroughput: 1 },
    ]
    const report: CompareReport = { command: 'compare', comparison: { scenario: run.scenario, strategies, skipped: [{ strategy: '<b>redis</b>', reason: 'no "Redis" & co' }], allAsDeclared: true }, thresholds: [] }
    const page = renderHtmlReport(report)
    expect(page).not.toMatch(/<(script|img|b>|x>|svg onload)/)
    expect(page).toContain('data-chart="safe&quot;&#39;&lt;x&gt;:throughput"')
    expect(page).toContain('skipped <strong>&lt;b&gt;redis&lt;/b&gt;</strong>: no &quot;Redis&quot; &amp; co')
    expect(svgCount(page)).toBe(chartCount(page))
  })

  it('draws an empty series, a run with no operation, and one interval of zero ops without NaN', () => {
    const empty = emptyRun()
    const onePoint = onePointRun()
    const thresholds: ThresholdResult[] = [{ expression: 'p99<50ms', metric: 'p99', measured: Number.NaN, shown: '– ms', passed: false }]
    for (const report of [runReport([empty]), runReport([onePoint], { thresholds }), runReport([empty, onePoint])]) {
      const page = renderHtmlReport(report)
      expect(page).not.toMatch(/NaN|Infinity/)
      expect(page).toContain('data-chart="throughput"')
      expect(page).toContain('data-chart="latency-over-time"')
    }
  })

  it('renders a verify matrix with its verdicts', () => {
    const cell = { engine: 0, server: 'PostgreSQL 18.4', dialect: 'postgres' as const, untested: 0, durationMs: 10 }
    const report: VerifyReport = {
      command: 'verify',
      verification: {
        engines: [{ server: 'PostgreSQL 18.4', url: 'postgres://postgres:***@127.0.0.1:5432/postgres', dialect: 'postgres', embedded: false, defaultIsolation: 'read committed' }],
        repeat: 3,
        seed: 7,
        workers: 4,
        iterations: 20,
        thinkMs: 10,
        cells: [
          { ...cell, scenario: 'double-booking', strategy: 'none', column: 'default', isolation: 'read committed', declared: 'unsafe', runs: 3, violated: 3, outcomes: { ...ZERO, ok: 30 }, verdict: 'as-declared' },
          { ...cell, scenario: 'x<y>', strategy: 'lock', column: 'serializable', isolation: 'serializable', declared: 'safe', runs: 3, violated: 1, outcomes: { ...ZERO, ok: 3 }, verdict: 'unexpected', reason: 'violated in 1 of 3 runs: "a" < b' },
          { ...cell, scenario: 'x<y>', strategy: 'redis-lock', column: 'default', isolation: 'read committed', declared: 'safe', runs: 0, violated: 0, outcomes: ZERO, verdict: 'skipped', reason: 'no <Redis>', durationMs: 0 },
        ],
        mismatches: 1,
        durationMs: 1234,
      },
    }
    const page = renderHtmlReport(report)
    expect(page).toContain('✘ 1 of 2 cells did not behave as declared')
    expect(page).toContain('<td class="num">3 / 3</td>')
    expect(page).toContain('skipped: no &lt;Redis&gt;')
    expect(page).toContain('x&lt;y&gt;')
    expect(page).toContain('violated in 1 of 3 runs: &quot;a&quot; &lt; b')
    expect(page).not.toMatch(/NaN|Infinity/)
  })
})

const postgres = await probePostgres()
const browserProbe = findChromium()

describe.skipIf(!postgres.available || !browserProbe.available)('the html report of real runs, in headless Chromium', () => {
  const reports = new Map<string, Report>()
  let browser: Browser

  beforeAll(async () => {
    rmSync(OUTPUT, { recursive: true, force: true })
    mkdirSync(OUTPUT, { recursive: true })
    const db = PG_URL
    // One slot and a pause between check and insert: the workers' first operations all pass the check.
    const violating = await runScenario({ scenario: 'double-booking', strategy: 'none', db, iterations: 10, workers: 4, params: { rooms: 1, nights: 1 }, seed: 7, interval: '100ms' })
    reports.set('run', runReport([violating]))
    // Bounded by time, so the series has several intervals to draw.
    const repeated = [
      await runScenario({ scenario: 'double-booking', strategy: 'none', db, duration: '400ms', workers: 4, seed: 11, interval: '100ms' }),
      await runScenario({ scenario: 'double-booking', strategy: 'none', db, duration: '400ms', workers: 4, seed: 12, interval: '100ms' }),
    ]
    const thresholds = checkThresholds(parseThresholds(['p99<60000', 'violations==0', 'ops_per_s>0']), repeated)
    reports.set('repeat', runReport(repeated, { thresholds }))
    const comparison = await compareStrategies({ scenario: 'double-booking', strategies: ['none', 'pessimistic'], db, iterations: 10, workers: 4, seed: 7, interval: '100ms' })
    reports.set('compare', { command: 'compare', comparison, thresholds: [] } satisfies CompareReport)
    const verification = await verifyMatrix({ dbs: [db], scenarios: ['double-booking'], strategies: ['none', 'unique'], repeat: 1, workers: 4, iterations: 5, seed: 7, warn: () => {} })
    reports.set('verify', { command: 'verify', verification } satisfies VerifyReport)
    // Hand-made: what real runs cannot be asked for, in the browser too (no script may run, no chart may break).
    reports.set('hostile', runReport([handMadeRun()]))
    reports.set('empty', runReport([emptyRun()]))
    reports.set('one-interval', runReport([onePointRun()]))
    browser = await chromium.launch({ executablePath: browserProbe.executablePath, args: CHROMIUM_ARGS })
  }, 120_000)

  afterAll(async () => {
    await browser?.close()
  })

  for (const name of ['run', 'repeat', 'compare', 'verify', 'hostile', 'empty', 'one-interval']) {
    it(`${name}: renders every chart, requests nothing, logs no error`, async () => {
      const report = reports.get(name)!
      const file = join(OUTPUT, `${name}.html`)
      const page = renderHtmlReport(report)
      writeFileSync(file, page)
      expect(page).not.toMatch(/NaN|Infinity/)
      // A URL with a password in it, unless masked as ***.
      expect(page).not.toMatch(/:\/\/[^/\s:@]+:(?!\*\*\*@)[^@\s/]+@/)

      const seen = await openInChromium(browser, file, join(OUTPUT, `${name}.png`))
      expect(seen.requests).toEqual([pathToFileURL(file).href])
      expect(seen.routed.filter((url) => url !== pathToFileURL(file).href)).toEqual([])
      expect(seen.errors).toEqual([])
      expect(seen.scripts).toBe(0)
      if (name !== 'verify') expect(seen.charts.length).toBeGreaterThan(0)
      for (const chart of seen.charts) {
        expect(chart, chart.name).toMatchObject({ role: 'img', titled: true, labelled: true })
        expect(chart.width, chart.name).toBeGreaterThan(0)
        expect(chart.height, chart.name).toBeGreaterThan(0)
        expect(chart.marks, chart.name).toBeGreaterThan(0)
        expect(chart.texts, chart.name).toBeGreaterThan(0)
      }
      if (name === 'run') {
        const run = (report as RunReport).runs[0]!
        if (run.traces.length > 0) expect(seen.timelines).toBeGreaterThan(0)
        expect(seen.charts.map((c) => c.name)).toEqual(expect.arrayContaining(['throughput', 'latency-over-time']))
      }
      if (name === 'compare') expect(seen.charts.map((c) => c.name)).toEqual(expect.arrayContaining(['compare-throughput', 'compare-p99', 'compare-conflicts', 'none:throughput', 'pessimistic:throughput']))
    })
  }
})

if (!postgres.available) it.skip(`html report of real runs: ${postgres.reason}`, () => {})
if (!browserProbe.available) it.skip(`html report in headless Chromium: ${browserProbe.reason}`, () => {})

interface SeenChart {
  readonly name: string
  readonly role: string | null
  readonly titled: boolean
  readonly labelled: boolean
  readonly width: number
  readonly height: number
  /** Lines, bars, paths and points drawn. */
  readonly marks: number
  readonly texts: number
}

/**
 * Opens the file as a person would, with every `<details>` then opened (charts folded away have no
 * size), and records every request, console error and page error; saves a full-page screenshot.
 */
async function openInChromium(browser: Browser, file: string, screenshot: string) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
  const page = await context.newPage()
  const requests: string[] = []
  const routed: string[] = []
  const errors: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text())
  })
  page.on('pageerror', (error) => errors.push(error.message))
  await page.route('**', (route) => {
    routed.push(route.request().url())
    return route.request().url() === pathToFileURL(file).href ? route.continue() : route.abort()
  })
  try {
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' })
    await page.$$eval('details', (all) => all.forEach((details) => details.setAttribute('open', '')))
    const charts: SeenChart[] = await page.$$eval('svg[data-chart]', (svgs) =>
      svgs.map((svg) => {
        const box = svg.getBoundingClientRect()
        return {
          name: svg.getAttribute('data-chart') ?? '',
          role: svg.getAttribute('role'),
          titled: (svg.querySelector(':scope > title')?.textContent ?? '').length > 0,
          labelled: (svg.getAttribute('aria-label') ?? '').length > 0,
          width: box.width,
          height: box.height,
          marks: svg.querySelectorAll('line, rect, path, circle').length,
          texts: svg.querySelectorAll('text').length,
        }
      }),
    )
    const scripts = await page.locator('script').count()
    const timelines = await page.locator('pre.timeline').count()
    await page.screenshot({ path: screenshot, fullPage: true })
    return { requests, routed, errors, charts, scripts, timelines }
  } finally {
    await context.close()
  }
}
