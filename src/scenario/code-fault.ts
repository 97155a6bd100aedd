import { fileURLToPath } from 'node:url'
import { messageOf, RacebenchError, ScenarioCodeError, TargetError } from '../errors.js'
import { classifyError } from '../engines/classify.js'

/**
 * Whether an error is a mistake in the code that threw it rather than something that happened to it:
 * the JavaScript engine's own errors (`x is not a function`, `y is not defined`, a call stack blown)
 * and the same kinds thrown by libraries for a wrong call (mysql2's TypeError for an `undefined`
 * parameter). No race produces these on its own: a strategy that throws one has a bug, and counting
 * it as an `error` outcome would bury the bug in the numbers. Database errors, `Conflict`s and plain
 * `Error`s a scenario throws on purpose ("document 3 does not exist") stay outcomes: they are data.
 */
export function isCodeBug(error: unknown): boolean {
  return error instanceof TypeError || error instanceof ReferenceError || error instanceof SyntaxError || error instanceof RangeError
}

/**
 * Whether an error must stop the run: one of racebench's own (a call that never settled, an
 * interruption, scenario code that misbehaved) or a bug in scenario code.
 */
export function stopsTheRun(error: unknown): boolean {
  return error instanceof RacebenchError || isCodeBug(error)
}

/**
 * The one line for scenario code that threw where it must not: `strategy 'x' run() in /path/my.js
 * threw TypeError: rows[0] is undefined (at /path/my.js:12:7)`. racebench's own errors pass through.
 */
export function scenarioThrew(site: string, error: unknown): RacebenchError {
  if (error instanceof RacebenchError) return error
  const kind = error instanceof Error ? `${error.name}: ` : ''
  return new ScenarioCodeError(`${site} threw ${kind}${messageOf(error).split('\n')[0]}${whereThrown(error)}`, { cause: error })
}

/** Calls synchronous scenario code (`pickKey`, `validate`, `readers.count`): anything it throws names it. */
export function callScenarioCode<T>(site: string, call: () => T): T {
  try {
    return call()
  } catch (error) {
    throw scenarioThrew(site, error)
  }
}

/** A value scenario code returned, as the error line shows it: `'done'`, `undefined`, `{"held":"yes"}`. */
export function shown(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return String(value)
  if (value instanceof Promise) return 'a promise'
  try {
    const json = JSON.stringify(value)
    return json.length > 80 ? `${json.slice(0, 77)}...` : json
  } catch {
    return String(value)
  }
}

/** ` (at /path/my.js:12:7)`: the first frame of the stack outside Node itself and installed packages. */
function whereThrown(error: unknown): string {
  const stack = error instanceof Error ? (error.stack ?? '') : ''
  for (const line of stack.split('\n').slice(1)) {
    const frame = /((?:file:\/\/)?\/[^()\s]*?):(\d+):(\d+)\)?$/.exec(line.trim())
    if (!frame?.[1] || frame[1].includes('/node_modules/')) continue
    const file = frame[1].startsWith('file://') ? fileURLToPath(frame[1]) : frame[1]
    return ` (at ${file}:${frame[2]}:${frame[3]})`
  }
  return ''
}

/**
 * What scenario code that ran outside the workload (prepare, recover) failing means: the target's fault
 * (exit 3) when the connection to `server` broke under it, else the scenario's.
 */
export function scenarioCallFailed(site: string, server: string): (error: unknown) => never {
  return (error) => {
    if (error instanceof RacebenchError || classifyError(error) !== 'connection') throw scenarioThrew(site, error)
    throw new TargetError(`lost the connection to ${server} during ${site}: ${messageOf(error)}`, { cause: error })
  }
}
