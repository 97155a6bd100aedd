// First: V8's settings for this process, before any other module allocates (see v8-flags.ts).
import './v8-flags.js'
import { CommanderError } from 'commander'
import { ExitCode, messageOf, RacebenchError } from '../errors.js'
import { redact, rememberSecretsOf } from '../redact.js'
import { watchStdio } from './output.js'
import { runProgram } from './program.js'

/**
 * Runs the CLI and exits with its code. The one place that turns errors into a line on stderr:
 * our own errors print their message, anything else is a bug and says how to see its stack.
 */
async function main(argv: readonly string[]): Promise<void> {
  const stdout = watchStdio() // before anything is written, so no failed write goes unnoticed
  const debug = argv.includes('--debug')
  const secrets = secretsIn(argv)
  let code: number
  try {
    code = await runProgram(argv, secrets)
  } catch (error) {
    code = report(error, debug, secrets)
  }
  // Wait until stdout has everything (a pipe may still hold the JSON): a result, list or help that
  // could not be written is a failure of its own (exit 6), whatever the command answered. Then exit:
  // some handle (an embedded server's log stream) must not keep the process alive, nor decide its code.
  code = await stdout.settle().then(
    () => code,
    (error: unknown) => report(error, debug, secrets),
  )
  process.exit(code)
}

function report(error: unknown, debug: boolean, secrets: readonly string[]): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage // commander printed it
  const say = (text: string) => process.stderr.write(redact(text, secrets) + '\n')
  if (error instanceof RacebenchError) {
    say(`racebench: ${error.message}`)
    if (debug && error.cause instanceof Error && error.cause.stack) say(error.cause.stack)
    return error.exitCode
  }
  say(`racebench: unexpected error: ${messageOf(error)}${debug ? '' : ' (rerun with --debug for the stack trace)'}`)
  if (debug && error instanceof Error && error.stack) say(error.stack)
  return ExitCode.Internal
}

/**
 * Secrets typed on the command line, masked in everything we print: those of every URL (`--db URL`,
 * `--db=URL`, `--redis …`), and anything given to `--db` or `--redis` even when it is no valid URL.
 */
function secretsIn(argv: readonly string[]): string[] {
  const urlOptions = new Set(['--db', '--redis'])
  return argv.flatMap((arg, index) => {
    const value = arg.replace(/^--[\w-]+=/, '')
    const givenToUrlOption = urlOptions.has(arg.split('=')[0] ?? '') || urlOptions.has(argv[index - 1] ?? '')
    return givenToUrlOption || value.includes('://') ? rememberSecretsOf(value) : []
  })
}

await main(process.argv)
