import { formatDuration } from '../duration.js'
import type { RunEmitter, Tick } from '../runner/events.js'
import { cutToWidth } from './cell-width.js'

export interface ProgressOptions {
  /**
   * Rewrite a live line in place (a terminal that no machine reads from): off when stderr is not a
   * terminal, and when stdout carries machine output (`--json`), whose user wants a quiet run.
   */
  readonly live: boolean
}

/**
 * Shows the run's progress on stderr. Live: the current phase, then a line per interval while the
 * workers run (elapsed and what is left, ops/s, conflicts, errors and p99 of the last interval, like
 * pgbench's --progress), rewritten in place, cut to the terminal's width so that it never wraps (a
 * wrapped line can no longer be rewritten and leaves debris), and cleared at the end so the result
 * stands alone. Otherwise (CI logs, pipes, files, --json): one line as the workers start, naming the
 * run, so a long run is not silent; nothing rewritten in place, and stdout is never touched.
 */
export function showProgress(events: RunEmitter, stream: NodeJS.WriteStream, { live }: ProgressOptions): void {
  if (!live) {
    // `running double-booking (none) with 8 workers for 20s on PostgreSQL 15.19`: the run's own phase line.
    events.on('phase', (phase) => {
      if (phase.startsWith('running ')) stream.write(`racebench: ${phase}\n`)
    })
    return
  }
  // The width is read at each write: a terminal can be resized during a run.
  const show = (text: string) => stream.write(`\r\x1b[K${cutToWidth(text, Math.max(20, (stream.columns || 80) - 1))}`)
  events.on('phase', (phase) => show(phase === 'cleaning up' ? '' : `racebench: ${phase}…`))
  events.on('tick', (tick) => show(progressLine(tick)))
}

/** `racebench: 12s of 20s · 512 ops/s · conflicts 3 · errors 0 · p99 12.3 ms` (the last interval's rates). */
export function progressLine(tick: Tick): string {
  const { conflict, error, unknown } = tick.outcomes
  const parts = [`racebench: ${elapsed(tick)}`]
  const interval = tick.interval
  if (interval) parts.push(`${Math.round(interval.opsPerSec)} ops/s`)
  else parts.push(`${tick.completed} ops`)
  parts.push(`conflicts ${conflict}`, `errors ${error + unknown}`)
  if (tick.retries > 0) parts.push(`retries ${tick.retries}`)
  if (interval && interval.p99 > 0) parts.push(`p99 ${interval.p99} ms`)
  return parts.join(' · ')
}

/** `12s of 20s`, or `1.2s, ~3s left` for an iteration-bounded run (from its pace so far). */
function elapsed(tick: Tick): string {
  const spent = formatDuration(Math.round(tick.elapsedMs))
  if (tick.plannedMs !== undefined) return `${spent} of ${formatDuration(tick.plannedMs)}`
  if (tick.planned === undefined || tick.completed === 0) return spent
  const done = Math.min(1, tick.completed / tick.planned)
  const leftMs = done > 0 ? (tick.elapsedMs / done) * (1 - done) : 0
  return `${spent}, ${Math.round(done * 100)}% done, ~${formatDuration(Math.max(1, Math.round(leftMs / 1000)) * 1000)} left`
}
