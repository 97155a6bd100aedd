import { resolveConfig } from './config.js'
import { UsageError } from './errors.js'
import type { RepeatedVerdict } from './report/reporter.js'
import type { RunResult } from './run-result.js'
import { runScenario, type RunScenarioOptions } from './run-scenario.js'
import { resolveRun } from './scenario/resolve-run.js'
import { startSharedEmbedded } from './shared-embedded.js'

/**
 * `--repeat N`: the same settings N times, one after the other (at once they would compete for the
 * cores), each on a fresh schema, with the same seed; one embedded server for all of them. CI uses it
 * to assert that a race shows reliably (`5 of 5 runs violated`), or that a fix holds every time.
 */
export async function runRepeated(options: RunScenarioOptions): Promise<RunResult[]> {
  // Validate everything, and fix the seed, before the first run starts.
  const config = resolveConfig(options)
  if (config.repeat === 1) return [await runScenario(options)]
  if (config.history !== undefined) {
    throw new UsageError('--history records one run: drop --repeat, or --history, and rerun the run you want to see with its --seed')
  }
  const resolved = await resolveRun(options, config)
  const embedded = options.embedded ?? (await startSharedEmbedded(config, resolved.loaded, resolved.params, options.log))
  const runs: RunResult[] = []
  try {
    for (let i = 0; i < config.repeat; i++) {
      options.events?.emit('phase', `run ${i + 1} of ${config.repeat}`)
      runs.push(await runScenario({ ...options, seed: config.seed, embedded }))
    }
  } finally {
    if (embedded !== options.embedded) await embedded?.stop()
  }
  return runs
}

/** Per invariant, in how many of the runs it was violated: `3 of 5 runs violated "no double booking"`. */
export function repeatedVerdicts(runs: readonly RunResult[]): RepeatedVerdict[] {
  const names = [...new Set(runs.flatMap((run) => run.invariants.map((invariant) => invariant.name)))]
  return names.map((name) => {
    const violated = runs.filter((run) => run.invariants.some((invariant) => invariant.name === name && !invariant.held)).length
    return { name, violated, runs: runs.length, rate: runs.length === 0 ? 0 : violated / runs.length }
  })
}
