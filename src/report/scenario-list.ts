import type { ChalkInstance } from 'chalk'
import type { Expectation, Params, Scenario, Strategy, StrategyEnvironment } from '../scenario/define-scenario.js'
import { expectationOf, expectationsOf } from '../scenario/expectations.js'
import { DIALECTS } from '../engines/session.js'
import { ISOLATION_LEVELS, type IsolationLevel } from '../config.js'
import { engineFor } from '../engines/engine-for.js'
import { ENGINE_FACTS } from '../engines/engine-family.js'
import { NEMESIS_KINDS } from '../nemesis/spec.js'

type AnyScenario = Scenario<Params, unknown>
type AnyStrategy = Strategy<Params, unknown>

/** `racebench list`: every scenario, its params and its strategies with their summaries, one line each. */
export function renderScenarioList(scenarios: readonly AnyScenario[], style: ChalkInstance): string {
  return scenarios.map((scenario) => describeScenario(scenario, style)).join('\n\n') + '\n'
}

/**
 * `racebench explain <scenario>`: the incident first, then how each strategy meets it and whether it
 * holds, what racebench checks, the knobs, and the commands to see it happen. `ref` is the scenario
 * as the user named it (a built-in name or a file path), for those commands.
 */
export function renderExplanation(scenario: AnyScenario, style: ChalkInstance, ref = scenario.name): string {
  const strategies = Object.entries(scenario.strategies).map(([name, strategy]) => {
    const { expected, caveat } = verdictOf(strategy)
    const tags = [expected === 'safe' ? style.green('safe') : style.red('unsafe'), ...(caveat ? [style.yellow(caveat)] : []), ...requirementsOf(strategy)]
    const notOn = Object.entries(strategy.unsupportedOn ?? {}).map(([dialect, why]) => `not on ${dialect}: ${why}`)
    return [`  ${style.bold(name)} (${tags.join('; ')})`, ...[strategy.summary, ...notOn].map((text) => wrap(text, 100, '    '))].join('\n')
  })
  const params = Object.entries(scenario.params).map(([name, value]) => `${name}=${value}`)
  const unsafe = Object.keys(scenario.strategies).find((name) => verdictOf(scenario.strategies[name]!).expected === 'unsafe')
  const safe = Object.keys(scenario.strategies).find((name) => verdictOf(scenario.strategies[name]!).expected === 'safe')
  const tries = [
    ...(unsafe ? [[`racebench run ${ref} -s ${unsafe}`, 'an unsafe strategy: watch an invariant break']] : []),
    ...(safe ? [[`racebench run ${ref} -s ${safe}`, 'a safe one: every invariant holds']] : []),
    [`racebench compare ${ref}`, 'every strategy side by side'],
  ]
  const width = Math.max(...tries.map(([command]) => command!.length))
  return [
    `${style.bold(scenario.name)}: ${scenario.summary}`,
    '',
    wrap(scenario.story, 100),
    '',
    style.bold('strategies') + style.dim(' (safe or not in a plain run on PostgreSQL, then where an engine or level differs)'),
    ...strategies,
    '',
    style.bold('invariants') + style.dim(' (checked after every run)'),
    ...Object.keys(scenario.invariants).map((name) => `  ${name}`),
    ...(scenario.readers ? ['', `${style.bold('readers')}: ${scenario.readers.summary}`] : []),
    '',
    `${style.bold('params')}: ${params.join(' ') || '(none)'}${params.length ? style.dim(' (change with --param name=value)') : ''}`,
    '',
    style.bold('try'),
    ...tries.map(([command, why]) => `  ${command!.padEnd(width)}  ${style.dim(`# ${why}`)}`),
  ].join('\n') + '\n'
}

function describeScenario(scenario: AnyScenario, style: ChalkInstance): string {
  const params = Object.entries(scenario.params).map(([name, value]) => `${name}=${value}`).join(' ')
  const names = Object.keys(scenario.strategies)
  const width = Math.max(...names.map((name) => name.length))
  const strategies = Object.entries(scenario.strategies).map(([name, strategy]) => {
    const { expected, caveat } = verdictOf(strategy)
    const requires = requirementsOf(strategy).map((needs) => style.dim(` [${needs}]`))
    const unsupported = Object.entries(strategy.unsupportedOn ?? {}).map(([dialect, why]) => style.dim(`\n  ${' '.repeat(width)}  not on ${dialect}: ${why}`))
    for (const [family, reason] of lackingEngines(strategy)) unsupported.push(style.dim(`\n  ${' '.repeat(width)}  not on ${family}: ${reason}`))
    if (strategy.serverLocks) unsupported.push(style.dim(`\n  ${' '.repeat(width)}  unsafe across the nodes of a Galera cluster: its guard is a server lock, which binds one node`))
    const marked = caveat ? style.yellow(` (${caveat})`) : ''
    return `  ${style.bold(name.padEnd(width))}  ${expected === 'safe' ? style.green('safe  ') : style.red('unsafe')}  ${strategy.summary}${marked}${requires.join('')}${unsupported.join('')}`
  })
  const readers = scenario.readers ? [style.dim(`  readers: ${scenario.readers.summary}`)] : []
  return [`${style.bold(scenario.name)}: ${scenario.summary}`, style.dim(`  params: ${params || '(none)'}`), ...readers, ...strategies].join('\n')
}

/**
 * A strategy's headline (a plain `run` on PostgreSQL), and every engine and --isolation level where
 * it is the other way round: `unsafe at repeatable-read on postgres`.
 */
function verdictOf(strategy: AnyStrategy): { expected: Expectation; caveat: string } {
  const plain = { dialect: 'postgres', engine: engineFor('postgres'), nodes: 1, faults: [], isolation: strategy.isolation ?? 'read-committed', oneTransaction: strategy.ownsTransaction === true } as const
  const expected = expectationOf(strategy, plain)
  const exceptions = describeExceptions(expectationsOf(strategy).filter((entry) => entry.expect !== expected))
  // Faults that turn a strategy unsafe (a lease holder that stalls, a saga that crashes), by kind.
  const faulty = NEMESIS_KINDS.filter(({ kind }) => expectationOf(strategy, { ...plain, faults: [kind] }) !== expected).map(({ kind }) => `under --nemesis ${kind}`)
  const caveats = [exceptions, ...faulty].filter(Boolean).join(', ')
  return { expected, caveat: caveats ? `${expected === 'safe' ? 'unsafe' : 'safe'} ${caveats}` : '' }
}

function requirementsOf(strategy: AnyStrategy): string[] {
  return strategy.requires?.length ? [`needs ${strategy.requires.join(', ')}`] : []
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

/** Wraps text at `width` columns, every line starting with `indent`. */
function wrap(text: string, width: number, indent = ''): string {
  const lines: string[] = []
  let line = ''
  for (const word of text.split(/\s+/)) {
    if (line && indent.length + line.length + word.length + 1 > width) {
      lines.push(indent + line)
      line = word
    } else line = line ? `${line} ${word}` : word
  }
  return [...lines, indent + line].join('\n')
}

/** The engine families (by name) that lack a capability the strategy needs, with the reason. */
export function lackingEngines(strategy: AnyStrategy): [string, string][] {
  return (strategy.needs ?? []).flatMap((capability) =>
    Object.values(ENGINE_FACTS).flatMap((facts) => {
      const reason = facts.unsupported[capability]
      return reason ? [[facts.displayName, reason] as [string, string]] : []
    }),
  )
}
