import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { Command, Option } from 'commander'
import { DEFAULTS, ISOLATION_LEVELS } from '../config.js'
import { packageRoot } from '../package-root.js'

/** `--param rooms=3 --param nights=2` → ['rooms=3', 'nights=2']. */
const collect = (value: string, previous: string[]) => [...previous, value]

/** `a, b,c` → ['a', 'b', 'c'] */
const splitList = (value: string) => value.split(',').map((name) => name.trim()).filter(Boolean)

/** The options `run` and `compare` share: where to run, how hard, and how to report. */
function addRunOptions(command: Command): Command {
  return command
    .option('--db <url>', 'postgres://… or mysql://… (mariadb://…) user:password@host:port/database (default: an embedded PostgreSQL)')
    .option('--redis <url>', `Redis for strategies that need it (default: ${DEFAULTS.redis} if it answers)`)
    .option('--lock-ttl <ms>', 'lease time of Redis locks', `${DEFAULTS.lockTtlMs / 1000}s`)
    .option('-w, --workers <n>', 'concurrent workers, each on its own connection', String(DEFAULTS.workers))
    .option('-n, --iterations <n>', `operations per worker (default: ${DEFAULTS.iterations})`)
    .option('-d, --duration <time>', 'run for a time instead, e.g. 10s or 2m')
    .option('--think <ms>', 'pause between check and act, widening the race window', String(DEFAULTS.thinkMs))
    .addOption(new Option('--isolation <level>', "run each operation in a transaction at this level (default: the engine's)").choices(ISOLATION_LEVELS))
    .option('-p, --param <name=value>', 'set a scenario param, e.g. rooms=3 (repeatable)', collect, [])
    .option('--seed <n>', 'seed for key choice, to repeat a run (default: random, printed)')
    .option('--timeout <time>', 'lock and statement timeout on every connection', `${DEFAULTS.timeoutMs / 1000}s`)
    .option('--max-retries <n>', 'retries per operation for strategies that retry', String(DEFAULTS.maxRetries))
    .option('--json', 'print the result as JSON on stdout')
    .option('--keep', "keep the run's schema instead of dropping it")
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
    .configureOutput({ outputError: (text, write) => write(`racebench: ${text.replace(/^error: /, '')}`) })
    .showSuggestionAfterError()

  addRunOptions(
    program
      .command('run')
      .description('run a scenario with one strategy and check its invariants')
      .argument('<scenario>', 'a built-in scenario (see `racebench list`) or a path to a scenario file')
      .option('-s, --strategy <name>', "the strategy to run (default: the scenario's first, `none`)"),
  ).action(async (scenario: string, options) => {
    const { runCommand } = await import('./run-command.js')
    exitCode = await runCommand(scenario, options, secrets)
  })

  addRunOptions(
    program
      .command('compare')
      .description('run every strategy of a scenario one after the other, same seed and settings, and line them up')
      .argument('<scenario>', 'a built-in scenario or a path to a scenario file')
      .option('--strategies <names>', 'comma-separated strategies to compare (default: every one the engine supports)', splitList),
  ).action(async (scenario: string, options) => {
    const { compareCommand } = await import('./compare-command.js')
    exitCode = await compareCommand(scenario, options, secrets)
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
    .description('tell the incident behind a scenario and what each strategy does')
    .argument('<scenario>', 'a built-in scenario or a path to a scenario file')
    .action(async (scenario: string) => {
      const { explainCommand } = await import('./list-command.js')
      exitCode = await explainCommand(scenario)
    })

  await program.parseAsync([...argv])
  return exitCode
}
