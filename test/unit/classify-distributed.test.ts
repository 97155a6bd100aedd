import { describe, expect, it } from 'vitest'
import { classifyError } from '../../src/engines/classify.js'

/** The shape mysql2 gives a server error (TiDB speaks the MySQL protocol). */
function mysqlError(errno: number, sqlMessage: string): Error {
  return Object.assign(new Error(sqlMessage), { errno, code: 'ER_UNKNOWN_ERROR', sqlMessage, sqlState: 'HY000' })
}

/** The shape postgres drivers give a server error. */
function postgresError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code })
}

describe('classifyError: CockroachDB (PostgreSQL protocol)', () => {
  it.each([
    'restart transaction: TransactionRetryWithProtoRefreshError: WriteTooOldError: write at timestamp 1700000000.000000001,0 too old (RETRY_WRITE_TOO_OLD)',
    'restart transaction: TransactionRetryWithProtoRefreshError: TransactionRetryError: retry txn (RETRY_SERIALIZABLE)',
    'restart transaction: TransactionRetryWithProtoRefreshError: ReadWithinUncertaintyIntervalError',
  ])('40001 "%s" is serialization', (message) => {
    expect(classifyError(postgresError('40001', message))).toBe('serialization')
  })
})

describe('classifyError: YugabyteDB (PostgreSQL protocol)', () => {
  it('40001 conflicts are serialization, 40P01 is deadlock', () => {
    expect(classifyError(postgresError('40001', 'could not serialize access due to concurrent update'))).toBe('serialization')
    expect(classifyError(postgresError('40001', 'Restart read required'))).toBe('serialization')
    expect(classifyError(postgresError('40P01', 'deadlock detected'))).toBe('deadlock')
  })

  it('an XX000 internal error stays other: not documented as retryable', () => {
    expect(classifyError(postgresError('XX000', 'Try again'))).toBe('other')
  })
})

describe('classifyError: TiDB (MySQL protocol)', () => {
  it.each([
    // Messages abridged from the error-codes page; classification reads only the number.
    [9007, 'Write conflict', 'serialization'],
    [8002, 'SELECT FOR UPDATE transaction cannot be retried after a commit conflict', 'serialization'],
    [8005, 'Write Conflict, txnStartTS is stale', 'serialization'],
    [8022, 'transaction commit failed and was rolled back', 'serialization'],
    [9004, 'Resolve Lock Timeout', 'lock-timeout'],
    [1213, 'Deadlock found when trying to get lock; try restarting transaction', 'deadlock'],
    [1205, 'Lock wait timeout exceeded; try restarting transaction', 'lock-timeout'],
  ])('error %i is %s', (errno, message, errorClass) => {
    expect(classifyError(mysqlError(errno, message))).toBe(errorClass)
  })

  it.each([
    [9005, 'Region is unavailable'],
    [9001, 'PD server timeout'],
    [9002, 'TiKV server timeout'],
    [9006, 'GC life time is shorter than transaction duration'],
    [8028, 'Information schema is changed during the execution of the statement'],
  ])('error %i ("%s") is other: the session is intact, so not connection', (errno, message) => {
    expect(classifyError(mysqlError(errno, message))).toBe('other')
  })

  it('a TiDB number without sqlMessage (a socket errno shape) is not read as a server error', () => {
    expect(classifyError(Object.assign(new Error('x'), { errno: 9007 }))).toBe('other')
  })
})
