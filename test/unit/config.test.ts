import { describe, expect, it } from 'vitest'
import { DEFAULTS, resolveConfig } from '../../src/config.js'
import { parseDuration } from '../../src/duration.js'
import { UsageError } from '../../src/errors.js'

describe('resolveConfig', () => {
  it('fills in the documented defaults', () => {
    const config = resolveConfig({})
    expect(config).toMatchObject({ db: undefined, workers: 8, stop: { iterations: 50 }, thinkMs: DEFAULTS.thinkMs, timeoutMs: 5_000, maxRetries: 10, keep: false })
    expect(config.isolation).toBeUndefined()
    expect(Number.isInteger(config.seed)).toBe(true)
    expect(Object.isFrozen(config)).toBe(true)
  })

  it('parses strings as the CLI hands them over', () => {
    const config = resolveConfig({ workers: '16', duration: '1.5s', think: '0', timeout: '250ms', seed: '42', isolation: 'SERIALIZABLE' })
    expect(config).toMatchObject({ workers: 16, stop: { durationMs: 1_500 }, thinkMs: 0, timeoutMs: 250, seed: 42, isolation: 'serializable' })
  })

  it('reports every problem at once, on one line', () => {
    let error: unknown
    try {
      resolveConfig({ workers: '0', think: 'soon', isolation: 'snapshot', maxRetries: '-1' })
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(UsageError)
    const message = (error as UsageError).message
    expect(message).not.toContain('\n')
    expect(message).toContain('--workers must be a whole number from 1 to 512')
    expect(message).toContain("--think must be a time like 10, 10ms or 0.5s, got 'soon'")
    expect(message).toContain('--isolation \'snapshot\' is not one of: read-committed, repeatable-read, serializable')
    expect(message).toContain('--max-retries')
    expect((error as UsageError).exitCode).toBe(2)
  })

  it('refuses iterations and duration together, and a zero timeout', () => {
    expect(() => resolveConfig({ iterations: 5, duration: '1s' })).toThrow(/exclude each other/)
    expect(() => resolveConfig({ timeout: '0' })).toThrow(/--timeout must be more than 0/)
    expect(() => resolveConfig({ workers: '2.5' })).toThrow(/--workers must be a whole number/)
  })
})

describe('parseDuration', () => {
  it.each([
    ['500ms', 's', 500],
    ['10s', 's', 10_000],
    ['2m', 's', 120_000],
    ['10', 's', 10_000],
    ['10', 'ms', 10],
    ['0.5s', 'ms', 500],
  ] as const)('%s (bare unit %s) is %d ms', (text, unit, ms) => {
    expect(parseDuration(text, unit)).toBe(ms)
  })

  it.each(['', '-1s', 'ten', '1 week', '5x'])('refuses %j', (text) => {
    expect(parseDuration(text, 's')).toBeUndefined()
  })
})
