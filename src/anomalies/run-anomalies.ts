import type { RunEmitter } from '../runner/events.js'
import type { EmbeddedServer } from '../engines/embedded/embedded.js'
import { namespaceFor } from '../engines/namespace.js'
import { openTarget } from '../engines/open-target.js'
import { levelsOf, levelText, type SpecIsolation } from '../spec/isolation.js'
import type { Target } from '../engines/target.js'
import { runPermutations, type Prevention } from '../spec/run-permutations.js'
import { resetNamespace } from '../spec/spec-sessions.js'
import { checkSpec } from '../spec/validate-spec.js'
import { HERMITAGE_SPECS } from './hermitage.js'

/** One cell of the table: an anomaly at a level, as measured. */
export interface AnomalyCell {
  readonly anomaly: string
  readonly level: string
  /** `possible`: it happened; `prevented`: it did not; `stuck`: the test could not run to its end. */
  readonly outcome: 'possible' | 'prevented' | 'stuck'
  /** How the engine prevented it (or what it did on the way when it did not): waits, failures. */
  readonly how: readonly Prevention[]
  /** What the test saw (the spec's detail line, or why it was stuck). */
  readonly detail: string
}

export interface AnomalyTable {
  readonly db: { readonly dialect: string; readonly server: string; readonly url: string; readonly embedded: boolean }
  readonly levels: readonly string[]
  readonly anomalies: readonly { readonly name: string; readonly summary: string }[]
  readonly cells: readonly AnomalyCell[]
}

export interface RunAnomaliesOptions {
  readonly db?: string | undefined
  readonly timeoutMs: number
  readonly events?: RunEmitter | undefined
  readonly log?: ((line: string) => void) | undefined
  readonly warn?: ((line: string) => void) | undefined
  readonly embedded?: EmbeddedServer | undefined
  readonly signal?: AbortSignal | undefined
}

/**
 * Runs every Hermitage test at every isolation level the server has, in one namespace of its own
 * (emptied before each test, dropped at the end), and answers the measured table.
 */
export async function runAnomalies(options: RunAnomaliesOptions): Promise<AnomalyTable> {
  const checked = HERMITAGE_SPECS.map((spec) => checkSpec(spec, `the built-in spec ${spec.name}`))
  const log = options.log ?? (() => {})
  const warn = options.warn ?? ((line: string) => process.stderr.write(`racebench: warning: ${line}\n`))
  options.events?.emit('phase', options.db === undefined && !options.embedded ? 'starting an embedded PostgreSQL' : 'connecting')
  const target = await openTarget(options.db, { namespace: namespaceFor('anomalies'), timeoutMs: options.timeoutMs, keep: false, workers: 5, log, warn }, options.embedded)
  try {
    const columns = await columnsOf(target)
    const cells: AnomalyCell[] = []
    let first = true
    for (const spec of checked) {
      for (const column of columns) {
        options.events?.emit('phase', `${spec.spec.name} at ${column.label} on ${target.server}`)
        if (!first) await resetNamespace(target)
        first = false
        const [result] = await runPermutations(target, spec, { isolation: column.isolation, variables: column.variables, timeoutMs: options.timeoutMs, signal: options.signal })
        if (!result) continue
        const outcome = result.stuck ? 'stuck' : result.anomaly?.occurred ? 'possible' : 'prevented'
        cells.push({ anomaly: spec.spec.name, level: column.label, outcome, how: result.prevention, detail: result.stuck ?? result.anomaly?.detail ?? '' })
      }
    }
    return {
      db: { dialect: target.dialect, server: target.server, url: target.url, embedded: target.embedded },
      levels: columns.map((column) => column.label),
      anomalies: checked.map(({ spec }) => ({ name: spec.name, summary: spec.summary })),
      cells,
    }
  } finally {
    options.events?.emit('phase', 'cleaning up')
    await target.close()
  }
}

/** A column of the table: a level, and session variables that change what it means. */
interface Column {
  readonly label: string
  readonly isolation: SpecIsolation
  readonly variables?: Readonly<Record<string, string>>
}

/**
 * Every level the engine has; on MariaDB that has it (since 10.6.18 and 10.11.8; ON by default since 11.6.2) also repeatable read with
 * innodb_snapshot_isolation=ON, under which a write to a row changed since the snapshot fails
 * (error 1020) instead of acting on the latest version: MariaDB's own answer to lost updates.
 */
async function columnsOf(target: Target): Promise<Column[]> {
  const columns: Column[] = levelsOf(target.dialect).map((level) => ({ label: levelText(level), isolation: level }))
  if (target.dialect === 'mysql') {
    const { rows } = await target.admin.query("SHOW VARIABLES LIKE 'innodb_snapshot_isolation'")
    if (rows.length > 0) columns.splice(3, 0, { label: SNAPSHOT_COLUMN, isolation: 'repeatable-read', variables: { innodb_snapshot_isolation: 'ON' } })
  }
  return columns
}

/** The extra MariaDB column's label. */
export const SNAPSHOT_COLUMN = 'repeatable read + innodb_snapshot_isolation'
