import { closeSync, openSync, writeSync } from 'node:fs'
import { resolve } from 'node:path'
import { OutputError, UsageError } from '../errors.js'
import type { HistoryEvent, HistorySink } from './event.js'
import type { HistoryFooter, HistoryHeader } from './history-header.js'

/**
 * Text is written in batches of about this size. A synchronous write of one batch costs microseconds
 * and cannot pile up behind a slow disk the way an async stream's unbounded queue can (pino's
 * sonic-boom in sync mode reasons the same way), so memory stays flat however long the run.
 */
const BATCH_BYTES = 64 * 1024
/** UTF-8 takes at most 3 bytes per UTF-16 code unit: a line of n units fits in 3n bytes. */
const MAX_UTF8_PER_UNIT = 3
const NEWLINE = 0x0a
/** Events turned into JSON by one JSON.stringify call: its fixed cost, paid once, is a third of an event's. */
const EVENTS_PER_STRINGIFY = 128
/**
 * Where one event ends and the next begins in the JSON of an array of events: every event's first field
 * is its time `t` (see linesOf). Never inside a JSON string, where each `"` is escaped.
 */
const BOUNDARY = '},{"t":'
const NEWLINE_BOUNDARY = '}\n{"t":'

/** `buffer.write(text, offset, 'utf8')` without its argument checks: Node's own (undocumented) `utf8Write`. */
const writeUtf8: (buffer: Buffer, text: string, offset: number) => number =
  typeof (Buffer.prototype as { utf8Write?: unknown }).utf8Write === 'function'
    ? (buffer, text, offset) => (buffer as Buffer & { utf8Write(text: string, offset: number): number }).utf8Write(text, offset)
    : (buffer, text, offset) => buffer.write(text, offset, 'utf8')

/** How long a write that the system answers EAGAIN (a non-blocking pipe) is retried before giving up. */
const BUSY_RETRIES = 100
const BUSY_WAIT_MS = 10

/** Why a file could not be opened or written, in words a user can act on; others keep the system's code. */
const REASONS: Readonly<Record<string, string>> = {
  ENOENT: 'no such folder',
  ENOTDIR: 'a part of the path is not a folder',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large',
  EIO: 'input/output error',
  ENAMETOOLONG: 'the name is too long',
}

function reasonOf(error: unknown): string {
  const { code, message } = error as NodeJS.ErrnoException
  return (code && REASONS[code]) ?? (code ? `${code}: ${message}` : String(message ?? error))
}

/**
 * The `--history FILE` consumer: every event as one JSON line, in the order the run appended them,
 * between a header line and a footer line. Written as the run goes, in batches.
 *
 * A write that fails (disk full, EIO) must not break the run it records: the first failure is kept in
 * `failure`, writing stops, and the run reports it once it has cleaned up.
 */
export class HistoryFile implements HistorySink {
  #fd: number | undefined
  /** Events appended and not yet turned into JSON: before `start`, all of them; after, less than a batch. */
  #events: HistoryEvent[] = []
  /** The bytes being gathered for one write: no string concatenation per event, one system call per batch. */
  #batch: Buffer | undefined
  #used = 0
  #started = false
  #failure: OutputError | undefined

  /** @internal use openHistoryFile */
  constructor(
    /** The file's absolute path. */
    readonly path: string,
    fd: number,
  ) {
    this.#fd = fd
  }

  /** Why the file is incomplete, if a write failed: an OutputError whose message is one line. */
  get failure(): OutputError | undefined {
    return this.#failure
  }

  /**
   * Writes the header line. Call it once, before the first event; events appended before it wait in
   * memory (so the file can be opened before the server is known, and the header written after).
   */
  start(header: HistoryHeader): void {
    if (this.#started) return
    this.#started = true
    this.#batch = Buffer.allocUnsafe(BATCH_BYTES)
    this.#put(jsonOf(header))
    this.#putEvents()
  }

  append(event: HistoryEvent): void {
    if (this.#fd === undefined) return
    this.#events.push(event)
    if (this.#started && this.#events.length >= EVENTS_PER_STRINGIFY) this.#putEvents()
  }

  /** Writes the footer line and everything still pending. The file is complete once this returns without a `failure`. */
  finish(footer: HistoryFooter): void {
    if (this.#fd === undefined || !this.#started) return
    this.#putEvents()
    this.#put(jsonOf(footer))
    this.#flush()
  }

  /** Writes what is pending and closes the file. Without `finish`, the file ends as an interrupted run's does. */
  close(): void {
    const fd = this.#fd
    if (fd === undefined) return
    if (this.#started) {
      this.#putEvents()
      this.#flush()
    }
    this.#fd = undefined
    this.#events = []
    this.#batch = undefined
    try {
      closeSync(fd)
    } catch (error) {
      this.#fail(error) // NFS and some FUSE file systems report a failed write only on close
    }
  }

  #putEvents(): void {
    const events = this.#events
    if (events.length === 0) return
    this.#events = []
    this.#put(linesOf(events))
  }

  /** Lines (a newline is added after the last), into the batch; the batch is written first if they might not fit. */
  #put(json: string): void {
    const batch = this.#batch
    if (batch === undefined) return
    // The cheap bound first; the exact size only when the bound says it might not fit.
    const most = json.length * MAX_UTF8_PER_UNIT + 1
    const bytes = this.#used + most > batch.length ? Buffer.byteLength(json, 'utf8') + 1 : most
    if (this.#used + bytes > batch.length) {
      this.#flush()
      if (this.#fd === undefined) return
      if (bytes > batch.length) {
        // Longer than a whole batch (a footer with many verdicts, long statements): written on its own.
        this.#write(Buffer.from(`${json}\n`, 'utf8'))
        return
      }
    }
    this.#used += writeUtf8(batch, json, this.#used)
    batch[this.#used++] = NEWLINE
  }

  #flush(): void {
    if (this.#batch === undefined || this.#used === 0) return
    const bytes = this.#batch.subarray(0, this.#used)
    this.#used = 0
    this.#write(bytes)
  }

  #write(bytes: Buffer): void {
    const fd = this.#fd
    if (fd === undefined) return
    try {
      let written = 0
      let busy = 0
      while (written < bytes.length) {
        try {
          // A write may take only part of the batch (a pipe, a signal): go on from where it stopped.
          written += writeSync(fd, bytes, written, bytes.length - written)
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EAGAIN' || ++busy > BUSY_RETRIES) throw error
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, BUSY_WAIT_MS)
        }
      }
    } catch (error) {
      this.#fail(error)
      this.#fd = undefined
      this.#batch = undefined
      try {
        closeSync(fd)
      } catch {
        // already failing: the first error is the one worth reporting
      }
    }
  }

  #fail(error: unknown): void {
    this.#failure ??= new OutputError(`could not write the history to ${this.path} (${reasonOf(error)}): the file is incomplete`, { cause: error })
  }
}

/**
 * Opens (creates or truncates) a history file, synchronously: a path that cannot be written fails
 * here, before any database is touched, as a UsageError (exit 2) naming the path and why. With a
 * header, writes it at once; without, call `start(header)` before the first event.
 */
export function openHistoryFile(path: string, header?: HistoryHeader): HistoryFile {
  const absolute = resolve(path)
  let fd: number
  try {
    fd = openSync(absolute, 'w')
  } catch (error) {
    throw new UsageError(`cannot write the history to ${absolute}: ${reasonOf(error)}`, { cause: error })
  }
  const file = new HistoryFile(absolute, fd)
  if (header) file.start(header)
  return file
}

/**
 * The JSON lines of several events (no newline after the last): exactly what `jsonOf` makes of each,
 * from one JSON.stringify of the array, each boundary between two events then made a newline. When
 * every event opens with its time `t` (every event the runner makes does), the array's JSON has a
 * boundary between each two, so events − 1 boundaries in all means no nested value made one more (a
 * key `[{…},{"t":…}]`). Otherwise, as when the batch cannot be serialized at once (a BigInt), each event
 * is done alone. (Separator strings put between the events and replaced afterwards, the way before,
 * cost a fifth more per event: bench/README.md, "A sixth session".)
 */
function linesOf(events: readonly HistoryEvent[]): string {
  if (events.length === 1) return jsonOf(events[0] as HistoryEvent)
  const oneByOne = () => events.map(jsonOf).join('\n')
  for (const event of events) if (!opensWithTime(event)) return oneByOne()
  let text: string
  try {
    text = JSON.stringify(events)
  } catch {
    return oneByOne()
  }
  let boundaries = 0
  for (let at = text.indexOf(BOUNDARY); at !== -1; at = text.indexOf(BOUNDARY, at + BOUNDARY.length)) boundaries++
  if (boundaries !== events.length - 1) return oneByOne()
  return text.replaceAll(BOUNDARY, NEWLINE_BOUNDARY).slice(1, -1)
}

/** Whether an event's JSON begins `{"t":` followed by a number: its first own field is its time. */
function opensWithTime(event: HistoryEvent): boolean {
  for (const name in event) return name === 't' && typeof event.t === 'number'
  return false
}

/**
 * One line's JSON (without its newline). The event objects are written as they are (field order
 * kept); a key that JSON cannot hold as it is (a BigInt, a cycle) is written as text rather than lose
 * the event or throw in the run.
 */
function jsonOf(value: object): string {
  try {
    return JSON.stringify(value)
  } catch {
    const seen = new WeakSet<object>()
    return JSON.stringify(value, (_name, field: unknown) => {
      if (typeof field === 'bigint') return field.toString()
      if (typeof field === 'object' && field !== null) {
        if (seen.has(field)) return '[circular]'
        seen.add(field)
      }
      return field
    })
  }
}
