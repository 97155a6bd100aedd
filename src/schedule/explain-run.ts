import { resolveConfig, type RunFlags } from '../config.js'
import { UsageError } from '../errors.js'
import { showKeyOf } from '../history/keys.js'
import { createRng } from '../runner/rng.js'
import { callScenarioCode } from '../scenario/code-fault.js'
import { resolveRun, warnOnStderr } from '../scenario/resolve-run.js'
import { namespaceFor } from '../engines/namespace.js'
import { openTarget } from '../engines/open-target.js'
import type { RedisTarget } from '../engines/redis/redis.js'
import { alternatingChooser, fixedChooser } from './choosers.js'
import type { ScheduleLine } from './drive.js'
import { explorePermutations, MAX_PERMUTATIONS } from './permutations.js'
import { parseSchedule, scheduleText } from './schedule.js'
import { ScheduleBench, type ScheduledResult, type ScheduledRunInput } from './scheduled-run.js'
import { WORKER_NAMES } from './step-gate.js'

export interface ExplainRunOptions extends Pick<RunFlags, 'db' | 'redis' | 'lockTtl' | 'think' | 'isolation' | 'seed' | 'timeout' | 'maxRetries'> {
  readonly scenario: string
  readonly strategy: string
  /** `a1 b1 a2 b2`; without it, the canonical race (the workers take turns). */
  readonly schedule?: string | undefined
  /** Run every interleaving instead of one schedule. */
  readonly permutations?: boolean | undefined
  readonly params?: readonly string[] | undefined
  readonly signal?: AbortSignal | undefined
  readonly log?: ((line: string) => void) | undefined
  readonly warn?: ((line: string) => void) | undefined
  /** Each line of a single schedule, as it happens (not called for permutations). */
  readonly onLine?: ((line: ScheduleLine) => void) | undefined
  /** Runs the schedule this many times, each on fresh data (default 1): only the first is reported line by line. */
  readonly repeat?: number | undefined
  /** Called once the server is known, before the first step. */
  readonly onStart?: ((header: ExplainHeader) => void) | undefined
}

/** What a scheduled explanation runs: printed before its first step. */
export interface ExplainHeader {
  readonly scenario: string
  readonly strategy: string
  readonly server: string
  readonly dialect: string
  /** The level the strategy's statements run at: its own, else --isolation, else the server's default. */
  readonly isolation: string
  /** The key both workers work on, as the scenario shows it. */
  readonly key: string
  readonly mode: 'schedule' | 'canonical' | 'permutations'
  readonly schedule: string | null
}

/** A step of a single schedule as it was reported, for --json. */
export interface ReportedStep {
  readonly label: string
  /** `answered`, `waiting` (for a lock), `running` (still out after a while), or `late` (answered after waiting or running). */
  readonly status: 'answered' | 'waiting' | 'running' | 'late'
  /** The statement, Redis command, or `think`. */
  readonly sent: string
  readonly params?: readonly string[]
  readonly rows?: number
  readonly first?: string
  readonly error?: string
  readonly errorClass?: string
  readonly waitingFor?: readonly string[]
}

export interface ExplainResult extends ExplainHeader {
  /** One run for a schedule (or `repeat` runs of it); every interleaving for permutations. */
  readonly runs: readonly ScheduledResult[]
  /** How many runs broke an invariant. */
  readonly broken: number
  /** The steps of the (first) run as they were reported; empty for permutations. */
  readonly steps: readonly ReportedStep[]
  /** Set when more interleavings exist than were run. */
  readonly capped: boolean
}

/**
 * How long a released step that neither answers nor waits for a lock is watched before the schedule
 * goes on. Generous: InnoDB's lock-wait view is refreshed at most every 100 ms and answers slowly under
 * load, and a wait seen late would let the schedule go on while the step may still take its lock.
 */
const WINDOW_MS = 1_000

/**
 * `racebench explain <scenario> --strategy s [--schedule … | --permutations]`: two workers, `a` and `b`,
 * one operation each on the first key the scenario's `pickKey` draws with `--seed` (default 0), their
 * steps released in a chosen order, each run on fresh data in the explanation's own namespace
 * (without --db, in an embedded PostgreSQL). Everything the user typed,
 * the schedule included, is checked before any server is touched.
 */
export async function explainRun(options: ExplainRunOptions): Promise<ExplainResult> {
  const config = resolveConfig({ ...options, seed: options.seed ?? 0, think: options.think ?? 0, workers: 2, iterations: 1, show: 0 })
  if (options.schedule !== undefined && options.permutations) throw new UsageError('--schedule and --permutations cannot be combined: --permutations runs every schedule')
  const steps = options.schedule === undefined ? undefined : parseSchedule(options.schedule)
  const { loaded, scenario, strategyName, strategy, params, schema } = await resolveRun(options, config)
  if (scenario.secondDatabase) throw new UsageError(`explain replays operations on one database, and '${scenario.name}' spans two (${scenario.secondDatabase.name} too): use racebench run`)
  if (strategy.notReplayable) throw new UsageError(`explain cannot replay strategy '${strategyName}' step by step: ${strategy.notReplayable}; use racebench run`)
  const showKey = showKeyOf(scenario) as (key: never) => string
  const key = callScenarioCode(`pickKey() in ${loaded.origin}`, () => scenario.pickKey(createRng(config.seed, 0), params))
  const log = options.log ?? (() => {})
  const warn = options.warn ?? warnOnStderr

  const redis: RedisTarget | undefined = strategy.requires?.includes('redis')
    ? await (await import('../engines/redis/redis.js')).openRedis(config.redis, namespaceFor(scenario.name), { timeoutMs: config.timeoutMs, log, warn })
    : undefined
  try {
    const input: ScheduledRunInput = { loaded, strategyName, strategy, params, config, schema, redis, key, showKey, signal: options.signal, windowMs: WINDOW_MS }
    const targetOptions = { timeoutMs: config.timeoutMs, keep: false, workers: WORKER_NAMES.length + 1, readers: 0, log, warn }
    const mode = options.permutations ? 'permutations' : steps ? 'schedule' : 'canonical'
    // One namespace for the explanation, dropped at the end whatever happens; every run in it on fresh data.
    const target = await openTarget(config.db, { ...targetOptions, namespace: namespaceFor(scenario.name) })
    try {
      const header: ExplainHeader = {
        scenario: scenario.name,
        strategy: strategyName,
        server: target.server,
        dialect: target.dialect,
        isolation: (strategy.isolation ?? config.isolation ?? target.defaultIsolation).replace(/-/g, ' '),
        key: showKey(key as never),
        mode,
        schedule: steps ? scheduleText(steps) : null,
      }
      options.onStart?.(header)
      const bench = await ScheduleBench.open(input, target)
      try {
        if (options.permutations) {
          const explored = await explorePermutations((chooser) => bench.run(chooser, () => {}), MAX_PERMUTATIONS, options.signal)
          return { ...header, runs: explored.runs, broken: brokenIn(explored.runs), steps: [], capped: explored.capped }
        }
        const runs: ScheduledResult[] = []
        const reported: ReportedStep[] = []
        const onLine = (line: ScheduleLine) => {
          const step = reportedStep(line)
          if (step) reported.push(step)
          options.onLine?.(line)
        }
        for (let i = 0; i < (options.repeat ?? 1); i++) {
          runs.push(await bench.run(steps ? fixedChooser(steps) : alternatingChooser(), i === 0 ? onLine : () => {}))
        }
        return { ...header, schedule: header.schedule ?? runs[0]!.order.join(' '), runs, broken: brokenIn(runs), steps: reported, capped: false }
      } finally {
        await bench.close()
      }
    } finally {
      await target.close()
    }
  } finally {
    await redis?.close()
  }
}

function brokenIn(runs: readonly ScheduledResult[]): number {
  return runs.filter((run) => run.violations > 0).length
}

/** A step line as JSON: what was sent, and what came back (or that it waited). */
function reportedStep(line: ScheduleLine): ReportedStep | undefined {
  if (line.kind === 'end') return undefined
  const sent = line.point.kind === 'think' ? 'think' : (line.point.sent.sql ?? `redis ${line.point.sent.redis ?? ''}`)
  const answer = line.answer
  return {
    label: line.label,
    status: line.kind === 'late' ? 'late' : line.status,
    sent,
    ...(line.point.sent.params ? { params: line.point.sent.params } : {}),
    ...(answer?.rows !== undefined ? { rows: answer.rows } : {}),
    ...(answer?.first !== undefined ? { first: answer.first } : {}),
    ...(answer?.errorClass !== undefined ? { errorClass: answer.errorClass } : {}),
    ...(answer?.error !== undefined ? { error: answer.error } : {}),
    ...(line.kind === 'step' && line.waitingFor ? { waitingFor: line.waitingFor } : {}),
  }
}
