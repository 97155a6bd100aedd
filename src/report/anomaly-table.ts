import Table from 'cli-table3'
import type { ChalkInstance } from 'chalk'
import type { AnomalyCell, AnomalyTable } from '../anomalies/run-anomalies.js'
import { tableLook } from './style.js'

/** `prevented (blocked, deadlock)`, `possible`: a cell as the table shows it. */
export function cellText(cell: AnomalyCell): string {
  if (cell.outcome === 'stuck') return 'stuck'
  if (cell.outcome === 'possible') return 'possible'
  return cell.how.length > 0 ? `prevented (${cell.how.join(', ')})` : 'prevented'
}

/**
 * Hermitage's table, measured on one server: a row per anomaly, a column per isolation level.
 * A prevented cell says how (a step blocked on a lock, a serialization failure, a deadlock) when
 * the engine had to do something; plain `prevented` means the reads simply never saw it (a snapshot).
 */
export function renderAnomalyTable(table: AnomalyTable, style: ChalkInstance): string {
  const grid = new Table({ head: ['anomaly', ...table.levels], ...tableLook(style) })
  for (const { name } of table.anomalies) {
    grid.push([
      name,
      ...table.levels.map((level) => {
        const cell = table.cells.find((c) => c.anomaly === name && c.level === level)
        if (!cell) return ''
        const text = cellText(cell)
        return cell.outcome === 'possible' ? style.red(text) : cell.outcome === 'stuck' ? style.yellow(text) : style.green(text)
      }),
    ])
  }
  const stuck = table.cells.filter((c) => c.outcome === 'stuck').map((c) => `${c.anomaly} at ${c.level}: ${c.detail}`)
  return [
    `${style.bold('Isolation anomalies')} on ${table.db.server}${table.db.embedded ? ' (embedded)' : ''}, measured with Hermitage's tests (https://github.com/ept/hermitage)`,
    grid.toString(),
    'possible: the anomaly happened · prevented: it did not; how, when the engine had to act: blocked (a lock wait), serialization failure, deadlock',
    ...stuck.map((line) => style.yellow(`stuck: ${line}`)),
    '',
  ].join('\n')
}
