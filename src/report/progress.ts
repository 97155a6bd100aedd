import { plural } from '../check/plural.js'
import { formatDuration } from '../duration.js'
import type { RunEmitter } from '../runner/events.js'

/**
 * Shows the run's progress on stderr. On a terminal: the current phase, then a line a second while
 * workers run, rewritten in place and cleared at the end so the result stands alone. Elsewhere (CI
 * logs, pipes, files): one line as the workers start, naming the run, so a long run is not silent;
 * nothing rewritten in place, and stdout is never touched (`--json` stays one document).
 */
export function showProgress(events: RunEmitter, stream: NodeJS.WriteStream): void {
  if (!stream.isTTY) {
    // `running double-booking (none) with 8 workers for 20s on PostgreSQL 15.19`: the run's own phase line.
    events.on('phase', (phase) => {
      if (phase.startsWith('running ')) stream.write(`racebench: ${phase}\n`)
    })
    return
  }
  // Cut to the terminal's width: a line that wraps could no longer be rewritten in place.
  const show = (text: string) => stream.write(`\r\x1b[K${text.slice(0, Math.max(20, (stream.columns || 80) - 1))}`)
  events.on('phase', (phase) => show(phase === 'cleaning up' ? '' : `racebench: ${phase}…`))
  events.on('tick', (tick) => {
    const { ok, rejected, conflict, error, unknown } = tick.outcomes
    show(`racebench: running ${formatDuration(Math.round(tick.elapsedMs))} · ${plural(tick.completed, 'op')} · ok ${ok} · rejected ${rejected} · conflict ${conflict} · error ${error} · unknown ${unknown} · retries ${tick.retries}`)
  })
}
