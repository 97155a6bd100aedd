import { ExitCode, InterruptedError } from '../errors.js'
import { redact } from '../redact.js'
import { renderJson } from '../report/json.js'
import { showProgress } from '../report/progress.js'
import { styleFor } from '../report/style.js'
import { renderRunTable } from '../report/table.js'
import { runScenario } from '../run-scenario.js'
import { createRunEmitter } from '../runner/events.js'

export interface RunCommandOptions {
  strategy?: string
  db?: string
  redis?: string
  lockTtl?: string
  workers?: string
  iterations?: string
  duration?: string
  think?: string
  isolation?: string
  param: string[]
  seed?: string
  timeout?: string
  maxRetries?: string
  json?: boolean
  keep?: boolean
  debug?: boolean
}

/**
 * `racebench run`: runs, prints the table (or JSON) on stdout, and answers the exit code:
 * 0 every invariant held, 1 one was violated. Ctrl-C stops the workers and still cleans up;
 * a second Ctrl-C exits at once.
 */
export async function runCommand(scenario: string, options: RunCommandOptions, secrets: readonly string[]): Promise<number> {
  const controller = new AbortController()
  const interrupt = () => {
    if (controller.signal.aborted) process.exit(ExitCode.Interrupted)
    controller.abort()
    process.stderr.write('\nracebench: stopping and cleaning up (Ctrl-C again to quit at once)\n')
  }
  process.on('SIGINT', interrupt)
  process.on('SIGTERM', interrupt)

  const events = createRunEmitter()
  showProgress(events, process.stderr)
  const log = options.debug ? (line: string) => process.stderr.write(`racebench: ${redact(line, secrets)}\n`) : undefined
  const warn = (line: string) => process.stderr.write(`racebench: warning: ${redact(line, secrets)}\n`)
  try {
    const result = await runScenario({
      scenario,
      strategy: options.strategy,
      db: options.db,
      redis: options.redis,
      lockTtl: options.lockTtl,
      workers: options.workers,
      iterations: options.iterations,
      duration: options.duration,
      think: options.think,
      isolation: options.isolation,
      params: options.param,
      seed: options.seed,
      timeout: options.timeout,
      maxRetries: options.maxRetries,
      keep: options.keep,
      signal: controller.signal,
      events,
      log,
      warn,
    })
    process.stdout.write(options.json ? renderJson(result) : renderRunTable(result, styleFor(process.stdout)))
    return result.violations > 0 ? ExitCode.Violation : ExitCode.Ok
  } catch (error) {
    // A Ctrl-C in a terminal also reaches an embedded server, so whatever failed after it is the interruption.
    throw controller.signal.aborted ? new InterruptedError() : error
  } finally {
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
  }
}
