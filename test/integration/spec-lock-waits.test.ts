import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { blockersOf, sessionIdOf } from '../../src/schedule/lock-waits.js'
import { namespaceFor } from '../../src/engines/namespace.js'
import { openTarget } from '../../src/engines/open-target.js'
import type { Session } from '../../src/engines/session.js'
import type { Target } from '../../src/engines/target.js'
import { sqlTargets } from '../support/services.js'

const TARGETS = await sqlTargets()

/** Polls until `check` holds (a lock wait starts a moment after its statement is sent). */
async function eventually<T>(read: () => Promise<T>, check: (value: T) => boolean): Promise<T> {
  for (let i = 0; ; i++) {
    const value = await read()
    if (check(value) || i >= 200) return value
    await new Promise((resolve) => setTimeout(resolve, 25))
  }
}

for (const db of TARGETS) {
  describe.skipIf(!db.probe.available)(`${db.name}: lock waits seen through the engine`, () => {
    let target: Target
    let holder: Session, waiter: Session, probe: Session

    beforeAll(async () => {
      const quiet = () => {}
      target = await openTarget(db.url, { namespace: namespaceFor('lock-waits'), timeoutMs: 10_000, keep: false, workers: 3, log: quiet, warn: quiet })
      await target.admin.query('CREATE TABLE t (id int PRIMARY KEY, v int)')
      await target.admin.query('INSERT INTO t VALUES (1, 10), (2, 20)')
      holder = await target.connect()
      waiter = await target.connect()
      probe = await target.connect()
    })

    afterAll(async () => {
      for (const session of [holder, waiter, probe]) await session?.rollback().then(() => session.close())
      await target?.close()
      expect(await db.namespaceExists(target.namespace)).toBe(false)
    })

    it('each session has its own server id', async () => {
      const ids = await Promise.all([holder, waiter, probe].map(sessionIdOf))
      expect(new Set(ids).size).toBe(3)
      for (const id of ids) expect(Number.isInteger(id) && id > 0).toBe(true)
    })

    it('a session waiting on a row lock names its holder; a free one names none', async () => {
      const [holderId, waiterId] = [await sessionIdOf(holder), await sessionIdOf(waiter)]
      expect(await blockersOf(probe, waiterId)).toEqual([])

      await holder.begin()
      await holder.query('UPDATE t SET v = 11 WHERE id = 1')
      await waiter.begin()
      const blocked = waiter.query('UPDATE t SET v = 12 WHERE id = 1')
      const seen = await eventually(() => blockersOf(probe, waiterId), (ids) => ids.length > 0)
      expect(seen).toEqual([holderId])
      // The holder is not waiting for anyone.
      expect(await blockersOf(probe, holderId)).toEqual([])

      await holder.commit()
      await blocked
      expect(await blockersOf(probe, waiterId)).toEqual([])
      await waiter.commit()
    })

    it('a row lock on another row is no wait', async () => {
      const waiterId = await sessionIdOf(waiter)
      await holder.begin()
      await holder.query('UPDATE t SET v = 21 WHERE id = 2')
      await waiter.begin()
      await waiter.query('UPDATE t SET v = 13 WHERE id = 1')
      expect(await blockersOf(probe, waiterId)).toEqual([])
      await holder.rollback()
      await waiter.rollback()
    })
  })
}
