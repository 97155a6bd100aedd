import { describe, expect, it } from 'vitest'
import { classifyError, ConnectionLost } from '../../src/target/classify.js'

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

  it('knows node-postgres reports a dropped socket without a code', () => {
    expect(classifyError(new Error('Connection terminated unexpectedly'))).toBe('connection')
    expect(classifyError(new ConnectionLost(true, new Error('gone')))).toBe('connection')
    expect(classifyError(new TypeError('bug'))).toBe('other')
  })
})
