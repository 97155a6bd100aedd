import { ISOLATION_LEVELS, type IsolationLevel } from '../config.js'
import type { Dialect } from '../engines/session.js'
import type { VerifyColumn } from './verification.js'
import type { VerifyScenario } from './verify-options.js'

/** A cell to run (or to skip) on one engine. */
export interface CellPlan {
  readonly loaded: VerifyScenario
  readonly strategy: string
  readonly column: VerifyColumn
  /** The --isolation of its runs: none for the default column and for a strategy with a fixed level. */
  readonly isolation: IsolationLevel | undefined
  /** Why it does not run on this engine. */
  readonly skip?: string
}

/** `repeatable-read` → `repeatable read`: a level as runs report it and the matrix heads its column. */
export function levelText(level: IsolationLevel): Exclude<VerifyColumn, 'default'> {
  return level.replace(/-/g, ' ') as Exclude<VerifyColumn, 'default'>
}

/**
 * The cells of one engine, row by row (scenario, then strategy, in their declared order), each row
 * the default column then every level. A strategy with a fixed level ignores --isolation: one cell,
 * in its level's column. A strategy that makes no sense on the engine, or needs a Redis that is not
 * there, keeps its cells, marked skipped with the reason.
 */
export function planCells(
  scenarios: readonly VerifyScenario[],
  named: ReadonlySet<string> | undefined,
  dialect: Dialect,
  /** Why Redis strategies cannot run (no Redis answered), or undefined when they can. */
  noRedis: string | undefined,
): CellPlan[] {
  const cells: CellPlan[] = []
  for (const loaded of scenarios) {
    for (const [strategy, definition] of Object.entries(loaded.scenario.strategies)) {
      if (named && !named.has(strategy)) continue
      const unsupported = definition.unsupportedOn?.[dialect]
      const skip = unsupported ? `makes no sense on ${dialect}: ${unsupported}` : definition.requires?.includes('redis') ? noRedis : undefined
      const base = { loaded, strategy, ...(skip ? { skip } : {}) }
      if (definition.isolation) {
        cells.push({ ...base, column: levelText(definition.isolation), isolation: undefined })
        continue
      }
      cells.push({ ...base, column: 'default', isolation: undefined })
      for (const level of ISOLATION_LEVELS) cells.push({ ...base, column: levelText(level), isolation: level })
    }
  }
  return cells
}

/** Whether any chosen strategy needs Redis (so the matrix looks for one). */
export function needsRedis(scenarios: readonly VerifyScenario[], named: ReadonlySet<string> | undefined): boolean {
  return scenarios.some(({ scenario }) =>
    Object.entries(scenario.strategies).some(([name, strategy]) => (!named || named.has(name)) && strategy.requires?.includes('redis') === true),
  )
}
