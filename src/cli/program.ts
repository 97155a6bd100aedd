import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command } from 'commander'
import { DEFAULTS, ISOLATION_LEVELS, LIMITS, TIME_OPTIONS, timeRange, type TimeOption } from '../config.js'
import { formatDuration } from '../duration.js'
import { packageRoot } from '../package-root.js'
import { BUILTIN_SCENARIOS } from '../scenario/builtin.js'
import { explainUsageErrors } from './usage-errors.js'
import { REPORTER_NAMES } from '../report/reporter-names.js'

/** `--param rooms=3 --param nights=2` → ['rooms=3', 'nights=2']. */
const collect = (value: string, previous: string[] = []) => [...previous, value]

/** `a, b,c` → ['a', 'b', 'c'] */
const splitList = (value: string) => value.split(',').map((name) => name.trim()).filter(Boolean)

/**
 * ` (default: 10s)`. Defaults are written into the descriptions, not handed to commander: it would
 * quote some and not others, and pass them on as if the user had typed them. config.ts applies them.
 */
const byDefault = (value: string | number) => ` (default: ${value})`

/** `1ms to 1h; a bare number is s`: a time option's range and unit, as config.ts checks them. */
const timeHint = (option: TimeOption) => `${timeRange(option)}; a bare number is ${option.bareUnit}`

/** The options `run` and `compare` share: where to run, how hard, and how to report. */
function addRunOptions(command: Command): Command {
  return command
    .option('--db <url>', 'postgres://… or mysql://… (mariadb://…) user:password@host:port/database; repeat it (or a comma list) for the nodes of one cluster, workers spread over them (default: an embedded PostgreSQL)', collect)
    .option('--redis <url>', `Redis for strategies that need it; repeat it for redlock's independent nodes (default: ${DEFAULTS.redis} if it answers)`, collect)
    .option('--db2 <url>', "the scenario's second database, another service's (payment-saga: the jobs service), postgres://… or mysql://… (default: a database of its own beside --db's)")
    .option('--rabbitmq <url>', 'RabbitMQ for strategies that publish events (default: amqp://guest:guest@127.0.0.1:5672 if it answers)')
    .option('--nemesis <spec>', 'inject a fault during the run: kill-connections:10%, pause-redis:200ms, latency:20ms, reset, pause-worker:1500ms, crash-saga:20%; KIND[:ARG][/EVERY] (repeatable; see the README)', collect)
    .option('--lock-ttl <time>', `lease time of Redis locks, ${timeHint(TIME_OPTIONS.lockTtl)}${byDefault(formatDuration(DEFAULTS.lockTtlMs))}`)
    .option('-w, --workers <n>', `concurrent workers, each on its own connection, 1 to ${LIMITS.workers}${byDefault(DEFAULTS.workers)}`)
    .option('-n, --iterations <n>', `operations per worker, 1 to ${LIMITS.iterations}${byDefault(DEFAULTS.iterations)}`)
    .option('-d, --duration <time>', `run for a time instead, e.g. 10s or 2m, ${timeHint(TIME_OPTIONS.duration)}`)
    .option('--think <time>', `pause between check and act, widening the race window, ${timeHint(TIME_OPTIONS.think)}${byDefault(formatDuration(DEFAULTS.thinkMs))}`)
    // Not commander's .choices(): config.ts also takes `READ COMMITTED` and `read_committed`, and reports a bad level with the other problems.
    .option('--isolation <level>', `run each operation in a transaction at this level: ${ISOLATION_LEVELS.join(', ')}${byDefault("the engine's")}`)
    .option('-p, --param <name=value>', 'set a scenario param, e.g. rooms=3 (repeatable)', collect)
    .option('--seed <n>', `seed for key choice, to repeat a run, 0 to ${LIMITS.seed}${byDefault('random, printed')}`)
    .option('--timeout <time>', `lock and statement timeout on every connection, ${timeHint(TIME_OPTIONS.timeout)}${byDefault(formatDuration(DEFAULTS.timeoutMs))}`)
    .option('--max-retries <n>', `retries per operation for strategies that retry, 0 to ${LIMITS.maxRetries}${byDefault(DEFAULTS.maxRetries)}`)
    .option('--json', 'print the result as JSON on stdout (the same as --reporter json)')
    .option('--reporter <name[=file]>', `how to report the result: ${REPORTER_NAMES.join(', ')}; to a file with =FILE, else stdout (repeatable; default: table)`, collect)
    .option('--interval <time>', `the time series' interval (and the progress line's), ${timeHint(TIME_OPTIONS.interval)}${byDefault(formatDuration(DEFAULTS.intervalMs))}`)
    .option('--show <n>', `timelines of how the race broke the first n broken keys, 0 to ${LIMITS.show}${byDefault(DEFAULTS.show)}`)
    .option('--history <file>', 'write every event of the run to this file as JSON lines (read it back with `racebench show`)')
    .option('--keep', "keep the run's schema instead of dropping it")
    .option('--allow-errors', 'exit 0 even when every operation ended in error (default: exit 7, nothing was tested)')
    .option('--debug', 'log diagnostics and stack traces to stderr')
}

/**
 * Parses the command line and runs the command. Each command's module is imported only when it
 * runs, so `--help` and `list` start fast. Resolves to the exit code.
 */
export async function runProgram(argv: readonly string[], secrets: readonly string[]): Promise<number> {
  let exitCode = 0
  const version = JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version as string
  const program = new Command('racebench')
    .description('Make database race conditions visible and measurable.')
    .version(version)
    .exitOverride()
    .showSuggestionAfterError()

  addRunOptions(
    program
      .command('run')
      .description('run a scenario with one strategy and check its invariants')
      .argument('<scenario>', 'a built-in scenario (see `racebench list`) or a path to a scenario file')
      .option('-s, --strategy <name>', "the strategy to run (default: the scenario's first, `none`)"),
  )
    .option('--threshold <expr>', 'fail (exit 8) unless a metric meets this, k6-style: p99<50ms, conflict_rate<5%, ops_per_s>500, errors==0 (repeatable)', collect)
    .option('--expect <verdict>', 'what the run must show: `held` (every invariant holds, the default) or `violation` (an invariant breaks, for demos and tests of the race)')
    .option('--repeat <n>', `run the same settings n times, each on a fresh schema, and count the runs that violated each invariant, 1 to ${LIMITS.repeat}${byDefault(1)}`)
    .action(async (scenario: string, options) => {
      const { runCommand } = await import('./run-command.js')
      exitCode = await runCommand(scenario, { ...options, param: options.param ?? [] }, secrets)
    })

  addRunOptions(
    program
      .command('compare')
      .description('run every strategy of a scenario one after the other, same seed and settings, and line them up')
      .argument('<scenario>', 'a built-in scenario or a path to a scenario file')
      .option('--strategies <names>', 'comma-separated strategies to compare (default: every one the engine supports)', splitList),
  ).action(async (scenario: string, options) => {
    const { compareCommand } = await import('./compare-command.js')
    exitCode = await compareCommand(scenario, { ...options, param: options.param ?? [] }, secrets)
  })

  program
    .command('list')
    .description('list every scenario with its strategies')
    .option('--json', 'print the list as JSON')
    .action(async (options: { json?: boolean }) => {
      const { listCommand } = await import('./list-command.js')
      exitCode = await listCommand(options)
    })

  program
    .command('explain')
    .description('tell the incident behind a scenario and what each strategy does; with --strategy, replay one race step by step')
    .argument('<scenario>', 'a built-in scenario or a path to a scenario file')
    .option('-s, --strategy <name>', 'run two workers, a and b, one operation each on one key, step by step')
    .option('--schedule <steps>', 'the order of their steps, e.g. "a1 b1 a2 b2" (default: the canonical race, a and b taking turns)')
    .option('--permutations', 'run every interleaving of their steps, each on fresh data, and count those that break an invariant')
    .option('--db <url>', 'postgres://… or mysql://… (default: an embedded PostgreSQL)')
    .option('--redis <url>', `Redis for strategies that need it (default: ${DEFAULTS.redis} if it answers)`)
    .option('--lock-ttl <time>', `lease time of Redis locks, ${timeHint(TIME_OPTIONS.lockTtl)}${byDefault(formatDuration(DEFAULTS.lockTtlMs))}`)
    .option('--think <time>', `pause between check and act, a step of its own when set, ${timeHint(TIME_OPTIONS.think)}${byDefault('0')}`)
    .option('--isolation <level>', `run each operation in a transaction at this level: ${ISOLATION_LEVELS.join(', ')}${byDefault("the engine's")}`)
    .option('-p, --param <name=value>', 'set a scenario param, e.g. rooms=3 (repeatable)', collect)
    .option('--seed <n>', `the key both workers work on is the first pickKey draws with this seed, 0 to ${LIMITS.seed}${byDefault(0)}`)
    .option('--timeout <time>', `lock and statement timeout on every connection; a schedule stuck twice as long ends, ${timeHint(TIME_OPTIONS.timeout)}${byDefault(formatDuration(DEFAULTS.timeoutMs))}`)
    .option('--max-retries <n>', `retries per operation for strategies that retry, 0 to ${LIMITS.maxRetries}${byDefault(DEFAULTS.maxRetries)}`)
    .option('--json', 'print the runs (order, outcomes, invariants) as JSON')
    .option('--debug', 'log diagnostics and stack traces to stderr')
    .action(async (scenario: string, options) => {
      const { explainCommand } = await import('./explain-command.js')
      exitCode = await explainCommand(scenario, options, secrets)
    })

  program
    .command('verify')
    .description("run every scenario × strategy × isolation level, each --repeat times, and check each strategy's declaration (safe or races) against what was measured")
    .option('--db <url>', 'an engine to verify on, postgres://… or mysql://… (repeatable; default: an embedded PostgreSQL)', collect)
    .option('--redis <url>', `Redis for strategies that need it (default: ${DEFAULTS.redis} if it answers)`)
    .option('--scenarios <names>', 'comma-separated scenarios to verify (default: every built-in one)', splitList)
    .option('--strategies <names>', 'comma-separated strategies to verify (default: each scenario\'s every one)', splitList)
    .option('--repeat <n>', `runs per cell, 1 to ${LIMITS.repeat}${byDefault(DEFAULTS.verifyRepeat)}`)
    .option('-w, --workers <n>', `concurrent workers per run, 1 to ${LIMITS.workers}${byDefault(DEFAULTS.workers)}`)
    .option('-n, --iterations <n>', `operations per worker per run, 1 to ${LIMITS.iterations}${byDefault(DEFAULTS.verifyIterations)}`)
    .option('--think <time>', `pause between check and act, ${timeHint(TIME_OPTIONS.think)}${byDefault(formatDuration(DEFAULTS.thinkMs))}`)
    .option('--timeout <time>', `lock and statement timeout on every connection, ${timeHint(TIME_OPTIONS.timeout)}${byDefault(formatDuration(DEFAULTS.timeoutMs))}`)
    .option('--seed <n>', `seed for key choice, the same for every run, 0 to ${LIMITS.seed}${byDefault('random, printed')}`)
    .option('--json', 'print the matrix as JSON (the same as --reporter json)')
    .option('--reporter <name[=file]>', `how to report the matrix: ${REPORTER_NAMES.join(', ')}; to a file with =FILE, else stdout (repeatable; default: table)`, collect)
    .option('--debug', 'log diagnostics and stack traces to stderr')
    .action(async (options) => {
      const { verifyCommand } = await import('./verify-command.js')
      exitCode = await verifyCommand(options, secrets)
    })

  program
    .command('init')
    .description('write a commented starter scenario (TypeScript) and its SQL into the current folder, ready to run')
    .argument('[name]', 'the scenario\'s name, also its file names', 'my-scenario')
    .option('--force', 'overwrite files that exist')
    .action(async (name: string, options: { force?: boolean }) => {
      const { initCommand } = await import('./init-command.js')
      exitCode = await initCommand(name, options)
    })

  program
    .command('anomalies')
    .description("run Hermitage's isolation-anomaly tests at every isolation level of the server and print which anomalies it prevents, and how")
    .option('--db <url>', 'postgres://… or mysql://… (mariadb://…) (default: an embedded PostgreSQL)')
    .option('--timeout <time>', `lock and statement timeout on every connection, ${timeHint(TIME_OPTIONS.timeout)}${byDefault(formatDuration(DEFAULTS.timeoutMs))}`)
    .option('--json', 'print the server and every cell (anomaly, level, outcome, how, detail) as JSON')
    .option('--debug', 'log diagnostics and stack traces to stderr')
    .action(async (options: { db?: string; timeout?: string; json?: boolean; debug?: boolean }) => {
      const { anomaliesCommand } = await import('./anomalies-command.js')
      exitCode = await anomaliesCommand(options, secrets)
    })

  program
    .command('clean')
    .description('list what killed runs left behind (embedded servers and folders, schemas, databases, Redis keys) and remove it with --yes')
    .option('--db <url>', 'also look for racebench schemas (postgres://…) or databases (mysql://…) on this server')
    .option('--redis <url>', 'also look for racebench keys on this Redis')
    .option('--yes', 'remove the leftovers (default: only list them)')
    .option('--json', 'print what was found and removed as JSON')
    .option('--debug', 'stack traces on stderr')
    .action(async (options: { db?: string; redis?: string; yes?: boolean; json?: boolean }) => {
      const { cleanCommand } = await import('./clean-command.js')
      exitCode = await cleanCommand(options, secrets)
    })

  program
    .command('show')
    .description('redraw a run from its history file (run --history FILE): counts, invariants and timelines, without a database')
    .argument('<file>', 'a history file written by `racebench run --history FILE`')
    .option('--show <n>', `draw the timelines of the first n broken keys, 0 to ${LIMITS.show}${byDefault(DEFAULTS.show)}`)
    .option('--scenario <scenario>', 'check it with this built-in scenario or scenario file (default: the one the history names)')
    .option('--json', 'print header, outcomes, retries, invariants and traces as JSON')
    .option('--debug', 'stack traces on stderr')
    .action(async (file: string, options: { show?: string; scenario?: string; json?: boolean }) => {
      const { showCommand } = await import('./show-command.js')
      exitCode = await showCommand(file, options)
    })

  explainUsageErrors(program, { scenario: `built-in scenarios: ${Object.keys(BUILTIN_SCENARIOS).join(', ')}, or a path to a scenario file` })
  await program.parseAsync([...argv])
  return exitCode
}
