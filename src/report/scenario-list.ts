import type { ChalkInstance } from 'chalk'
import { expectationOf, expectationsOf, type Params, type Scenario, type StrategyEnvironment } from '../scenario/define-scenario.js'
import { DIALECTS } from '../target/session.js'
import { ISOLATION_LEVELS, type IsolationLevel } from '../config.js'

/** `racebench list`: every scenario, its params and its strategies with their summaries. */
export function renderScenarioList(scenarios: readonly Scenario<Params, unknown>[], style: ChalkInstance): string {
  return scenarios.map((scenario) => describeScenario(scenario, style)).join('\n\n') + '\n'
}

/** `racebench explain <scenario>`: the same, preceded by the incident the scenario comes from. */
export function renderExplanation(scenario: Scenario<Params, unknown>, style: ChalkInstance): string {
  return `${describeScenario(scenario, style)}\n\n${wrap(scenario.story, 100)}\n\ninvariants: ${Object.keys(scenario.invariants).join('; ')}\n`
}

function describeScenario(scenario: Scenario<Params, unknown>, style: ChalkInstance): string {
  const params = Object.entries(scenario.params).map(([name, value]) => `${name}=${value}`).join(' ')
  const names = Object.keys(scenario.strategies)
  const width = Math.max(...names.map((name) => name.length))
  const strategies = Object.entries(scenario.strategies).map(([name, strategy]) => {
    // The headline is a plain `run` on PostgreSQL; every engine and --isolation level where it differs
    // is named after the summary.
    const expected = expectationOf(strategy, { dialect: 'postgres', isolation: strategy.isolation ?? 'read-committed', oneTransaction: strategy.ownsTransaction === true })
    const exceptions = describeExceptions(expectationsOf(strategy).filter((entry) => entry.expect !== expected))
    const caveat = exceptions ? style.yellow(` (${expected === 'safe' ? 'unsafe' : 'safe'} ${exceptions})`) : ''
    const requires = strategy.requires?.length ? style.dim(` [needs ${strategy.requires.join(', ')}]`) : ''
    const unsupported = Object.entries(strategy.unsupportedOn ?? {}).map(([dialect, why]) => style.dim(`\n  ${' '.repeat(width)}  not on ${dialect}: ${why}`))
    return `  ${style.bold(name.padEnd(width))}  ${expected === 'safe' ? style.green('safe  ') : style.red('unsafe')}  ${strategy.summary}${caveat}${requires}${unsupported.join('')}`
  })
  const readers = scenario.readers ? [style.dim(`  readers: ${scenario.readers.summary}`)] : []
  return [`${style.bold(scenario.name)}: ${scenario.summary}`, style.dim(`  params: ${params || '(none)'}`), ...readers, ...strategies].join('\n')
}

/** `at repeatable-read on postgres, at serializable`: levels in order, engines named only when not all. */
function describeExceptions(exceptions: readonly { env: StrategyEnvironment }[]): string {
  const byLevel = new Map<string, string[]>()
  for (const { env } of exceptions) byLevel.set(env.isolation, [...(byLevel.get(env.isolation) ?? []), env.dialect])
  return [...byLevel]
    .sort(([a], [b]) => ISOLATION_LEVELS.indexOf(a as IsolationLevel) - ISOLATION_LEVELS.indexOf(b as IsolationLevel))
    .map(([level, dialects]) => (dialects.length === DIALECTS.length ? `at ${level}` : `at ${level} on ${dialects.join(', ')}`))
    .join(', ')
}

function wrap(text: string, width: number): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && line.length + word.length + 1 > width) {
      lines.push(line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, line].join('\n')
}
