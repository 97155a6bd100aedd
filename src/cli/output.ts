import { OutputError } from '../errors.js'

/** What a failed write's errno means, in words a user can act on; others keep the system's message. */
const REASONS: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  EBADF: 'it is not open for writing',
}

type Stream = NodeJS.WritableStream & { readonly errored?: Error | null }

/**
 * Where a command's output goes (stdout), watched: a write that fails is remembered instead of
 * crashing the process with an unhandled 'error' event or vanishing behind `process.exit`, and
 * `settle()` turns it into an OutputError (exit 6), so CI can tell that the result was lost.
 *
 * A reader that closes the pipe early (EPIPE: `racebench list | head -3`) is not a failure: it
 * asked for no more. The rest is dropped quietly and the exit code stays the command's own, so under
 * `set -o pipefail` a run piped into `head` still fails exactly when an invariant was violated.
 *
 * Not detectable: `>&-`. Node reopens a closed stdout on /dev/null before any of our code runs,
 * exactly as Python's `subprocess.DEVNULL` and Node's `stdio: 'ignore'` open it (read-write), so
 * it cannot be told apart from output deliberately thrown away; it is treated as such.
 */
export class WatchedOutput {
  #failure: NodeJS.ErrnoException | undefined
  #readerGone = false

  constructor(
    private readonly stream: Stream,
    private readonly name: string,
  ) {
    stream.on('error', (error: NodeJS.ErrnoException) => this.#note(error))
  }

  /** Waits until every write so far has reached the system; rejects with an OutputError if one failed. */
  async settle(): Promise<void> {
    if (!this.#readerGone && !this.#failure && !this.stream.errored) {
      await new Promise<void>((resolve) =>
        this.stream.write('', (error) => {
          if (error) this.#note(error)
          resolve()
        }),
      )
    }
    const failure = this.#failure ?? (this.stream.errored as NodeJS.ErrnoException | null | undefined)
    if (this.#readerGone || !failure || failure.code === 'EPIPE') return
    const code = failure.code ?? ''
    const reason = REASONS[code] ? `${code}: ${REASONS[code]}` : failure.message
    throw new OutputError(`could not write the output to ${this.name} (${reason}): the output is lost or incomplete`, { cause: failure })
  }

  #note(error: NodeJS.ErrnoException): void {
    if (this.#failure || this.#readerGone) return
    // Writes after the first failure fail too, as "stream destroyed": the stream keeps the real cause.
    const cause = (this.stream.errored as NodeJS.ErrnoException | null | undefined) ?? error
    if (cause.code === 'EPIPE') this.#readerGone = true
    else if (cause.code !== 'ERR_STREAM_DESTROYED') this.#failure = cause
  }
}

/**
 * Watches process.stdout for failed writes, and makes stderr failures harmless: with stderr closed or
 * full there is nowhere left to say anything, but that must not crash the run or change its exit code.
 */
export function watchStdio(): WatchedOutput {
  process.stderr.on('error', () => {})
  return new WatchedOutput(process.stdout, 'stdout')
}
