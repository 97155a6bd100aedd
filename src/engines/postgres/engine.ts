import type { IsolationLevel } from '../../config.js'
import type { Engine } from '../engine.js'
import { ENGINE_FACTS, unsupportedCapabilities, type EngineFamily } from '../engine-family.js'

const snapshotLevel = (isolation: IsolationLevel) => isolation === 'repeatable-read' || isolation === 'serializable'

/**
 * PostgreSQL: snapshot isolation from REPEATABLE READ, SSI at SERIALIZABLE, partial indexes, ON CONFLICT.
 * A server of another family on its protocol (CockroachDB, YugabyteDB) keeps the SQL and says what it lacks.
 */
export function postgresEngine(family: EngineFamily = 'postgresql', version = ''): Engine {
  return Object.freeze({
  dialect: 'postgres',
  name: ENGINE_FACTS[family].displayName,
  family,
  lacks: unsupportedCapabilities(family, version),
  failsStaleWrites: snapshotLevel,
  guardsMissingRows: (isolation: IsolationLevel) => isolation === 'serializable',
  snapshotPrecedesLocks: (isolation: IsolationLevel) => isolation === 'repeatable-read',
  countsMatchedRows: false,
  writableCtes: true,
  locksAreNodeLocal: false,
  uniqueWhere: ({ table, index, columns, where }) => `CREATE UNIQUE INDEX ${index} ON ${table} (${columns.join(', ')}) WHERE ${where}`,
  insertSkippingDuplicate: (insert, { columns, where }) => `${insert} ON CONFLICT (${columns.join(', ')})${where ? ` WHERE ${where}` : ''} DO NOTHING`,
  // With a conflict target, so that only a duplicate of this key is skipped, not any other unique error.
  upsertKeepingExisting: (insert, { columns, where }) => `${insert} ON CONFLICT (${columns.join(', ')})${where ? ` WHERE ${where}` : ''} DO NOTHING`,
  // Released by the transaction's end, so a crashed operation never strands it.
  clock: {
    now: 'statement_timestamp()',
    plusMs: (param: string) => `statement_timestamp() + ${param}::int * interval '1 millisecond'`,
    msBetween: (from: string, to: string) => `round(extract(epoch from (${to} - ${from})) * 1000, 1)`,
  },
  advisoryLock: { scope: 'transaction', acquire: 'SELECT pg_advisory_xact_lock($1::int, $2::int)' },
} satisfies Engine)
}
