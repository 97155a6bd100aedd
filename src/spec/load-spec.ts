import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import { importWithin } from '../scenario/load-scenario.js'
import { isSpec, type Spec } from './define-spec.js'

/**
 * The spec a file default-exports, or undefined when `ref` is no path or its file exports something
 * else (a scenario: `run` goes on as before). The import is the scenario loader's, bounded in time and
 * stopped by `signal`; the scenario loader then gets the cached module. A file that cannot be
 * imported (a syntax error) is one UsageError line, as for scenario files.
 */
export async function loadSpecIfAny(ref: string, signal?: AbortSignal): Promise<{ spec: Spec; origin: string } | undefined> {
  if (!/[\\/]/.test(ref) && !/\.(c|m)?(j|t)s$/.test(ref)) return undefined
  const file = resolve(ref)
  if (!existsSync(file)) return undefined // the scenario loader says so
  // A file that cannot be loaded is the loader's one UsageError line.
  const module = (await importWithin(file, signal)) as { default?: unknown }
  return isSpec(module.default) ? { spec: module.default, origin: file } : undefined
}
