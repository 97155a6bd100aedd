import { randomInt } from 'node:crypto'
import { plural } from './check/plural.js'
import { UsageError } from './errors.js'
import { formatDuration, parseDuration, type TimeUnit } from './duration.js'
import { redisUrlProblem } from './engines/redis/redis-url.js'
import { dbUrlProblem, dialectOfUrl } from './engines/db-url.js'

/** Isolation levels as users type them; the CLI's help lists this tuple. */
export const ISOLATION_LEVELS = ['read-committed', 'repeatable-read', 'serializable'] as const
export type IsolationLevel = (typeof ISOLATION_LEVELS)[number]

/** Defaults, in one place so `--help`, the README and the code agree. */
export const DEFAULTS = {
  workers: 8,
  iterations: 50,
  /** Wide enough that `none` shows the race on every default run (measured: see test/integration). */
  thinkMs: 10,
  timeoutMs: 5_000,
  maxRetries: 10,
  /** Long enough for any operation bounded by the default timeout: a lease that outlives its work. */
  lockTtlMs: 10_000,
  /** Where a Redis strategy looks when --redis is not given. */
  redis: 'redis://127.0.0.1:6379',
  /** Broken keys whose timeline the table shows. */
  show: 1,
  /** The time series' interval, and the live progress line's. */
  intervalMs: 1_000,
  /**
   * `verify`: runs per cell, and operations per worker in each (the matrix has 114 cells). A run costs
   * ~0.4 s, mostly its schema, connections and checks, so the runs set the time more than the operations:
   * 3 × 10 took 1.5 to 4.4 min per engine on a shared 2-core machine (PostgreSQL 15, MariaDB 10.11,
   * embedded 18), 3 × 20 took 3.9 min on PostgreSQL. The rarest declared race (position-sync `pessimistic`
   * at read committed on MariaDB) showed in 9 of 10 runs of 10 operations: 3 runs all but never miss it.
   */
  verifyRepeat: 3,
  verifyIterations: 10,
} as const

export const LIMITS = { workers: 10_000, iterations: 10_000_000, maxRetries: 1_000, seed: 2 ** 31 - 1, show: 100, repeat: 1_000 } as const

const HOUR_MS = 3_600_000

/** A time option: the unit of a bare number, and the range it accepts. */
export interface TimeOption {
  readonly flag: string
  readonly bareUnit: TimeUnit
  readonly minMs: number
  readonly maxMs: number
}

/**
 * Every time option and its range. Each bound keeps the value inside what it is handed to: Node's
 * timers (at most 2^31-1 ms, about 24.8 days: beyond it a timer fires after 1 ms, with a warning),
 * PostgreSQL's lock_timeout and statement_timeout (int ms, at most 2^31-1, and
 * idle_in_transaction_session_timeout gets twice --timeout), MySQL's lock_wait_timeout and
 * MariaDB's max_statement_time (at most a year, in seconds). Within those: what a benchmark can use.
 */
export const TIME_OPTIONS = {
  /** A soak of a day at most. */
  duration: { flag: '--duration', bareUnit: 's', minMs: 1, maxMs: 24 * HOUR_MS },
  think: { flag: '--think', bareUnit: 'ms', minMs: 0, maxMs: HOUR_MS },
  /** Also every connect timeout: a server that takes an hour to answer is not going to. */
  timeout: { flag: '--timeout', bareUnit: 's', minMs: 1, maxMs: HOUR_MS },
  lockTtl: { flag: '--lock-ttl', bareUnit: 'ms', minMs: 1, maxMs: 24 * HOUR_MS },
  /** Below 100 ms the series says more about timer jitter than about the run. */
  interval: { flag: '--interval', bareUnit: 's', minMs: 100, maxMs: HOUR_MS },
} as const satisfies Record<string, TimeOption>

/** `0 to 1h`, `1ms to 24h`: a time option's range as the help and the errors show it. */
export function timeRange(option: TimeOption): string {
  return `${option.minMs === 0 ? '0' : formatDuration(option.minMs)} to ${formatDuration(option.maxMs)}`
}

/** The generic knobs of a run, as the CLI or the API hands them over: strings or numbers. */
export interface RunFlags {
  /** A database URL; several (or a comma list) spread the workers over the nodes of one cluster. */
  db?: string | readonly string[] | undefined
  /** A Redis URL; several (or a comma list) are the independent nodes of `redlock`. */
  redis?: string | readonly string[] | undefined
  /** Faults to inject during the workload (`--nemesis SPEC`, repeatable), e.g. `kill-connections:10%`. */
  nemesis?: string | readonly string[] | undefined
  /** The scenario's second database (`secondDatabase`), another service's; default: a namespace beside `db`'s. */
  db2?: string | undefined
  /** The message broker for strategies that require RabbitMQ (default amqp://guest:guest@127.0.0.1:5672). */
  rabbitmq?: string | undefined
  lockTtl?: number | string | undefined
  workers?: number | string | undefined
  iterations?: number | string | undefined
  duration?: number | string | undefined
  think?: number | string | undefined
  isolation?: string | undefined
  seed?: number | string | undefined
  timeout?: number | string | undefined
  maxRetries?: number | string | undefined
  keep?: boolean | undefined
  /** Accept a run in which every operation ended in error (exit 0 instead of 7). */
  allowErrors?: boolean | undefined
  /** How many broken keys get a timeline (`--show N`); 0 for none. */
  show?: number | string | undefined
  /** Write every event of the run to this file, as JSON lines (`--history FILE`). */
  history?: string | undefined
  /** The time series' interval, e.g. `1s` or `250ms` (a bare number is s). */
  interval?: number | string | undefined
  /** Runs of the same settings (`--repeat N`), each on a fresh schema. */
  repeat?: number | string | undefined
}

/** When the workers stop: after a number of operations each, or after a wall-clock time. */
export type StopCondition = { readonly iterations: number } | { readonly durationMs: number }

/** `8 workers × 50 iterations` or `1 worker for 20s`: how much work a run was asked for, in words. */
export function describeWork(workers: number, stop: StopCondition): string {
  const crew = plural(workers, 'worker')
  return 'iterations' in stop ? `${crew} × ${plural(stop.iterations, 'iteration')}` : `${crew} for ${formatDuration(stop.durationMs)}`
}

/** A validated, frozen run configuration. Nothing downstream re-validates. */
export interface RunConfig {
  /** `undefined` means: start an embedded PostgreSQL. The first of `dbs`. */
  readonly db: string | undefined
  /**
   * Every database node given, in order (empty for the embedded server). Workers are spread round-robin
   * over them; setup and invariants run on the first.
   */
  readonly dbs: readonly string[]
  /** `undefined` means: look at the default address, and only if a strategy needs Redis. The first of `redises`. */
  readonly redis: string | undefined
  /** Every Redis node given, in order (empty: the default address). */
  readonly redises: readonly string[]
  /** The faults to inject, as typed (parsed by src/nemesis/spec.ts when the run starts). */
  readonly nemesis: readonly string[]
  /** The second database's server; `undefined`: a namespace of its own beside the first's. */
  readonly db2: string | undefined
  /** The broker for RabbitMQ strategies; `undefined`: the default address. */
  readonly rabbitmq: string | undefined
  /** TTL of lease locks (redis-lock). */
  readonly lockTtlMs: number
  readonly workers: number
  readonly stop: StopCondition
  readonly thinkMs: number
  /** `undefined` means: the engine's default level. */
  readonly isolation: IsolationLevel | undefined
  readonly seed: number
  /** lock_timeout and statement_timeout on every connection. */
  readonly timeoutMs: number
  readonly maxRetries: number
  readonly keep: boolean
  /** A run that tested nothing (every operation ended in error) is not a failure: `--allow-errors`. */
  readonly allowErrors: boolean
  /** Broken keys whose timeline is drawn (and put in `traces`). */
  readonly show: number
  /** The history file, if asked for. */
  readonly history: string | undefined
  /** The time series' interval (`--interval`). */
  readonly intervalMs: number
  /** Runs of the same settings (`--repeat`), 1 without it. */
  readonly repeat: number
}

/**
 * Turns flags into a RunConfig. Collects every problem before failing, so a user fixes the
 * whole command line at once; the thrown UsageError says them all on one line.
 */
export function resolveConfig(flags: RunFlags): RunConfig {
  const problems: string[] = []
  const int = (name: string, value: number | string | undefined, fallback: number, min: number, max: number) =>
    parseInteger(name, value, fallback, min, max, problems)

  const workers = int('--workers', flags.workers, DEFAULTS.workers, 1, LIMITS.workers)
  const maxRetries = int('--max-retries', flags.maxRetries, DEFAULTS.maxRetries, 0, LIMITS.maxRetries)
  const seed = int('--seed', flags.seed, randomInt(0, LIMITS.seed + 1), 0, LIMITS.seed)
  const thinkMs = parseTime(TIME_OPTIONS.think, flags.think, DEFAULTS.thinkMs, problems)
  const timeoutMs = parseTime(TIME_OPTIONS.timeout, flags.timeout, DEFAULTS.timeoutMs, problems)
  const lockTtlMs = parseTime(TIME_OPTIONS.lockTtl, flags.lockTtl, DEFAULTS.lockTtlMs, problems)
  const show = int('--show', flags.show, DEFAULTS.show, 0, LIMITS.show)
  const repeat = int('--repeat', flags.repeat, 1, 1, LIMITS.repeat)
  const intervalMs = parseTime(TIME_OPTIONS.interval, flags.interval, DEFAULTS.intervalMs, problems)
  if (flags.history !== undefined && flags.history.trim() === '') problems.push('--history needs a file name')

  let stop: StopCondition = { iterations: DEFAULTS.iterations }
  if (flags.duration !== undefined && flags.iterations !== undefined) {
    problems.push('--iterations and --duration exclude each other: give one')
  } else if (flags.duration !== undefined) {
    stop = { durationMs: parseTime(TIME_OPTIONS.duration, flags.duration, 0, problems) }
  } else {
    stop = { iterations: int('--iterations', flags.iterations, DEFAULTS.iterations, 1, LIMITS.iterations) }
  }

  let isolation: IsolationLevel | undefined
  if (flags.isolation !== undefined) {
    const normalized = flags.isolation.trim().toLowerCase().replace(/[\s_]+/g, '-')
    if ((ISOLATION_LEVELS as readonly string[]).includes(normalized)) isolation = normalized as IsolationLevel
    else problems.push(`--isolation '${flags.isolation}' is not one of: ${ISOLATION_LEVELS.join(', ')}`)
  }

  const dbs = listOf(flags.db)
  if (flags.db !== undefined && dbs.length === 0) problems.push('--db needs a database URL')
  for (const db of dbs) {
    const urlProblem = dbUrlProblem(db)
    if (urlProblem) problems.push(urlProblem)
  }
  const dialects = new Set(dbs.map(dialectOfUrl).filter((dialect) => dialect !== undefined))
  if (dialects.size > 1) problems.push(`--db nodes must all be one engine (one cluster), got ${[...dialects].join(' and ')} URLs`)
  if (flags.db2 !== undefined && flags.db2.trim() === '') problems.push('--db2 needs a database URL')
  const redises = listOf(flags.redis)
  if (flags.redis !== undefined && redises.length === 0) problems.push('--redis needs a Redis URL')
  for (const redis of redises) {
    const redisProblem = redisUrlProblem(redis)
    if (redisProblem) problems.push(redisProblem)
  }

  if (problems.length > 0) throw new UsageError(problems.join('; '))
  return Object.freeze({
    db: dbs[0],
    dbs: Object.freeze(dbs),
    redis: redises[0],
    redises: Object.freeze(redises),
    nemesis: Object.freeze(listOf(flags.nemesis, false)),
    db2: flags.db2,
    rabbitmq: flags.rabbitmq,
    lockTtlMs,
    workers,
    stop: Object.freeze(stop),
    thinkMs,
    isolation,
    seed,
    timeoutMs,
    maxRetries,
    keep: flags.keep ?? false,
    allowErrors: flags.allowErrors ?? false,
    show,
    history: flags.history,
    intervalMs,
    repeat,
  })
}

function parseInteger(
  name: string,
  value: number | string | undefined,
  fallback: number,
  min: number,
  max: number,
  problems: string[],
): number {
  if (value === undefined) return fallback
  const n = typeof value === 'number' ? value : /^\s*-?\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!Number.isInteger(n) || n < min || n > max) {
    problems.push(`${name} must be a whole number from ${min} to ${max}, got '${value}'`)
    return fallback
  }
  return n
}

/** A time option's value in ms; a value that is not a time, or out of its range, is a problem naming the range. */
function parseTime(option: TimeOption, value: number | string | undefined, fallbackMs: number, problems: string[]): number {
  if (value === undefined) return fallbackMs
  const ms = parseDuration(value, option.bareUnit)
  if (ms === undefined || ms < option.minMs || ms > option.maxMs) {
    problems.push(`${option.flag} must be a time from ${timeRange(option)}, like 500ms, 10s or 2m (a bare number is ${option.bareUnit}), got '${value}'`)
    return fallbackMs
  }
  return ms
}

/**
 * A repeatable option's values, as given once, several times, or as comma lists (`--db a,b`). `split`
 * off for values that may hold commas of their own.
 */
function listOf(value: string | readonly string[] | undefined, split = true): string[] {
  if (value === undefined) return []
  const values = typeof value === 'string' ? [value] : [...value]
  // Only a comma before the next URL's scheme separates: a password may hold commas of its own.
  return (split ? values.flatMap((one) => one.split(/,(?=\s*[a-z][a-z0-9+.-]*:\/\/)/i)) : values).map((one) => one.trim()).filter(Boolean)
}

/** The one server of a command that runs on one (a spec, `anomalies`); several are a usage error. */
export function singleServer(db: string | readonly string[] | undefined, what: string): string | undefined {
  const dbs = listOf(db)
  if (dbs.length > 1) throw new UsageError(`${what} runs on one server; --db was given ${dbs.length} times`)
  return dbs[0]
}
