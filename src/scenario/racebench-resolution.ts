import { existsSync, readFileSync } from 'node:fs'
import * as nodeModule from 'node:module'
import { dirname, join } from 'node:path'

let hooked = false

/**
 * Makes `import 'racebench'` in a JavaScript scenario file (and in what it imports) resolve to the
 * racebench that runs it, when the file's folder has no racebench of its own: the case of npx and of
 * a global install. A resolve hook does it (Node ≥ 20.6); it is registered only then, once, because
 * every import after it pays a round trip to the hooks thread. A folder with racebench installed keeps
 * its own copy, as Node would resolve it; `isConflict` recognises that copy's Conflict too.
 */
export function resolveRacebenchFrom(file: string): void {
  if (hooked || racebenchResolvesFrom(dirname(file))) return
  hooked = true
  // Older Node 20: no hooks; the import then fails with Node's own "Cannot find package 'racebench'".
  if (typeof nodeModule.register !== 'function') return
  // The package's two public entries (package.json "exports"): the whole API, and the light one.
  const entries = { racebench: new URL('../index.js', import.meta.url).href, 'racebench/scenario': new URL('./building-blocks.js', import.meta.url).href }
  const hook = `const entries = ${JSON.stringify(entries)}
  export async function resolve(specifier, context, next) {
    return Object.hasOwn(entries, specifier) ? { url: entries[specifier], shortCircuit: true } : next(specifier, context)
  }`
  nodeModule.register(`data:text/javascript,${encodeURIComponent(hook)}`)
}

/**
 * Whether Node finds a `racebench` from `dir` by itself: in a node_modules folder of `dir` or above,
 * or as the package's own name when `dir` is inside racebench (self-reference, nearest package.json only).
 */
export function racebenchResolvesFrom(dir: string): boolean {
  let nearestManifestSeen = false
  for (let current = dir; ; current = dirname(current)) {
    if (existsSync(join(current, 'node_modules', 'racebench', 'package.json'))) return true
    const manifest = join(current, 'package.json')
    if (!nearestManifestSeen && existsSync(manifest)) {
      nearestManifestSeen = true
      if (isRacebenchManifest(manifest)) return true
    }
    if (dirname(current) === current) return false
  }
}

function isRacebenchManifest(path: string): boolean {
  try {
    const manifest = JSON.parse(readFileSync(path, 'utf8')) as { name?: unknown; exports?: unknown }
    return manifest.name === 'racebench' && manifest.exports !== undefined
  } catch {
    return false
  }
}
