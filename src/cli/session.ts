import { ExitCode, InterruptedError } from '../errors.js'
import { redact } from '../redact.js'
import { showProgress } from '../report/progress.js'
import type { RunScenarioOptions } from '../run-scenario.js'
import { createRunEmitter } from '../runner/events.js'

/** The options `run` and `compare` share, as commander hands them over. */
export interface RunCommandOptions {
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
 * Runs `work` as a CLI command: progress on stderr, diagnostics under --debug, warnings always,
 * passwords masked. Ctrl-C stops the workers and still cleans up; a second Ctrl-C exits at once.
 */
export async function commandSession<T>(
  scenario: string,
  options: RunCommandOptions,
  secrets: readonly string[],
  work: (runOptions: Omit<RunScenarioOptions, 'strategy'>) => Promise<T>,
): Promise<T> {
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
  try {
    return await work({
      scenario,
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
      log: options.debug ? (line) => process.stderr.write(`racebench: ${redact(line, secrets)}\n`) : undefined,
      warn: (line) => process.stderr.write(`racebench: warning: ${redact(line, secrets)}\n`),
    })
  } catch (error) {
    // A Ctrl-C in a terminal also reaches an embedded server, so whatever failed after it is the interruption.
    throw controller.signal.aborted ? new InterruptedError() : error
  } finally {
    process.off('SIGINT', interrupt)
    process.off('SIGTERM', interrupt)
  }
}
