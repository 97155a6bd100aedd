import { extname } from 'node:path'
import { pathToFileURL } from 'node:url'
import { messageOf, RacebenchError, UsageError } from '../errors.js'
import { importTypeScript, TYPESCRIPT_EXTENSIONS } from './import-typescript.js'
import { resolveRacebenchFrom } from './racebench-resolution.js'

/**
 * Imports a scenario file (or isolation spec): TypeScript through jiti, JavaScript natively, and in
 * both `racebench` is the racebench that runs it. A file that cannot be loaded (a syntax error, a
 * missing import, its top-level code threw) is a UsageError (exit 2) of one line naming the file (as
 * `what`: `scenario file`) and, for a TypeScript syntax error, the line and column. Node does not say
 * where a JavaScript file's syntax error is (`Unexpected token ','`), so neither can we.
 */
export async function importScenarioModule(file: string, what: string): Promise<{ default?: unknown }> {
  try {
    if ((TYPESCRIPT_EXTENSIONS as readonly string[]).includes(extname(file))) return await importTypeScript(file)
    resolveRacebenchFrom(file)
    return (await import(pathToFileURL(file).href)) as { default?: unknown }
  } catch (error) {
    if (error instanceof RacebenchError) throw error
    throw new UsageError(`cannot load ${what} ${file}: ${loadFailure(error)}`, { cause: error })
  }
}

/**
 * jiti reports a file babel cannot parse as `ParseError: Unexpected token \n /path/file.ts:4:10`
 * (its code, babel's message, then where, the column counted from 0).
 */
const JITI_PARSE_FAILURE = /^(\w+): (.*?)\s*\n\s*(.+):(\d+):(\d+)\s*$/s

/** Why a file could not be loaded, in one line: `syntax error at line 4, column 11: Unexpected token`. */
export function loadFailure(error: unknown): string {
  const message = messageOf(error)
  const parse = JITI_PARSE_FAILURE.exec(message)
  if (parse) {
    const [, code, text, , line, column] = parse
    const where = Number(line) > 0 ? ` at line ${line}, column ${Number(column) + 1}` : ''
    const kind = code === 'ParseError' ? `syntax error${where}` : `${code}${where}`
    return text ? `${kind}: ${text.replace(/\s+/g, ' ').trim()}` : kind
  }
  return message.split('\n')[0] ?? ''
}
