import { performance } from 'node:perf_hooks'
import { formatDuration } from '../duration.js'
import { ScenarioCodeError, TargetError } from '../errors.js'
import type { Dialect, Session } from '../engines/session.js'
import { WatchedSession, type ProgressClock } from './watched-session.js'

/** After Ctrl-C, SIGTERM or a call that failed the run: how long calls in flight get to finish before they are abandoned. */
export const GRACE_MS = 2_000

/** Event-loop delays longer than this are not counted against calls (see Watchdog#check). */
const LAG_TOLERANCE_MS = 100

/**
 * How long a call into scenario code may go without progress before it is stuck: twice the longest
 * step it can legitimately wait on, plus a second. The steps are racebench's: a statement (bounded by
 * --timeout on the server; InnoDB counts lock waits in whole seconds, so on MySQL --timeout rounded
 * up), a --think pause, a retry's backoff (at most 200 ms, inside the second). Every step counts as
 * progress when it starts and when it ends, so an operation may take any number of them: only a call
 * that awaits something else (a promise that never resolves) for that long is stuck. 2 × 5s + 1s =
 * 11s with the defaults; 1.2s with `--timeout 100ms --think 0` on PostgreSQL.
 */
export function stallBoundMs(settings: { readonly timeoutMs: number; readonly thinkMs: number }, dialect: Dialect): number {
  const statementMs = dialect === 'mysql' ? Math.ceil(settings.timeoutMs / 1_000) * 1_000 : settings.timeoutMs
  return 2 * Math.max(statementMs, settings.thinkMs) + 1_000
}

export interface WatchdogOptions {
  /** No progress for this long: the call is stuck (stallBoundMs). */
  readonly stallMs: number
  /** Default GRACE_MS. */
  readonly graceMs?: number
  /** Aborting it stops the run: calls in flight get graceMs, then are abandoned. */
  readonly signal?: AbortSignal | undefined
  /** What calls abandoned after `signal` aborted reject with. */
  readonly interrupted: () => Error
}

/**
 * Bounds every call into scenario code by time, and makes every stop final. A call that makes no
 * progress for `stallMs` is abandoned: racebench stops waiting for it, refuses its statements, and
 * fails the run (ScenarioCodeError, or TargetError when it was the server that stopped answering).
 * Once the run is stopping (a signal, a failure), calls in flight get `graceMs` to settle, then are
 * abandoned too, so cleanup always runs, whatever scenario code does. One timer checks every call.
 */
export class Watchdog {
  readonly stallMs: number
  readonly graceMs: number
  readonly #active = new Set<Watch>()
  readonly #period: number
  readonly #timer: NodeJS.Timeout
  readonly #signal: AbortSignal | undefined
  readonly #onAbort: () => void
  #lastCheck = performance.now()
  #stoppedAt: number | undefined
  #reason: Error | undefined
  #fault: Error | undefined

  constructor(options: WatchdogOptions) {
    this.stallMs = options.stallMs
    this.graceMs = options.graceMs ?? GRACE_MS
    this.#period = Math.min(1_000, Math.max(50, Math.min(this.stallMs, this.graceMs) / 4))
    // Not unref'd: a run whose every worker awaits a promise that never resolves must still wake up here.
    this.#timer = setInterval(() => this.#check(), this.#period)
    this.#signal = options.signal
    this.#onAbort = () => this.stop(options.interrupted())
    this.#signal?.addEventListener('abort', this.#onAbort, { once: true })
    if (this.#signal?.aborted) this.#onAbort()
  }

  /** A progress clock for a caller that makes call after call: a worker or a reader. */
  watch(): Watch {
    return new Watch(this.#active, this.stallMs)
  }

  /**
   * Runs one call of scenario code on `session` (a strategy's prepare, an invariant), bounded like an
   * operation. If it is abandoned, the caller closes the session: that ends whatever it left open.
   */
  call<T>(site: string, session: Session, fn: (db: Session) => Promise<T>): Promise<T> {
    const watch = this.watch()
    return watch.run(site, () => fn(watch.wrap(session)))
  }

  /** A signal arrived or a call failed: callers start nothing new, and calls in flight have graceMs left. */
  get stopped(): boolean {
    return this.#stoppedAt !== undefined
  }

  /** What failed the run (a stuck call, a bug in scenario code), if anything did; not a signal. */
  get fault(): Error | undefined {
    return this.#fault
  }

  /** Stops the run; calls still in flight after graceMs are abandoned with `reason`. */
  stop(reason: Error): void {
    if (this.#stoppedAt !== undefined) return
    this.#stoppedAt = performance.now()
    this.#reason = reason
  }

  /** Something failed the run: the first failure is the run's answer. */
  fail(error: Error): void {
    this.#fault ??= error
    this.stop(error)
  }

  dispose(): void {
    clearInterval(this.#timer)
    this.#signal?.removeEventListener('abort', this.#onAbort)
  }

  #check(): void {
    const now = performance.now()
    // A blocked event loop (a long GC, a busy machine) holds back the very callbacks that record
    // progress, and timers run before them: that delay is nobody's lack of progress.
    const lag = now - this.#lastCheck - this.#period
    this.#lastCheck = now
    if (lag > LAG_TOLERANCE_MS) {
      for (const watch of this.#active) watch.credit(lag)
      if (this.#stoppedAt !== undefined) this.#stoppedAt += lag
    }
    for (const watch of this.#active) {
      if (this.#stoppedAt !== undefined && now - this.#stoppedAt >= this.graceMs) {
        watch.abandon(this.#reason ?? new Error('stopped'))
      } else if (watch.progress !== watch.seenProgress) {
        // Progress since the last look: the stall clock starts again from now.
        watch.seenProgress = watch.progress
        watch.seenAt = now
      } else if (now - watch.seenAt >= this.stallMs) {
        const error = watch.stuck()
        this.fail(error)
        watch.abandon(error)
      }
    }
  }
}

/**
 * One caller's progress clock: when its call last made progress, which call it is in (for the
 * message), and the way to abandon that call. Workers and readers keep theirs for the whole run.
 */
export class Watch implements ProgressClock {
  inFlight = 0
  /**
   * Progress made, counted rather than timed: reading the clock on every statement cost ~8 % of the
   * runner's own CPU. The watchdog notes when the count last moved (`seenAt`, by its own clock), so a
   * stall is found up to one check period (at most a quarter of the bound) later than to the millisecond.
   */
  progress = 0
  seenProgress = -1
  seenAt = performance.now()
  /** Why the watch was abandoned: every later call rejects with it too (callers stop before that). */
  #abandonedWith: Error | undefined
  #site = ''
  #reject: ((error: Error) => void) | undefined
  readonly #active: Set<Watch>
  readonly #stallMs: number
  readonly #settled = () => {
    this.#active.delete(this)
    this.#reject = undefined
  }

  constructor(active: Set<Watch>, stallMs: number) {
    this.#active = active
    this.#stallMs = stallMs
  }

  get abandoned(): boolean {
    return this.#abandonedWith !== undefined
  }

  touch(): void {
    this.progress++
  }

  /** Counts `ms` of event-loop delay as progress. */
  credit(ms: number): void {
    this.seenAt += ms
  }

  /** The session as this caller's scenario code gets it: every statement is progress. */
  wrap(session: Session): Session {
    return new WatchedSession(session, this)
  }

  /** Awaits one of racebench's own pauses (think, backoff): progress when it starts and when it ends. */
  async pause(pause: Promise<void>): Promise<void> {
    this.touch()
    await pause
    this.touch()
  }

  /**
   * Runs `call` (scenario code; `site` names it for the messages) until it settles or is abandoned.
   * A call abandoned is never awaited again: its promise may stay pending forever.
   */
  run<T>(site: string, call: () => Promise<T>): Promise<T> {
    if (this.#abandonedWith) return Promise.reject(this.#abandonedWith)
    this.#site = site
    this.touch()
    this.#active.add(this)
    // One promise per call, settled by the call or by abandon(), whichever comes first: no race, no
    // finally (every operation goes through here, and each of those is a promise and a turn more). A
    // call abandoned keeps only its own two callbacks, however long it stays pending.
    return new Promise<T>((resolve, reject) => {
      this.#reject = reject
      let pending: Promise<T>
      try {
        pending = Promise.resolve(call())
      } catch (error) {
        this.#settled()
        reject(error)
        return
      }
      pending.then(
        (value) => {
          this.#settled()
          resolve(value)
        },
        (error: unknown) => {
          this.#settled()
          reject(error)
        },
      )
    })
  }

  /**
   * Watches a loop of calls as one call (a worker's operations): the loop awaits each call itself, and
   * this watch costs it no promise per call, only a `touch()`. The promise returned rejects when the
   * watchdog abandons the loop; the caller races its loop against it, and the loop must check
   * `abandoned` after each await before it records anything. Between its calls the loop must not wait
   * on anything but racebench's own bounded steps, or do so `aside`. `end()` when the loop is over.
   */
  loop(site: string): Promise<never> {
    if (this.#abandonedWith) return Promise.reject(this.#abandonedWith)
    this.#site = site
    this.touch()
    const abandoned = new Promise<never>((_, reject) => {
      this.#reject = reject
    })
    this.#active.add(this)
    return abandoned
  }

  /** The loop (or the call) is over: the watchdog stops looking at it. */
  end(): void {
    this.#settled()
  }

  /**
   * Waits on something of racebench's own inside a loop (reopening a lost connection: bounded by its
   * connect timeout, which may be longer than the stall bound) without it counting as a stall.
   */
  async aside<T>(wait: () => Promise<T>): Promise<T> {
    this.#active.delete(this)
    try {
      return await wait()
    } finally {
      if (this.#reject && !this.#abandonedWith) {
        this.touch()
        this.#active.add(this)
      }
    }
  }

  /** Stops waiting for the call in flight (it rejects with `error`) and refuses its statements from now on. */
  abandon(error: Error): void {
    this.#abandonedWith ??= error
    this.#active.delete(this)
    this.#reject?.(error)
  }

  /** Why the call in flight is stuck: waiting for the server, or for something of its own. */
  stuck(): Error {
    const bound = formatDuration(Math.round(this.#stallMs))
    if (this.inFlight > 0) {
      return new TargetError(`the database did not answer a statement of ${this.#site} for ${bound}, although --timeout bounds every statement: the server may be overloaded or unreachable`)
    }
    return new ScenarioCodeError(`${this.#site} did not settle: it made no progress for ${bound} (no statement, pause or retry), so it awaits something that never finishes`)
  }
}

/** Waits for `promise` at most `ms` (then resolves anyway, and leaves no timer behind either way). */
export async function settleWithin(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))
  try {
    await Promise.race([promise.then(() => {}, () => {}), timeout])
  } finally {
    clearTimeout(timer)
  }
}
