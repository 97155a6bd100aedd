import pLimit from 'p-limit'
import { InterruptedError } from '../errors.js'

/**
 * How many connections are opened at once. Opening all of them together made 512 workers time out on
 * a busy 2-core machine: PostgreSQL forks a backend per connection, MariaDB starts a thread, and each
 * is authenticated, so a burst of thousands queues up behind the CPU and every connect waits for all
 * the others. A small window keeps each connect's own wait short (its timeout then means what it says).
 * Measured on 2 cores (bench/README.md, "2,000 workers"): windows from 4 to 64 open 500 connections
 * equally fast within the noise, 1 and 2 are slower, and all 500 at once timed out in 2 runs of 3.
 */
export const OPEN_CONCURRENCY = 16

export interface OpenAllOptions {
  /** At most this many opens in flight at once (default OPEN_CONCURRENCY). */
  readonly concurrency?: number
  /** Once aborted, no further connection is opened: the opened ones are closed and InterruptedError thrown. */
  readonly signal?: AbortSignal | undefined
}

/**
 * Opens `count` connections, at most `concurrency` at a time, all or nothing: if one fails, no more
 * are started, the ones opened (including those that were still in flight) are closed again, and the
 * first failure is thrown. Returns them in order: index i is the i-th connection asked for.
 */
export async function openAll<T>(count: number, open: (index: number) => Promise<T>, close: (opened: T) => unknown, options: OpenAllOptions = {}): Promise<T[]> {
  const { signal } = options
  const limit = pLimit(Math.max(1, options.concurrency ?? OPEN_CONCURRENCY))
  const opened: (T | undefined)[] = new Array<T | undefined>(count)
  let failure: { error: unknown } | undefined

  // Queued opens that start after a failure or an abort return at once instead of connecting.
  const openOne = async (index: number): Promise<void> => {
    if (failure || signal?.aborted) return
    try {
      opened[index] = await open(index)
    } catch (error) {
      failure ??= { error }
    }
  }
  await Promise.all(Array.from({ length: count }, (_, index) => limit(openOne, index)))

  if (failure || signal?.aborted) {
    // A close that fails (the server already went away) must not hide why opening stopped.
    const toClose = opened.filter((connection): connection is T => connection !== undefined)
    await Promise.allSettled(toClose.map(async (connection) => close(connection)))
    throw failure ? failure.error : new InterruptedError()
  }
  return opened as T[]
}
