import { ISOLATION_LEVELS } from '../config.js'
import { engineFor } from '../engines/engine-for.js'
import { DIALECTS } from '../engines/session.js'
import type { Expectation, Params, Strategy, StrategyEnvironment } from './define-scenario.js'

/**
 * Expectations that more than one scenario declares, each a question to the engine rather than a list
 * of engines: a third engine answers them for itself.
 */

/**
 * Safe only where the engine makes a transaction that writes a row changed since its snapshot fail
 * (PostgreSQL from REPEATABLE READ, InnoDB at SERIALIZABLE), and only when the read and the write share
 * one transaction: the check of a read-modify-write with no lock and no version guard.
 */
export const safeWhenStaleWritesFail = ({ engine, isolation, oneTransaction }: StrategyEnvironment): Expectation =>
  oneTransaction && engine.failsStaleWrites(isolation) ? 'safe' : 'unsafe'

/**
 * Unsafe where the snapshot is taken before the lock the transaction then waits for (PostgreSQL's
 * REPEATABLE READ): the check after the lock still misses what the previous holder committed.
 */
export const unsafeWhenSnapshotPrecedesLocks = ({ engine, isolation }: StrategyEnvironment): Expectation =>
  engine.snapshotPrecedesLocks(isolation) ? 'unsafe' : 'safe'

/** Safe only where a check that finds no row and another's insert of it cannot both commit (SSI, gap locks). */
export const safeWhenMissingRowsGuarded = ({ engine, isolation }: StrategyEnvironment): Expectation =>
  engine.guardsMissingRows(isolation) ? 'safe' : 'unsafe'

/**
 * A lease lock (redis-lock, redlock) is safe while every holder finishes within its lease: a holder that
 * stalls past it (`--nemesis pause-worker`, a GC pause) wakes up believing it still holds the lock.
 */
export const safeUnlessHolderStalls = ({ faults }: StrategyEnvironment): Expectation => (faults.includes('pause-worker') ? 'unsafe' : 'safe')

/** Safe until its process can crash between steps (`--nemesis crash-saga`) with nothing durable to finish the work. */
export const safeUnlessCrashed = ({ faults }: StrategyEnvironment): Expectation => (faults.includes('crash-saga') ? 'unsafe' : 'safe')

/**
 * Safe while every worker that claims work lives to finish it: a claim with no lease (a status set in
 * its own commit) is stranded when its worker's connection dies before the work commits
 * (`--nemesis kill-connections`, `reset`), and nobody picks the work up again.
 */
export const safeUnlessConnectionsDie = ({ faults }: StrategyEnvironment): Expectation =>
  faults.includes('kill-connections') || faults.includes('reset') ? 'unsafe' : 'safe'

/** Every (dialect, isolation) a strategy can run at, with what it expects there. */
export function expectationsOf(strategy: Pick<Strategy<Params, unknown>, 'expect' | 'isolation'>): { env: StrategyEnvironment; expect: Expectation }[] {
  return DIALECTS.flatMap((dialect) =>
    ISOLATION_LEVELS.map((level) => {
      // Listed per --isolation level, which makes every operation one transaction.
      const env = { dialect, engine: engineFor(dialect), nodes: 1, faults: [], isolation: strategy.isolation ?? level, oneTransaction: true }
      return { env, expect: expectationOf(strategy, env) }
    }),
  )
}

/** A strategy's expectation where it runs: server locks spread over the nodes of a Galera cluster hold nothing. */
export function expectationOf(strategy: Pick<Strategy<Params, unknown>, 'expect' | 'serverLocks'>, env: StrategyEnvironment): Expectation {
  if (strategy.serverLocks === true && locksSplitAcrossNodes(env)) return 'unsafe'
  return typeof strategy.expect === 'function' ? strategy.expect(env) : strategy.expect
}

/** Whether the workers run on several nodes whose locks do not see each other's. */
function locksSplitAcrossNodes(env: Pick<StrategyEnvironment, 'engine' | 'nodes'>): boolean {
  return env.nodes > 1 && env.engine.locksAreNodeLocal
}
