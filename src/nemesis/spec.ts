import { didYouMean } from '../did-you-mean.js'
import { formatDuration, parseDuration } from '../duration.js'
import { UsageError } from '../errors.js'

/**
 * The faults `--nemesis` can inject (Jepsen's word for the process that breaks things during a test),
 * each with its form and one line for `--help` and the README. The order is the order they are listed.
 */
export const NEMESIS_KINDS = [
  { kind: 'kill-connections', form: 'kill-connections:P%[/EVERY]', summary: "terminate P% of the workers' database connections (pg_terminate_backend / KILL CONNECTION)" },
  { kind: 'pause-redis', form: 'pause-redis:MS[/EVERY]', summary: 'pause every Redis client for MS (CLIENT PAUSE … ALL)' },
  { kind: 'latency', form: 'latency:MS', summary: 'delay every packet between workers and the database by MS each way, for the whole run' },
  { kind: 'reset', form: 'reset[/EVERY]', summary: "cut every worker's database connection with a TCP reset" },
  { kind: 'pause-worker', form: 'pause-worker:MS[/EVERY]', summary: 'the next worker to think (between a check and its act) stalls MS, inside the lock or lease it holds; armed at the start too' },
  { kind: 'crash-saga', form: 'crash-saga:P%', summary: "crash P% of the scenario's checkpoints (ctx.checkpoint) as a process dying between steps would" },
] as const

export type NemesisKind = (typeof NEMESIS_KINDS)[number]['kind']

/** How often a repeated fault fires when the spec has no `/EVERY`. */
export const DEFAULT_EVERY_MS = 1_000
/** Longest pause or latency accepted: a longer one would outlast any lock and statement timeout. */
export const MAX_FAULT_MS = 60_000
/** Longest interval accepted. */
export const MAX_EVERY_MS = 3_600_000

interface SpecBase {
  /** The spec as the user wrote it (trimmed): names the fault in events and messages. */
  readonly text: string
}
/** A fault fired again and again: first at a seeded offset inside the first interval, then every `everyMs`. */
interface Repeated extends SpecBase {
  readonly everyMs: number
}
export interface KillConnectionsSpec extends Repeated {
  readonly kind: 'kill-connections'
  /** The share of worker connections to kill each time, in (0, 1]: `10%` → 0.1. */
  readonly share: number
}
export interface PauseRedisSpec extends Repeated {
  readonly kind: 'pause-redis'
  readonly ms: number
}
export interface ResetSpec extends Repeated {
  readonly kind: 'reset'
}
export interface PauseWorkerSpec extends Repeated {
  readonly kind: 'pause-worker'
  readonly ms: number
}
/** On from the start of the workload to its end: no interval. */
export interface LatencySpec extends SpecBase {
  readonly kind: 'latency'
  readonly ms: number
}
/** Applied by the runner at each `ctx.checkpoint`, for the whole workload: no interval. */
export interface CrashSagaSpec extends SpecBase {
  readonly kind: 'crash-saga'
  /** The chance, in (0, 1], that a checkpoint crashes its operation: `20%` → 0.2. */
  readonly share: number
}
export type NemesisSpec = KillConnectionsSpec | PauseRedisSpec | ResetSpec | PauseWorkerSpec | LatencySpec | CrashSagaSpec

const KIND_NAMES: readonly string[] = NEMESIS_KINDS.map((k) => k.kind)
const FORMS = NEMESIS_KINDS.map((k) => k.form).join(', ')

/**
 * Reads one `--nemesis` value, `KIND[:ARG][/EVERY]`: `kill-connections:10%`, `kill-connections:25%/500ms`,
 * `pause-redis:200ms`, `latency:20ms`, `reset`, `reset/300ms`, `pause-worker:1500ms`. Times take a unit
 * (ms, s, m, h); a bare number is milliseconds. Anything else is a UsageError of one line naming the
 * spec, what is wrong, and the valid forms.
 */
export function parseNemesis(text: string): NemesisSpec {
  const spec = text.trim()
  const fail = (problem: string): never => {
    throw new UsageError(`--nemesis '${spec}': ${problem}; valid forms: ${FORMS}`)
  }
  if (spec === '') fail('empty')
  const match = /^([^:/]*)(?::([^:/]*))?(?:\/([^:/]*))?$/.exec(spec)
  if (!match) return fail('expected KIND[:ARG][/EVERY], with one : and one / at most')
  const kind = match[1]!.trim()
  const arg = match[2]?.trim()
  const every = match[3]?.trim()
  if (!KIND_NAMES.includes(kind)) return fail(`unknown fault '${kind}'${didYouMean(kind, KIND_NAMES)}`)

  const duration = (value: string | undefined, what: string, max: number): number => {
    if (value === undefined || value === '') return fail(`${kind} needs ${what}, e.g. ${kind}:200ms`)
    const ms = parseDuration(value, 'ms')
    if (ms === undefined) return fail(`${what} '${value}' is not a duration (200, 200ms, 1.5s)`)
    if (ms <= 0 || ms > max) return fail(`${what} must be from 1ms to ${formatDuration(max)}, not ${value}`)
    return ms
  }
  const everyMs = (): number => {
    if (every === undefined) return DEFAULT_EVERY_MS
    if (every === '') return fail('nothing after /: give an interval, e.g. /500ms')
    return duration(every, 'the interval after /', MAX_EVERY_MS)
  }
  /** A timed fault that lasted as long as its interval would overlap the next one. */
  const repeatedFor = (ms: number) => {
    const interval = everyMs()
    if (ms >= interval) fail(`the ${formatDuration(ms)} fault must be shorter than its interval (${formatDuration(interval)}), or faults would overlap`)
    return interval
  }

  switch (kind as NemesisKind) {
    case 'kill-connections':
      return { kind: 'kill-connections', text: spec, share: percentage(kind, arg, fail) / 100, everyMs: everyMs() }
    case 'crash-saga':
      if (every !== undefined) fail('crash-saga applies at every checkpoint for the whole run and takes no /EVERY')
      return { kind: 'crash-saga', text: spec, share: percentage(kind, arg, fail) / 100 }
    case 'pause-redis': {
      const ms = duration(arg, 'a pause', MAX_FAULT_MS)
      return { kind: 'pause-redis', text: spec, ms, everyMs: repeatedFor(ms) }
    }
    case 'pause-worker': {
      const ms = duration(arg, 'a pause', MAX_FAULT_MS)
      return { kind: 'pause-worker', text: spec, ms, everyMs: repeatedFor(ms) }
    }
    case 'latency': {
      if (every !== undefined) fail('latency is on for the whole run and takes no /EVERY')
      return { kind: 'latency', text: spec, ms: duration(arg, 'a delay', MAX_FAULT_MS) }
    }
    case 'reset':
      if (arg !== undefined) fail('reset takes no argument (reset or reset/EVERY)')
      return { kind: 'reset', text: spec, everyMs: everyMs() }
  }
}

/** `10%` or `10` → 10; a whole or decimal number from 1 to 100. */
function percentage(kind: string, arg: string | undefined, fail: (problem: string) => never): number {
  if (arg === undefined || arg === '') return fail(`${kind} needs a share, e.g. ${kind}:10%`)
  const match = /^(\d+(?:\.\d+)?)\s*%?$/.exec(arg)
  const percent = match ? Number(match[1]) : Number.NaN
  if (!(percent >= 1 && percent <= 100)) return fail(`the share must be a percentage from 1 to 100 (10% or 10), not '${arg}'`)
  return percent
}

/** One line for tables and reports: `kill 10% of connections every 1s`. */
export function describeNemesis(spec: NemesisSpec): string {
  switch (spec.kind) {
    case 'kill-connections':
      return `kill ${+(spec.share * 100).toFixed(2)}% of connections every ${formatDuration(spec.everyMs)}`
    case 'pause-redis':
      return `pause Redis for ${formatDuration(spec.ms)} every ${formatDuration(spec.everyMs)}`
    case 'latency':
      return `delay database traffic by ${formatDuration(spec.ms)} each way`
    case 'reset':
      return `reset every database connection every ${formatDuration(spec.everyMs)}`
    case 'pause-worker':
      return `stall the next worker to think for ${formatDuration(spec.ms)}, at the start and every ${formatDuration(spec.everyMs)}`
    case 'crash-saga':
      return `crash ${+(spec.share * 100).toFixed(2)}% of checkpoints`
  }
}
