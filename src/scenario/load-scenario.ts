import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { formatDuration } from '../duration.js'
import { didYouMean } from '../did-you-mean.js'
import { InterruptedError, ScenarioCodeError, UsageError } from '../errors.js'
import { packageRoot } from '../package-root.js'
import { BUILTIN_SCENARIOS } from './builtin.js'
import { importScenarioModule } from './import-scenario-module.js'
import type { Params, Scenario } from './define-scenario.js'
import { validateScenario } from './validate-scenario.js'

/** A scenario ready to run, and the folder holding its `sql/<dialect>/` schema files. */
export interface LoadedScenario {
  readonly scenario: Scenario<Params, unknown>
  readonly sqlDir: string
  /**
   * Where its code comes from, for messages about that code (`strategy 'x' run() in <origin> threw …`):
   * the file's absolute path, `the built-in scenario double-booking`, or `the scenario object 'counter'`.
   */
  readonly origin: string
}

/**
 * How long a scenario file may take to load: its top-level code and its imports. Loading a module
 * takes milliseconds; only top-level code awaiting something that never comes takes this long.
 */
export const LOAD_BOUND_MS = 30_000

/**
 * Loads a scenario from a built-in name (`double-booking`), a file path (`./my-scenario.ts` or `.js`,
 * whose schema lives in `sql/` beside it), or an object made with `defineScenario` (schema under `./sql`).
 * Aborting `signal` while a file is loading rejects with InterruptedError.
 */
export async function loadScenario(ref: string | Scenario<any, any>, options: { readonly signal?: AbortSignal | undefined } = {}): Promise<LoadedScenario> {
  if (typeof ref !== 'string') {
    const scenario = validateScenario(ref, 'the scenario object')
    return { scenario, sqlDir: resolve('sql'), origin: `the scenario object '${scenario.name}'` }
  }
  const builtin = BUILTIN_SCENARIOS[ref]
  if (builtin) return { scenario: (await builtin()).default, sqlDir: join(packageRoot(), 'sql'), origin: `the built-in scenario ${ref}` }
  if (!looksLikePath(ref)) {
    throw new UsageError(`unknown scenario '${ref}'${didYouMean(ref, Object.keys(BUILTIN_SCENARIOS))}; valid: ${Object.keys(BUILTIN_SCENARIOS).join(', ')}, or a path to a scenario file`)
  }
  const file = resolve(ref)
  if (!existsSync(file)) throw new UsageError(`no scenario file at ${file}`)
  const module = await importWithin(file, options.signal, 'scenario file')
  return { scenario: validateScenario(module.default, file), sqlDir: join(dirname(file), 'sql'), origin: file }
}

/**
 * Imports a scenario file (`.js`, `.mjs`, or `.ts` with no build step: see importScenarioModule), giving
 * up after LOAD_BOUND_MS or when `signal` aborts: a top-level `await` that never settles must not hang
 * the run (nor end the process with Node's "unsettled top-level await"). A file that cannot be loaded
 * is one UsageError line, `cannot load <what> <file>: …`. Also how `run` looks whether a file
 * default-exports an isolation spec instead (src/spec/load-spec.ts), before it knows which the file
 * holds: hence the default `what`.
 */
export async function importWithin(file: string, signal: AbortSignal | undefined, what = 'scenario file (or isolation spec)'): Promise<{ default?: unknown }> {
  let timer: NodeJS.Timeout | undefined
  let onAbort = () => {}
  const stuck = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ScenarioCodeError(`${file} did not finish loading within ${formatDuration(LOAD_BOUND_MS)}: does its top-level code await something that never finishes?`)), LOAD_BOUND_MS)
    onAbort = () => reject(new InterruptedError())
    signal?.addEventListener('abort', onAbort, { once: true })
    if (signal?.aborted) onAbort()
  })
  try {
    return await Promise.race([importScenarioModule(file, what), stuck])
  } finally {
    clearTimeout(timer)
    signal?.removeEventListener('abort', onAbort)
  }
}

function looksLikePath(ref: string): boolean {
  return /[\\/]/.test(ref) || /\.(c|m)?(j|t)s$/.test(ref)
}
