import type { RunCommandOptions } from '../cli/session.js'
import { renderJson } from '../report/json.js'
import { renderSpecRun } from '../report/spec-text.js'
import { styleFor, widthFor } from '../report/style.js'
import type { RunScenarioOptions } from '../run-scenario.js'
import { loadSpecIfAny } from './load-spec.js'
import { singleServer } from '../config.js'
import { exitCodeOfSpec, runSpec, type SpecRunResult } from './run-spec.js'

type SpecCommandOptions = RunCommandOptions & { readonly threshold?: readonly string[]; readonly expect?: string }

/** `run` options that mean nothing to a spec: said once, not silently dropped. */
const IGNORED: readonly (readonly [keyof SpecCommandOptions, string])[] = [
  ['workers', '--workers'],
  ['iterations', '--iterations'],
  ['duration', '--duration'],
  ['think', '--think'],
  ['param', '--param'],
  ['seed', '--seed'],
  ['maxRetries', '--max-retries'],
  ['history', '--history'],
  ['show', '--show'],
  ['redis', '--redis'],
  ['repeat', '--repeat'],
  ['interval', '--interval'],
  // A spec answers whether an anomaly occurred, per permutation: neither a load's thresholds nor
  // another report format apply (its --json is the whole result).
  ['threshold', '--threshold'],
  ['expect', '--expect'],
  ['reporter', '--reporter'],
]

/**
 * For `racebench run <file>` inside its command session: runs the file as an isolation spec when it
 * default-exports one (every permutation, step by step), else answers undefined and `run` goes on
 * with the scenario.
 */
export async function runSpecIfAny(file: string, run: Omit<RunScenarioOptions, 'strategy'>, options: SpecCommandOptions): Promise<SpecRunResult | undefined> {
  const loaded = await loadSpecIfAny(file, run.signal)
  if (!loaded) return undefined
  const ignored = IGNORED.filter(([key]) => { const value = options[key]; return Array.isArray(value) ? value.length > 0 : value !== undefined }).map(([, flag]) => flag)
  if (ignored.length > 0) run.warn?.(`${ignored.join(', ')} ${ignored.length === 1 ? 'has' : 'have'} no effect on an isolation spec, which runs its sessions' steps as written`)
  return runSpec({ ...loaded, db: singleServer(run.db, 'an isolation spec'), isolation: options.isolation, timeout: options.timeout, keep: options.keep, events: run.events, log: run.log, warn: run.warn, signal: run.signal })
}

/**
 * Prints a spec run (the permutations step by step, or `--json`) and answers the exit code: 0 when
 * the anomaly never occurred, 1 when it did in some permutation, 2 when none did but a permutation
 * could not run to its end.
 */
export function reportSpecRun(result: SpecRunResult, options: RunCommandOptions): number {
  process.stdout.write(options.json ? renderJson(result) : renderSpecRun(result, styleFor(process.stdout), widthFor(process.stdout)))
  return exitCodeOfSpec(result)
}
