import { readFile } from 'node:fs/promises'
import { isAbsolute, join } from 'node:path'
import { UsageError } from '../errors.js'
import type { Dialect } from '../engines/session.js'
import type { Params } from './define-scenario.js'
import type { LoadedScenario } from './load-scenario.js'

/** Reads a scenario's schema script for a dialect and fills in its `{{param}}` placeholders. */
export async function readSchema(loaded: LoadedScenario, dialect: Dialect, params: Params, file = loaded.scenario.schema): Promise<{ path: string; sql: string }> {
  const { scenario } = loaded
  const path = isAbsolute(file) ? file : join(loaded.sqlDir, dialect, file)
  let template: string
  try {
    template = await readFile(path, 'utf8')
  } catch {
    throw new UsageError(`scenario '${scenario.name}' has no ${dialect} schema: ${path} cannot be read`)
  }
  const sql = template.replace(/\{\{\s*(\w+)\s*\}\}/g, (placeholder, name: string) => {
    const value = params[name]
    if (value === undefined) throw new UsageError(`${path} uses ${placeholder}, which is not a param of '${scenario.name}'`)
    return typeof value === 'number' ? String(value) : `'${value.replace(/'/g, "''")}'`
  })
  return { path, sql }
}
