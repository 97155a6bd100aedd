import { CommanderError } from 'commander'
import { ExitCode, messageOf, RacebenchError } from '../errors.js'
import { passwordOf, redact } from '../redact.js'
import { runProgram } from './program.js'

/**
 * Runs the CLI and exits with its code. The one place that turns errors into a line on stderr:
 * our own errors print their message, anything else is a bug and says how to see its stack.
 */
async function main(argv: readonly string[]): Promise<void> {
  const debug = argv.includes('--debug')
  const secrets = secretsIn(argv)
  let code: number
  try {
    code = await runProgram(argv, secrets)
  } catch (error) {
    code = report(error, debug, secrets)
  }
  // Flush stdout (a pipe may still hold the JSON) before exiting: some handle (an embedded
  // server's log stream) must not keep the process alive, nor decide its code.
  process.stdout.write('', () => process.exit(code))
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

/** Passwords typed on the command line (in --db URLs), masked in everything we print. */
function secretsIn(argv: readonly string[]): string[] {
  return argv.flatMap((arg) => (arg.includes('://') ? [passwordOf(arg.replace(/^--[\w-]+=/, ''))] : [])).filter((p): p is string => !!p)
}

await main(process.argv)
