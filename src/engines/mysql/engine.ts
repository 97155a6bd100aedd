import type { IsolationLevel } from '../../config.js'
import type { Engine } from '../engine.js'
import { ENGINE_FACTS, unsupportedCapabilities, type EngineFamily } from '../engine-family.js'

/** A named lock's name: `racebench_<run>_<key>`, so two runs never share a lock. */
const LOCK_NAME = `CONCAT('racebench_', $1, '_', $2)`

/**
 * MySQL and MariaDB (InnoDB): locking reads at SERIALIZABLE, gap locks from REPEATABLE READ, no partial
 * indexes (a generated column stands in), `ON DUPLICATE KEY`, and named locks held by the session.
 * `galera`: the same engine on a multi-primary cluster, where locks bind one node only.
 */
export function mysqlEngine(options: { readonly family?: EngineFamily; readonly version?: string; readonly galera?: boolean } = {}): Engine {
  const family = options.family ?? 'mysql'
  return Object.freeze({
    dialect: 'mysql',
    name: `${ENGINE_FACTS[family].displayName}${options.galera ? ' Galera' : ''}`,
    family,
    lacks: unsupportedCapabilities(family, options.version ?? ''),
    failsStaleWrites: (isolation: IsolationLevel) => isolation === 'serializable',
    guardsMissingRows: (isolation: IsolationLevel) => isolation !== 'read-committed',
    snapshotPrecedesLocks: () => false,
    countsMatchedRows: true,
    writableCtes: false,
    locksAreNodeLocal: options.galera === true,
    // No partial indexes: a generated column that is NULL unless the row matches, under a unique index
    // (a unique index allows any number of NULLs).
    uniqueWhere: ({ table, index, columns, where, firstColumnType = 'INT' }) => {
      const [first, ...rest] = columns
      const generated = `${index}_${first}`
      return `ALTER TABLE ${table} ADD COLUMN ${generated} ${firstColumnType} AS (CASE WHEN ${where} THEN ${first} END) STORED,
        ADD UNIQUE INDEX ${index} (${[generated, ...rest].join(', ')})`
    },
    insertSkippingDuplicate: (insert) => insert.replace(/^\s*INSERT\b/i, 'INSERT IGNORE'),
    upsertKeepingExisting: (insert, { idColumn }) => `${insert} ON DUPLICATE KEY UPDATE ${idColumn} = ${idColumn}`,
    clock: {
      now: 'NOW(6)',
      plusMs: (param: string) => `NOW(6) + INTERVAL ${param} * 1000 MICROSECOND`,
      msBetween: (from: string, to: string) => `round(TIMESTAMPDIFF(MICROSECOND, ${from}, ${to}) / 1000, 1)`,
    },
    advisoryLock: { scope: 'session', acquire: `SELECT GET_LOCK(${LOCK_NAME}, $3) AS got`, release: `SELECT RELEASE_LOCK(${LOCK_NAME})` },
  } satisfies Engine)
}
