import { parseDuration } from '../duration.js'
import { UsageError } from '../errors.js'
import { TIME_OPTIONS, DEFAULTS, timeRange } from '../config.js'
import type { RunEmitter } from '../runner/events.js'
import type { EmbeddedServer } from '../engines/embedded/embedded.js'
import { namespaceFor } from '../engines/namespace.js'
import { openTarget } from '../engines/open-target.js'
import type { Spec } from './define-spec.js'
import { levelText, parseSpecIsolation } from './isolation.js'
import { runPermutations, type PermutationResult } from './run-permutations.js'
import { checkSpec } from './validate-spec.js'

/** What `racebench run ./spec.js --json` prints. */
export interface SpecRunResult {
  readonly spec: string
  readonly summary: string
  /** The level every session ran at: `--isolation`, else `server default (…)`. */
  readonly isolation: string
  readonly db: { readonly dialect: string; readonly server: string; readonly url: string; readonly embedded: boolean; readonly schema: string }
  /** The spec's sessions in order: session i is worker i in each permutation's `trace`. */
  readonly sessions?: readonly string[]
  readonly permutations: readonly PermutationResult[]
  /** Permutations in which the anomaly occurred. */
  readonly occurred: number
  /** Permutations that could not run to their end. */
  readonly stuck: number
}

export interface RunSpecOptions {
  readonly spec: Spec
  /** The spec file's path, for messages. */
  readonly origin: string
  readonly db?: string | undefined
  readonly isolation?: string | undefined
  readonly timeout?: string | number | undefined
  readonly keep?: boolean | undefined
  readonly events?: RunEmitter | undefined
  readonly log?: ((line: string) => void) | undefined
  readonly warn?: ((line: string) => void) | undefined
  readonly embedded?: EmbeddedServer | undefined
  readonly signal?: AbortSignal | undefined
}

/** `--timeout` for a spec run, as `run` checks it. */
export function specTimeoutMs(value: string | number | undefined): number {
  if (value === undefined) return DEFAULTS.timeoutMs
  const ms = parseDuration(value, TIME_OPTIONS.timeout.bareUnit)
  if (ms === undefined || ms < TIME_OPTIONS.timeout.minMs || ms > TIME_OPTIONS.timeout.maxMs) {
    throw new UsageError(`--timeout must be a time from ${timeRange(TIME_OPTIONS.timeout)}, like 500ms, 10s or 2m, got '${value}'`)
  }
  return ms
}

/**
 * Runs an isolation spec against a real server: every permutation on fresh data in the run's own
 * schema (database), dropped at the end. Everything the user typed is checked before any server is touched.
 */
export async function runSpec(options: RunSpecOptions): Promise<SpecRunResult> {
  const checked = checkSpec(options.spec, options.origin)
  const isolation = parseSpecIsolation(options.isolation)
  const timeoutMs = specTimeoutMs(options.timeout)
  const log = options.log ?? (() => {})
  const warn = options.warn ?? ((line: string) => process.stderr.write(`racebench: warning: ${line}\n`))
  const sessions = Object.keys(checked.sessions).length
  options.events?.emit('phase', options.db === undefined && !options.embedded ? 'starting an embedded PostgreSQL' : 'connecting')
  const target = await openTarget(
    options.db,
    // Each session, the probe, and the anomaly check's connection.
    { namespace: namespaceFor(checked.spec.name), timeoutMs, keep: options.keep ?? false, workers: sessions + 2, log, warn },
    options.embedded,
  )
  try {
    options.events?.emit('phase', `running spec ${checked.spec.name}: ${checked.permutations.length} permutation(s) on ${target.server}`)
    const permutations = await runPermutations(target, checked, { isolation, timeoutMs, signal: options.signal })
    return {
      spec: checked.spec.name,
      summary: checked.spec.summary,
      isolation: isolation ? levelText(isolation) : `server default (${target.defaultIsolation.replace(/-/g, ' ')})`,
      db: { dialect: target.dialect, server: target.server, url: target.url, embedded: target.embedded, schema: target.namespace },
      sessions: Object.keys(checked.spec.sessions),
      permutations,
      occurred: permutations.filter((p) => p.anomaly?.occurred).length,
      stuck: permutations.filter((p) => p.stuck).length,
    }
  } finally {
    options.events?.emit('phase', 'cleaning up')
    await target.close()
  }
}

/** 1 when the anomaly occurred in some permutation, 2 when none occurred but one could not run, else 0. */
export function exitCodeOfSpec(result: SpecRunResult): number {
  return result.occurred > 0 ? 1 : result.stuck > 0 ? 2 : 0
}
