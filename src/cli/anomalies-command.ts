import { runAnomalies } from '../anomalies/run-anomalies.js'
import { renderAnomalyTable } from '../report/anomaly-table.js'
import { renderJson } from '../report/json.js'
import { styleFor } from '../report/style.js'
import { specTimeoutMs } from '../spec/run-spec.js'
import { singleServer } from '../config.js'
import { commandSession } from './session.js'

/**
 * `racebench anomalies [--db URL] [--json]`: Hermitage's tests at every level of the server, as a
 * table (or JSON). Exit 0 when every test ran to its end (possible anomalies are the answer, not a
 * failure), 1 when one could not (shown as `stuck`).
 */
export async function anomaliesCommand(options: { db?: string; timeout?: string; json?: boolean; debug?: boolean }, secrets: readonly string[]): Promise<number> {
  const timeoutMs = specTimeoutMs(options.timeout)
  const table = await commandSession('anomalies', { ...options, db: options.db === undefined ? undefined : [options.db], param: [] }, secrets, (run) =>
    runAnomalies({ db: singleServer(run.db, 'anomalies'), timeoutMs, events: run.events, log: run.log, warn: run.warn, signal: run.signal }),
  )
  process.stdout.write(options.json ? renderJson(table) : renderAnomalyTable(table, styleFor(process.stdout)))
  return table.cells.some((cell) => cell.outcome === 'stuck') ? 1 : 0
}
