import { formatDuration } from '../duration.js'
import type { RunEmitter } from '../runner/events.js'

/**
 * Shows the run's progress on a terminal (stderr): the current phase, then a line a second while
 * workers run, rewritten in place and cleared at the end so the result stands alone.
 * Off when stderr is not a terminal, so logs and pipes stay clean.
 */
export function showProgress(events: RunEmitter, stream: NodeJS.WriteStream): void {
  if (!stream.isTTY) return
  const show = (text: string) => stream.write(`\r\x1b[K${text}`)
  events.on('phase', (phase) => show(phase === 'cleaning up' ? '' : `racebench: ${phase}…`))
  events.on('tick', (tick) => {
    const { ok, rejected, conflict, error, unknown } = tick.outcomes
    show(`racebench: running ${formatDuration(Math.round(tick.elapsedMs))} · ${tick.completed} ops · ok ${ok} · rejected ${rejected} · conflict ${conflict} · error ${error} · unknown ${unknown} · retries ${tick.retries}`)
  })
}
