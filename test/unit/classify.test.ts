import { describe, expect, it } from 'vitest'
import { classifyError, ConnectionLost } from '../../src/engines/classify.js'

describe('classifyError', () => {
  it.each([
    ['40001', 'serialization'],
    ['40P01', 'deadlock'],
    ['55P03', 'lock-timeout'],
    ['57014', 'lock-timeout'],
    ['23505', 'unique'],
    ['57P01', 'connection'],
    ['08006', 'connection'],
    ['ECONNRESET', 'connection'],
    ['42P01', 'other'],
  ])('%s is %s', (code, errorClass) => {
    expect(classifyError(Object.assign(new Error('x'), { code }))).toBe(errorClass)
  })

  it.each([
    [1062, 'unique'],
    [1213, 'deadlock'],
    [1467, 'deadlock'],
    [1205, 'lock-timeout'],
    [1969, 'lock-timeout'],
    [3024, 'lock-timeout'],
    [1020, 'serialization'],
    [2013, 'connection'],
    [1927, 'connection'],
    [1146, 'other'],
  ])('MySQL error %i is %s', (errno, errorClass) => {
    // The shape mysql2 gives a server error.
    expect(classifyError(Object.assign(new Error('x'), { errno, code: 'ER_X', sqlMessage: 'x', sqlState: 'HY000' }))).toBe(errorClass)
  })

  it('knows mysql2 reports a lost connection by code, or as fatal', () => {
    expect(classifyError(Object.assign(new Error('lost'), { code: 'PROTOCOL_CONNECTION_LOST', fatal: true }))).toBe('connection')
    expect(classifyError(new Error("Can't add new command when connection is in closed state"))).toBe('connection')
    // A socket error has a (negative) errno but no sqlMessage: it is not a MySQL error number.
    expect(classifyError(Object.assign(new Error('refused'), { errno: -111, code: 'ECONNREFUSED' }))).toBe('connection')
  })

  it('knows node-postgres reports a dropped socket without a code', () => {
    expect(classifyError(new Error('Connection terminated unexpectedly'))).toBe('connection')
    expect(classifyError(new ConnectionLost(true, new Error('gone')))).toBe('connection')
    expect(classifyError(new TypeError('bug'))).toBe('other')
  })
})
