import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { ExitCode, messageOf, OutputError, UsageError } from '../errors.js'
import { packageRoot } from '../package-root.js'

/** The starter, in the package's templates/ folder: `__NAME__` in them becomes the scenario's name. */
const TEMPLATES = [
  { template: 'scenario.ts', file: (name: string) => `${name}.ts` },
  { template: 'scenario.sql', file: (name: string) => `${name}.sql` },
] as const

/** A name that is also a good file name and what users type after `racebench run`. */
const VALID_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$/

/**
 * `racebench init [name] [--force]`: writes `<name>.ts`, a commented starter scenario (a seat-claim race
 * with a `none` strategy that breaks its invariant and an `optimistic` one that keeps it), and
 * `<name>.sql`, its tables, into the current folder. Both run as written. Files that exist are
 * overwritten only with --force (else exit 2, naming them).
 */
export async function initCommand(given: string, options: { force?: boolean }): Promise<number> {
  const name = given.replace(/\.ts$/, '')
  if (!VALID_NAME.test(name)) {
    throw new UsageError(`init: the name must be letters, digits, '-' or '_' (it names the scenario and its files), got '${given}'`)
  }
  const files = TEMPLATES.map(({ template, file }) => ({ template, file: file(name), path: resolve(file(name)) }))
  const existing = files.filter(({ path }) => existsSync(path)).map(({ file }) => file)
  if (existing.length > 0 && !options.force) {
    throw new UsageError(`init: ${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''} here; pass --force to overwrite, or choose another name`)
  }
  // Read both templates before writing either: a broken install must not leave half a starter behind.
  const contents = await Promise.all(files.map(async ({ template }) => (await readFile(join(packageRoot(), 'templates', template), 'utf8')).replaceAll('__NAME__', name)))
  for (const [index, { file, path }] of files.entries()) {
    await writeFile(path, contents[index] ?? '').catch((error: unknown) => {
      throw new OutputError(`init: cannot write ${file}: ${messageOf(error)}`, { cause: error })
    })
  }
  process.stdout.write(
    `wrote ${files[0]?.file} (a commented starter scenario: a seat-claim race) and ${files[1]?.file} (its tables)\n` +
      `run it:\n` +
      `  racebench run ./${name}.ts                         # strategy none: the race breaks the invariant (exit 1)\n` +
      `  racebench run ./${name}.ts --strategy optimistic   # the fix: every invariant holds (exit 0)\n` +
      `  (on a throwaway embedded PostgreSQL; add --db postgres://… or mysql://… for a server of yours)\n`,
  )
  return ExitCode.Ok
}
