import type { Expectation, StrategyEnvironment } from './define-scenario.js'

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
