import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

let cached: string | undefined

/**
 * The folder holding racebench's package.json, whether we run from `src/` (tests) or `dist/src/`
 * (the built CLI): built-in scenarios find their `sql/` there.
 */
export function packageRoot(): string {
  if (cached) return cached
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const manifest = join(dir, 'package.json')
    if (existsSync(manifest) && JSON.parse(readFileSync(manifest, 'utf8')).name === 'racebench') return (cached = dir)
    const parent = dirname(dir)
    if (parent === dir) throw new Error('racebench: cannot find its own package.json')
    dir = parent
  }
}
