import type { Jiti } from 'jiti'

/** The extensions a scenario file is loaded from as TypeScript, with jiti: no build step, no install. */
export const TYPESCRIPT_EXTENSIONS = ['.ts', '.mts', '.cts'] as const

let loader: Promise<Jiti> | undefined

/**
 * Imports a TypeScript scenario file. jiti strips the types (babel) without checking them, so a file with
 * a type error runs as written, as under tsx or Node's own type stripping; only a syntax error stops it.
 * Type-check with `tsc --noEmit` when you want types checked.
 *
 * Inside the file (and the TypeScript files it imports), `racebench` is the racebench that runs it: the
 * module object itself, so a `Conflict` it throws is ours and nothing is loaded twice. That is what makes
 * `import { defineScenario } from 'racebench'` work from any folder under npx or a global install.
 */
export async function importTypeScript(file: string): Promise<{ default?: unknown }> {
  loader ??= createLoader()
  const module = await (await loader).import<Record<string, unknown>>(file)
  // jiti's interop answers `.default` with the whole module when there is none: ask for the real one.
  return Object.hasOwn(module, 'default') ? { default: module.default } : {}
}

/** jiti (and racebench's own API) are imported on the first TypeScript file only: other commands never pay for them. */
async function createLoader(): Promise<Jiti> {
  const [{ createJiti }, racebench, scenario] = await Promise.all([import('jiti'), import('../index.js'), import('./building-blocks.js')])
  // The package's two public entries (package.json "exports"): the whole API, and the light one.
  return createJiti(import.meta.url, { virtualModules: { racebench, 'racebench/scenario': scenario } })
}
