import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { openTarget } from '../../src/engines/open-target.js'
import type { Target } from '../../src/engines/target.js'
import { PG_URL, probePostgres } from '../support/services.js'

const postgres = await probePostgres()

describe.skipIf(!postgres.available)('a PostgreSQL connection terminated as it opens', () => {
  // A backend terminated just after its startup (`--nemesis kill-connections` catching a worker's
  // replacement connection) sends its ReadyForQuery and its FATAL in one packet, and node-postgres handles
  // both before the `await client.connect()` returns: a client with no 'error' listener by then crashed
  // the process (an unhandled 'error' event, in 4 of 8 runs of `racebench run lost-update --nemesis
  // kill-connections:50%/20ms -n 40`). So every client must have one before it connects.
  it('every client racebench opens ignores idle errors from before it connects', async () => {
    const listeners: number[] = []
    const connect = pg.Client.prototype.connect
    const spy = function (this: pg.Client, ...args: unknown[]) {
      listeners.push(this.listenerCount('error'))
      return (connect as (...a: unknown[]) => unknown).apply(this, args)
    }
    pg.Client.prototype.connect = spy as typeof connect
    let target: Target | undefined
    try {
      target = await openTarget(PG_URL, { namespace: 'racebench_test_idle_error', timeoutMs: 5_000, keep: false, workers: 1, log: () => {}, warn: () => {} })
      const worker = await target.connect()
      await worker.close()
    } finally {
      pg.Client.prototype.connect = connect
      await target?.close()
    }
    // The setup connection and the worker's.
    expect(listeners.length).toBeGreaterThanOrEqual(2)
    expect(listeners.every((count) => count > 0)).toBe(true)
  })
})
