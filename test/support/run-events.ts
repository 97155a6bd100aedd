import { createRunEmitter, type RunEmitter } from '../../src/index.js'

/** A run's events, and the run's schema or database name once it is being prepared. */
export function watchRun(): { events: RunEmitter; namespace: () => string } {
  const events = createRunEmitter()
  let namespace = ''
  events.on('phase', (phase) => (namespace = /preparing schema (\S+)/.exec(phase)?.[1] ?? namespace))
  return { events, namespace: () => namespace }
}
