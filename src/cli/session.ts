import { ExitCode, InterruptedError } from '../errors.js'
import { redact } from '../redact.js'
import { showProgress } from '../report/progress.js'
import type { RunScenarioOptions } from '../run-scenario.js'
import { createRunEmitter } from '../runner/events.js'

/** The options `run` and `compare` share, as commander hands them over. */
export interface RunCommandOptions {
  db?: string[]
  redis?: string[]
  nemesis?: string[]
  db2?: string
  rabbitmq?: string
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
  reporter?: string[]
  show?: string
  history?: string
  interval?: string
  repeat?: string
  keep?: boolean
  /** Exit 0 rather than 7 when every operation ended in error. */
  allowErrors?: boolean
  debug?: boolean
}

/** The signals that stop a run, each with the exit code it ends with after cleanup. */
const STOP_SIGNALS = { SIGINT: ExitCode.Interrupted, SIGTERM: ExitCode.Terminated } as const
type StopSignal = keyof typeof STOP_SIGNALS

/**
 * Runs `work` as a CLI command: progress on stderr, diagnostics under --debug, warnings always,
 * passwords masked. Ctrl-C (SIGINT) or SIGTERM stops the workers and still cleans up, whatever
 * scenario code does (calls still in flight after a short grace are abandoned), then exits 130 or 143;
 * a second signal exits at once.
 */
export async function commandSession<T>(
  scenario: string,
  options: RunCommandOptions,
  secrets: readonly string[],
  work: (runOptions: Omit<RunScenarioOptions, 'strategy'>) => Promise<T>,
): Promise<T> {
  const controller = new AbortController()
  let received: StopSignal | undefined
  const interrupt = (signal: StopSignal) => {
    if (received) process.exit(STOP_SIGNALS[signal])
    received = signal
    controller.abort(signal)
    const again = signal === 'SIGINT' ? 'Ctrl-C again' : 'send SIGTERM again'
    process.stderr.write(`\nracebench: stopping and cleaning up (${again} to quit at once)\n`)
  }
  const onSigint = () => interrupt('SIGINT')
  const onSigterm = () => interrupt('SIGTERM')
  process.on('SIGINT', onSigint)
  process.on('SIGTERM', onSigterm)

  const events = createRunEmitter()
  // A live line only for a person: not over machine output on stdout (`--json`, `--reporter junit`).
  const machineOutput = options.json === true || (options.reporter ?? []).some((spec) => !spec.includes('=') && spec.trim() !== 'table')
  showProgress(events, process.stderr, { live: process.stderr.isTTY === true && !machineOutput })
  try {
    return await work({
      scenario,
      db: options.db,
      redis: options.redis,
      nemesis: options.nemesis,
      db2: options.db2,
      rabbitmq: options.rabbitmq,
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
      show: options.show,
      history: options.history,
      interval: options.interval,
      repeat: options.repeat,
      allowErrors: options.allowErrors,
      signal: controller.signal,
      events,
      log: options.debug ? (line) => process.stderr.write(`racebench: ${redact(line, secrets)}\n`) : undefined,
      warn: (line) => process.stderr.write(`racebench: warning: ${redact(line, secrets)}\n`),
    })
  } catch (error) {
    // A Ctrl-C in a terminal also reaches an embedded server, so whatever failed after it is the interruption.
    throw received ? new InterruptedError(received) : error
  } finally {
    process.off('SIGINT', onSigint)
    process.off('SIGTERM', onSigterm)
  }
}
