import { randomInt } from 'node:crypto'
import { UsageError } from './errors.js'
import { parseDuration } from './duration.js'

/** Isolation levels as users type them; `.choices()` in the CLI reuses this tuple. */
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
} as const

export const LIMITS = { workers: 512, maxRetries: 1_000 } as const

/** The generic knobs of a run, as the CLI or the API hands them over: strings or numbers. */
export interface RunFlags {
  db?: string | undefined
  redis?: string | undefined
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
}

/** When the workers stop: after a number of operations each, or after a wall-clock time. */
export type StopCondition = { readonly iterations: number } | { readonly durationMs: number }

/** A validated, frozen run configuration. Nothing downstream re-validates. */
export interface RunConfig {
  /** `undefined` means: start an embedded PostgreSQL. */
  readonly db: string | undefined
  /** `undefined` means: look at the default address, and only if a strategy needs Redis. */
  readonly redis: string | undefined
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
  const seed = int('--seed', flags.seed, randomInt(0, 2 ** 31), 0, 2 ** 31 - 1)
  const thinkMs = parseTime('--think', flags.think, DEFAULTS.thinkMs, 'ms', problems)
  const timeoutMs = parseTime('--timeout', flags.timeout, DEFAULTS.timeoutMs, 's', problems)
  if (timeoutMs === 0) problems.push('--timeout must be more than 0 (it bounds every lock wait and statement)')
  const lockTtlMs = parseTime('--lock-ttl', flags.lockTtl, DEFAULTS.lockTtlMs, 'ms', problems)
  if (lockTtlMs === 0) problems.push('--lock-ttl must be more than 0')

  let stop: StopCondition = { iterations: DEFAULTS.iterations }
  if (flags.duration !== undefined && flags.iterations !== undefined) {
    problems.push('--iterations and --duration exclude each other: give one')
  } else if (flags.duration !== undefined) {
    const durationMs = parseTime('--duration', flags.duration, 0, 's', problems)
    if (durationMs === 0 && problems.length === 0) problems.push('--duration must be more than 0')
    stop = { durationMs }
  } else {
    stop = { iterations: int('--iterations', flags.iterations, DEFAULTS.iterations, 1, 10_000_000) }
  }

  let isolation: IsolationLevel | undefined
  if (flags.isolation !== undefined) {
    const normalized = flags.isolation.trim().toLowerCase().replace(/[\s_]+/g, '-')
    if ((ISOLATION_LEVELS as readonly string[]).includes(normalized)) isolation = normalized as IsolationLevel
    else problems.push(`--isolation '${flags.isolation}' is not one of: ${ISOLATION_LEVELS.join(', ')}`)
  }

  if (problems.length > 0) throw new UsageError(problems.join('; '))
  return Object.freeze({
    db: flags.db,
    redis: flags.redis,
    lockTtlMs,
    workers,
    stop: Object.freeze(stop),
    thinkMs,
    isolation,
    seed,
    timeoutMs,
    maxRetries,
    keep: flags.keep ?? false,
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

function parseTime(
  name: string,
  value: number | string | undefined,
  fallbackMs: number,
  bareUnit: 'ms' | 's',
  problems: string[],
): number {
  if (value === undefined) return fallbackMs
  const ms = parseDuration(value, bareUnit)
  if (ms === undefined) {
    const example = bareUnit === 'ms' ? '10, 10ms or 0.5s' : '10s, 500ms, 2m or 10'
    problems.push(`${name} must be a time like ${example}, got '${value}'`)
    return fallbackMs
  }
  return ms
}
