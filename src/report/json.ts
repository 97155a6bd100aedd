import type { RunResult } from '../run-result.js'

/** The `--json` document: the result as is, pretty-printed, one document per invocation. */
export function renderJson(result: RunResult | readonly unknown[] | object): string {
  return JSON.stringify(result, null, 2) + '\n'
}
