import { InterruptedError, messageOf, RacebenchError, ScenarioCodeError } from '../errors.js'
import type { Trace } from '../history/trace.js'
import type { Target } from '../engines/target.js'
import type { AnomalyContext, AnomalyVerdict, StepResult } from './define-spec.js'
import { drivePermutation, type DrivenPermutation, type SpecEvent } from './drive-permutation.js'
import type { SpecIsolation } from './isolation.js'
import { openSpecSessions, resetNamespace } from './spec-sessions.js'
import { sqlFor } from './define-spec.js'
import { statementOf } from './step-sql.js'
import type { CheckedSpec } from './validate-spec.js'

/** How a permutation kept the anomaly out: a step waited on a lock, or the server failed one. */
export const PREVENTIONS = ['blocked', 'serialization failure', 'deadlock'] as const
export type Prevention = (typeof PREVENTIONS)[number]

export interface PermutationResult {
  /** The permutation as given. */
  readonly order: readonly string[]
  /** What happened, in the order it happened. */
  readonly events: readonly SpecEvent[]
  /** The spec's verdict; null when the permutation could not run to its end. */
  readonly anomaly: AnomalyVerdict | null
  /** What the engine did on the way (whether or not the anomaly happened): waits, failures. */
  readonly prevention: readonly Prevention[]
  /** Why it could not run to its end. */
  readonly stuck?: string
  /** Each session's steps as a load run's `traces` item (session i of the spec is worker i): its swimlane. */
  readonly trace?: Trace
}

export interface PermutationOptions {
  readonly isolation: SpecIsolation | undefined
  readonly timeoutMs: number
  /** Session variables set on every session, before each session's own. */
  readonly variables?: Readonly<Record<string, string | number>> | undefined
  /** Aborted (Ctrl-C): no further permutation starts; the caller cleans up. */
  readonly signal?: AbortSignal | undefined
  /** Called after each permutation (progress). */
  readonly onPermutation?: (result: PermutationResult, index: number) => void
}

/**
 * Runs every permutation of a spec in `target`'s namespace, each from scratch: the namespace emptied,
 * the spec's setup run, fresh connections. The target stays open (its owner closes it).
 */
export async function runPermutations(target: Target, checked: CheckedSpec, options: PermutationOptions): Promise<PermutationResult[]> {
  const { spec } = checked
  const out: PermutationResult[] = []
  for (const [index, order] of checked.permutations.entries()) {
    if (options.signal?.aborted) throw new InterruptedError()
    if (index > 0) await resetNamespace(target)
    if (spec.setup !== undefined) await target.runScript(sqlFor(spec.setup, target.dialect))
    const context = { dialect: target.dialect, isolation: options.isolation }
    const opened = await openSpecSessions(target, spec.sessions, options.isolation, options.variables)
    let driven
    try {
      driven = await drivePermutation(order, {
        sessions: opened.sessions,
        probe: opened.probe,
        sessionOf: checked.sessionOf,
        context,
        timeoutMs: options.timeoutMs,
        key: spec.name,
        statementOf: (step, ctx) => statementOf(spec.sessions[checked.sessionOf.get(step)!]!.steps[step]!, ctx),
      })
    } finally {
      // Closing ends every open transaction (rolled back), so the final state is what was committed.
      await opened.close()
    }
    const prevention = preventionOf(Object.values(driven.results))
    const anomaly = driven.stuck ? null : await checkAnomaly(target, checked, { ...context, results: driven.results }, options.timeoutMs)
    const trace = permutationTrace(spec.name, index, driven, anomaly, prevention)
    const result: PermutationResult = { order, events: driven.events, anomaly, prevention, ...(driven.stuck ? { stuck: driven.stuck } : {}), trace }
    options.onPermutation?.(result, index)
    out.push(result)
  }
  return out
}

/** A permutation as a timeline draws it: titled by its verdict, with the final state the anomaly check read. */
function permutationTrace(spec: string, index: number, driven: DrivenPermutation, anomaly: AnomalyVerdict | null, prevention: readonly Prevention[]): Trace {
  const how = prevention.length > 0 ? ` (${prevention.join(', ')})` : ''
  const verdict = driven.stuck ? 'could not go on' : anomaly?.occurred ? 'anomaly occurred' : `no anomaly${how}`
  const detail = driven.stuck ?? anomaly?.detail ?? ''
  return { invariant: `permutation ${index + 1}: ${verdict}`, key: spec, detail, operations: driven.operations, dropped: 0 }
}

/** Waits, serialization failures and deadlocks seen in a permutation's results. */
export function preventionOf(results: readonly StepResult[]): Prevention[] {
  const seen = new Set<Prevention>()
  for (const result of results) {
    if (result.waitedFor.length > 0) seen.add('blocked')
    if (result.error?.class === 'serialization') seen.add('serialization failure')
    if (result.error?.class === 'deadlock') seen.add('deadlock')
  }
  return PREVENTIONS.filter((how) => seen.has(how))
}

/** Calls the spec's anomaly(), on a connection of its own for the final state; a throw is the spec's fault (exit 5). */
async function checkAnomaly(target: Target, checked: CheckedSpec, ctx: Omit<AnomalyContext, 'query' | 'rows' | 'succeeded'>, timeoutMs: number): Promise<AnomalyVerdict> {
  const site = `spec '${checked.spec.name}' anomaly() in ${checked.origin}`
  const db = await target.connect()
  let timer: NodeJS.Timeout | undefined
  try {
    const full: AnomalyContext = {
      ...ctx,
      query: async (sql, params) => (await db.query(sql, params)).rows as never,
      rows: (name) => (ctx.results[name]?.rows ?? []) as never,
      succeeded: (session) => (checked.sessions[session] ?? []).every((step) => ctx.results[step] !== undefined && ctx.results[step].error === undefined),
    }
    const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new ScenarioCodeError(`${site} did not finish within ${timeoutMs} ms`)), timeoutMs)))
    const verdict = await Promise.race([Promise.resolve().then(() => checked.spec.anomaly(full)), late])
    if (typeof verdict !== 'object' || verdict === null || typeof verdict.occurred !== 'boolean') {
      throw new ScenarioCodeError(`${site} returned ${JSON.stringify(verdict)}; it must return { occurred: boolean, detail: string }`)
    }
    return { occurred: verdict.occurred, detail: String(verdict.detail ?? '') }
  } catch (error) {
    throw error instanceof RacebenchError ? error : new ScenarioCodeError(`${site} threw: ${messageOf(error)}`, { cause: error })
  } finally {
    clearTimeout(timer)
    await db.close()
  }
}
