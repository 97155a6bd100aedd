import { existsSync } from 'node:fs'
import { dirname, extname, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { messageOf, UsageError } from '../errors.js'
import { packageRoot } from '../package-root.js'
import { BUILTIN_SCENARIOS } from './builtin.js'
import type { Params, Scenario } from './define-scenario.js'
import { validateScenario } from './validate-scenario.js'

/** A scenario ready to run, and the folder holding its `sql/<dialect>/` schema files. */
export interface LoadedScenario {
  readonly scenario: Scenario<Params, unknown>
  readonly sqlDir: string
}

/**
 * Loads a scenario from a built-in name (`double-booking`), a file path (`./my-scenario.js`, whose
 * schema lives in `sql/` beside it), or an object made with `defineScenario` (schema under `./sql`).
 */
export async function loadScenario(ref: string | Scenario<any, any>): Promise<LoadedScenario> {
  if (typeof ref !== 'string') {
    return { scenario: validateScenario(ref, 'the scenario object'), sqlDir: resolve('sql') }
  }
  const builtin = BUILTIN_SCENARIOS[ref]
  if (builtin) return { scenario: (await builtin()).default, sqlDir: join(packageRoot(), 'sql') }
  if (!looksLikePath(ref)) {
    throw new UsageError(`unknown scenario '${ref}'; valid: ${Object.keys(BUILTIN_SCENARIOS).join(', ')}, or a path to a scenario file`)
  }
  const file = resolve(ref)
  if (!existsSync(file)) throw new UsageError(`no scenario file at ${file}`)
  let module: { default?: unknown }
  try {
    module = await import(pathToFileURL(file).href)
  } catch (error) {
    const hint = extname(file) === '.ts' ? ' (compile it to .js first, or run racebench under tsx)' : ''
    throw new UsageError(`cannot load scenario file ${file}${hint}: ${messageOf(error).split('\n')[0]}`)
  }
  return { scenario: validateScenario(module.default, file), sqlDir: join(dirname(file), 'sql') }
}

function looksLikePath(ref: string): boolean {
  return /[\\/]/.test(ref) || /\.(c|m)?(j|t)s$/.test(ref)
}
