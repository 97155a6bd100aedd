import { Chalk } from 'chalk'
import { whyNothingWasTested } from '../check/nothing-tested.js'
import { plural } from '../check/plural.js'
import type { ComparedStrategy, Comparison } from '../compare.js'
import { formatDuration } from '../duration.js'
import { OUTCOMES } from '../history/outcome.js'
import type { RunResult } from '../run-result.js'
import type { ThresholdResult } from '../thresholds/threshold.js'
import type { Verification, VerifyCell } from '../verify/verification.js'
import type { RepeatedVerdict, Report, RunReport } from './reporter.js'
import { renderTimeline } from './timeline.js'
import { xmlElement } from './xml.js'

/**
 * JUnit XML, the one test format every CI reads: GitHub's dorny/test-reporter and
 * mikepenz/action-junit-report read a testcase's `name`, `classname`, `time` and `failure@message`;
 * GitLab shows `classname`/`name` and the failure's body. The model below is built first and the
 * counts on `<testsuite>` and `<testsuites>` are computed from it, so they always match the elements.
 *
 * What fails: a testcase fails only when the result is not what the strategy declares. A `safe`
 * strategy that violates an invariant fails it; an `unsafe` one (`none`) that violates does not (that
 * is its declaration), unless the user said otherwise with `--expect violation`, which adds a testcase
 * of its own that fails when nothing broke.
 */
export function renderJunit(report: Report): string {
  const suites = report.command === 'run' ? runSuites(report) : report.command === 'compare' ? compareSuites(report.comparison, report.thresholds) : verifySuites(report.verification)
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + xmlElement(0, 'testsuites', { name: 'racebench', ...countsOf(suites.flatMap((s) => s.cases)), time: seconds(sum(suites.map((s) => s.ms))) }, { children: suites.map(suiteXml) }) + '\n'
}

interface Problem {
  readonly message: string
  readonly type: string
  readonly body: string
}

interface Case {
  readonly name: string
  readonly classname: string
  readonly ms: number
  readonly failure?: Problem
  readonly error?: Problem
  readonly skipped?: string
  readonly out?: string
}

interface Suite {
  readonly name: string
  readonly ms: number
  readonly properties: readonly (readonly [string, string])[]
  readonly cases: readonly Case[]
  readonly out?: string
}

function runSuites(report: RunReport): Suite[] {
  const first = report.runs[0]
  if (!first) return []
  const repeated = report.repeated
  if (repeated !== null) return [repeatSuite(report.runs, repeated, report.expectViolation, report.thresholds)]
  return report.runs.map((run) => runSuite(run, report.expectViolation, report.thresholds))
}

function runSuite(run: RunResult, expectViolation: boolean, thresholds: readonly ThresholdResult[]): Suite {
  const classname = classnameOf(run.scenario, run.strategy)
  const cases: Case[] = run.invariants.map((invariant) => {
    const base = { name: invariant.name, classname, ms: run.durationMs }
    if (invariant.held) {
      // A run that tested nothing (every operation an error, or none completed): its invariants
      // held only because nothing happened. That is no pass, and no assertion that failed either:
      // the test could not do its job, which is what JUnit's <error> says (the CLI exits 7).
      if (run.nothingTested) return { ...base, error: { message: `nothing was tested: ${whyNothingWasTested(run.outcomes) ?? 'no operation got past an error'}`, type: 'nothing-tested', body: errorSamples([run]) } }
      return { ...base, out: `held: ${invariant.detail}` }
    }
    const story = [invariant.detail, timelineOf([run], invariant.name)].filter(Boolean).join('\n\n')
    if (violationFails(run, expectViolation)) return { ...base, failure: { message: `violated: ${invariant.detail} ('${run.strategy}' is declared safe)`, type: 'violation', body: story } }
    return { ...base, out: `violated, ${expectViolation ? 'as --expect violation wants' : `as expected: '${run.strategy}' is unsafe`}\n${story}` }
  })
  if (expectViolation) {
    const shown = run.violations > 0
    cases.push({
      name: EXPECTATION,
      classname,
      ms: run.durationMs,
      ...(shown ? { out: plural(run.violations, 'invariant') + ' violated' } : { failure: { message: 'no invariant was violated: the race did not show in this run', type: 'expected-violation', body: summaryOf(run) } }),
    })
  }
  cases.push(...thresholdCases(thresholds, `${classname}.thresholds`))
  return { name: suiteName(run), ms: run.durationMs, properties: runProperties([run]), cases, out: summaryOf(run) }
}

/** `--repeat N`: one suite for the settings, one testcase per invariant saying in how many runs it broke. */
function repeatSuite(runs: readonly RunResult[], verdicts: readonly RepeatedVerdict[], expectViolation: boolean, thresholds: readonly ThresholdResult[]): Suite {
  const first = runs[0]!
  const classname = classnameOf(first.scenario, first.strategy)
  const ms = sum(runs.map((run) => run.durationMs))
  const idle = runs.filter((run) => run.nothingTested).length
  const cases: Case[] = verdicts.map(({ name, violated, runs: count, rate }) => {
    const tally = `violated in ${violated} of ${count} runs (${Math.round(rate * 100)}%)`
    const perRun = runs.map((run, index) => {
      const invariant = run.invariants.find((i) => i.name === name)
      return `run ${index + 1} (seed ${run.seed}): ${invariant === undefined ? 'not checked' : `${invariant.held ? 'held' : 'violated'}: ${invariant.detail}`}`
    })
    const story = [tally, perRun.join('\n'), timelineOf(runs, name)].filter(Boolean).join('\n\n')
    if (violated > 0 && violationFails(first, expectViolation)) return { name, classname, ms, failure: { message: `${tally} ('${first.strategy}' is declared safe)`, type: 'violation', body: story } }
    // See runSuite: held only in runs that tested nothing proves nothing about those runs.
    if (violated === 0 && idle > 0) return { name, classname, ms, error: { message: `nothing was tested in ${idle} of ${count} runs`, type: 'nothing-tested', body: errorSamples(runs) }, out: story }
    return { name, classname, ms, out: story }
  })
  if (expectViolation) {
    // As the exit code judges it (run-exit-code.ts): the race must show in every run, reliably.
    const showed = runs.filter((run) => run.violations > 0).length
    const tally = `${showed} of ${plural(runs.length, 'run')} violated an invariant`
    const message = showed === 0 ? `no invariant was violated in any of ${plural(runs.length, 'run')}` : `only ${tally}`
    cases.push({ name: EXPECTATION, classname, ms, ...(showed === runs.length ? { out: tally } : { failure: { message, type: 'expected-violation', body: tally } }) })
  }
  cases.push(...thresholdCases(thresholds, `${classname}.thresholds`))
  return { name: `${suiteName(first)} × ${runs.length} runs`, ms, properties: runProperties(runs), cases, out: runs.map((run, index) => `run ${index + 1} (seed ${run.seed}): ${summaryOf(run)}`).join('\n') }
}

function compareSuites(comparison: Comparison, thresholds: readonly ThresholdResult[]): Suite[] {
  const suites = comparison.strategies.map((compared: ComparedStrategy) => runSuite(compared.result, false, []))
  for (const { strategy, reason } of comparison.skipped) {
    const classname = classnameOf(comparison.scenario, strategy)
    suites.push({ name: `${comparison.scenario} · ${strategy}`, ms: 0, properties: [['scenario', comparison.scenario], ['strategy', strategy]], cases: [{ name: strategy, classname, ms: 0, skipped: reason }] })
  }
  if (thresholds.length > 0) {
    const cases = thresholdCases(thresholds, `racebench.${comparison.scenario}.thresholds`)
    suites.push({ name: `${comparison.scenario} · thresholds`, ms: 0, properties: [['scenario', comparison.scenario]], cases })
  }
  return suites
}

/** `verify`: a suite per scenario and engine, a testcase per cell (strategy × matrix column). */
function verifySuites(verification: Verification): Suite[] {
  const groups = new Map<string, VerifyCell[]>()
  for (const cell of verification.cells) {
    const key = JSON.stringify([cell.scenario, cell.engine])
    groups.set(key, groups.get(key) ?? []).get(key)!.push(cell)
  }
  const { seed, workers, iterations, thinkMs, repeat } = verification
  return [...groups.values()].map((cells) => {
    const { scenario, server, dialect, engine: index } = cells[0]!
    const engine = verification.engines[index]
    const properties: [string, string][] = [['seed', String(seed)], ['scenario', scenario], ['workers', String(workers)], ['iterations', String(iterations)], ['think', `${thinkMs}ms`], ['repeat', String(repeat)], ['dialect', dialect], ['server', server]]
    if (engine) properties.push(['url', engine.url], ['embedded', String(engine.embedded)], ['default isolation', engine.defaultIsolation])
    return { name: `${scenario} · ${server}`, ms: sum(cells.map((c) => c.durationMs)), properties, cases: cells.map(verifyCase) }
  })
}

function verifyCase(cell: VerifyCell): Case {
  // The `default` column runs without --isolation; its level is named so two testcases never share a name.
  const column = cell.column === 'default' ? `default (${cell.isolation})` : cell.column
  const base = { name: `${cell.strategy} · ${column}`, classname: classnameOf(cell.scenario, cell.strategy), ms: cell.durationMs }
  const outcomes = OUTCOMES.map((outcome) => `${outcome} ${cell.outcomes[outcome]}`).join(' · ')
  const tally = `violated in ${cell.violated} of ${plural(cell.runs, 'run')}${cell.untested > 0 ? `, ${cell.untested} tested nothing` : ''}`
  if (cell.verdict === 'skipped') return { ...base, skipped: cell.reason ?? 'not run here' }
  if (cell.verdict === 'as-declared') return { ...base, out: `declared ${cell.declared} at ${cell.isolation}: ${tally}
${outcomes}` }
  const message = cell.reason ?? `declared ${cell.declared} at ${cell.isolation}, but ${tally}`
  return { ...base, failure: { message, type: 'unexpected', body: `${message}
on ${cell.server} at ${cell.isolation}: ${tally}
${outcomes}` } }
}

function thresholdCases(thresholds: readonly ThresholdResult[], classname: string): Case[] {
  return thresholds.map(({ expression, shown, passed }) =>
    passed ? { name: expression, classname, ms: 0, out: `measured ${shown}` } : { name: expression, classname, ms: 0, failure: { message: `${expression} failed: measured ${shown}`, type: 'threshold', body: `measured ${shown}` } },
  )
}

/** The testcase `--expect violation` adds: it fails when no invariant broke. */
const EXPECTATION = 'shows a violation (--expect violation)'

/** A violation fails the testcase when the strategy is declared safe, and the user did not ask for one. */
function violationFails(run: RunResult, expectViolation: boolean): boolean {
  return run.expect === 'safe' && !expectViolation
}

const classnameOf = (scenario: string, strategy: string) => `racebench.${scenario}.${strategy}`

function suiteName(run: RunResult): string {
  return `${run.scenario} · ${run.strategy} · ${run.db.server}${run.db.embedded ? ' (embedded)' : ''}`
}

/** The settings, as CI tools list properties: seed first (it reproduces the keys a run drew). */
function runProperties(runs: readonly RunResult[]): [string, string][] {
  const r = runs[0]!
  const seeds = [...new Set(runs.map((run) => run.seed))]
  const properties: [string, string][] = [
    // Each run's own seed is in its line of the suite's system-out; a few are enough here.
    ['seed', seeds.length > 20 ? `${seeds.slice(0, 20).join(', ')}, … (${seeds.length} in all)` : seeds.join(', ')],
    ['scenario', r.scenario],
    ['strategy', r.strategy],
    ['expect', r.expect],
    ['isolation', r.isolation],
    ['workers', String(r.workers)],
    r.iterations !== null ? ['iterations', String(r.iterations)] : ['duration', formatDuration(r.durationLimitMs ?? 0)],
    ['think', `${r.thinkMs}ms`],
    ['dialect', r.db.dialect],
    ['server', r.db.server],
    ['url', r.db.url],
    ['embedded', String(r.db.embedded)],
  ]
  if (runs.length > 1) properties.push(['repeat', String(runs.length)])
  if (r.redis) properties.push(['redis.server', r.redis.server], ['redis.url', r.redis.url])
  for (const [name, value] of Object.entries(r.params)) properties.push([`param.${name}`, String(value)])
  return properties
}

/** One line of what the run did: outcomes, retries, throughput, latency. */
function summaryOf(r: RunResult): string {
  const outcomes = OUTCOMES.map((outcome) => `${outcome} ${r.outcomes[outcome]}`).join(' · ')
  const errors = Object.entries(r.errorsByClass).filter(([, count]) => count > 0)
  const line = `${outcomes} · ${plural(r.retries, 'retry', 'retries')} · ${r.opsPerSec} ops/s · p50 ${r.latencyMs.p50} ms · p99 ${r.latencyMs.p99} ms · ${formatDuration(Math.round(r.durationMs))}`
  return [line, ...(errors.length > 0 ? [`database errors: ${errors.map(([name, count]) => `${name} ${count}`).join(', ')}`] : []), ...r.errorSamples.map((s) => `error: ${s}`)].join('\n')
}

function errorSamples(runs: readonly RunResult[]): string {
  const samples = [...new Set(runs.flatMap((run) => run.errorSamples))]
  return samples.length > 0 ? samples.map((s) => `error: ${s}`).join('\n') : 'no error message was kept'
}

/** The first broken key's timeline of this invariant, plain text 100 columns wide, or ''. */
function timelineOf(runs: readonly RunResult[], invariant: string): string {
  const trace = runs.flatMap((run) => run.traces).find((t) => t.invariant === invariant)
  return trace ? renderTimeline(trace, PLAIN, { width: 100 }).trimEnd() : ''
}

const PLAIN = new Chalk({ level: 0 })

function countsOf(cases: readonly Case[]) {
  return {
    tests: cases.length,
    failures: cases.filter((c) => c.failure).length,
    errors: cases.filter((c) => c.error).length,
    skipped: cases.filter((c) => c.skipped !== undefined).length,
  }
}

function suiteXml(suite: Suite): string {
  const properties = xmlElement(2, 'properties', {}, { children: suite.properties.map(([name, value]) => xmlElement(3, 'property', { name, value })) })
  const cases = suite.cases.map(caseXml)
  const out = suite.out ? [xmlElement(2, 'system-out', {}, { text: suite.out })] : []
  return xmlElement(1, 'testsuite', { name: suite.name, ...countsOf(suite.cases), time: seconds(suite.ms) }, { children: [properties, ...cases, ...out] })
}

function caseXml(c: Case): string {
  const children: string[] = []
  if (c.failure) children.push(xmlElement(3, 'failure', { message: c.failure.message, type: c.failure.type }, { text: c.failure.body }))
  if (c.error) children.push(xmlElement(3, 'error', { message: c.error.message, type: c.error.type }, { text: c.error.body }))
  if (c.skipped !== undefined) children.push(xmlElement(3, 'skipped', { message: c.skipped }))
  if (c.out) children.push(xmlElement(3, 'system-out', {}, { text: c.out }))
  return xmlElement(2, 'testcase', { name: c.name, classname: c.classname, time: seconds(c.ms) }, { children })
}

/** JUnit's `time`: seconds, as a plain decimal number (never NaN, negative or in exponent form). */
function seconds(ms: number): string {
  return Number.isFinite(ms) && ms > 0 ? (ms / 1000).toFixed(3) : '0.000'
}

const sum = (values: readonly number[]) => values.reduce((total, value) => total + value, 0)
