import { DEFAULTS, LIMITS } from '../config.js'
import { ExitCode, UsageError } from '../errors.js'
import { renderJson } from '../report/json.js'
import { renderShowTable, showJson } from '../report/show-table.js'
import { styleFor, widthFor } from '../report/style.js'
import { showHistory } from '../show-history.js'

export interface ShowCommandOptions {
  json?: boolean
  show?: string
  scenario?: string
}

/**
 * `racebench show FILE [--json] [--show N] [--scenario NAME|PATH]`: redraws a run from its history
 * file, without a database. Exit 0 when every invariant held, 1 when one was violated, 2 when the
 * file is missing, damaged, cut short or of another scenario.
 */
export async function showCommand(file: string, options: ShowCommandOptions): Promise<number> {
  const shown = await showHistory(file, { scenario: options.scenario, show: shownCount(options.show) })
  process.stdout.write(options.json ? renderJson(showJson(shown)) : renderShowTable(shown, styleFor(process.stdout), { width: widthFor(process.stdout) }))
  return shown.violations > 0 ? ExitCode.Violation : ExitCode.Ok
}

/** `--show N`, checked as `run` checks it. */
function shownCount(value: string | undefined): number {
  if (value === undefined) return DEFAULTS.show
  const n = /^\s*\d+\s*$/.test(value) ? Number(value) : Number.NaN
  if (!(n <= LIMITS.show)) throw new UsageError(`--show must be a whole number from 0 to ${LIMITS.show}, got '${value}'`)
  return n
}
