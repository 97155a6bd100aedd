import { describe, expect, it } from 'vitest'
import { DEFAULTS, describeWork, LIMITS, resolveConfig, type RunFlags } from '../../src/config.js'
import { formatDuration, parseDuration } from '../../src/duration.js'
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
    expect(message).toContain(`--workers must be a whole number from 1 to ${LIMITS.workers}`)
    expect(message).toContain("--think must be a time from 0 to 1h, like 500ms, 10s or 2m (a bare number is ms), got 'soon'")
    expect(message).toContain('--isolation \'snapshot\' is not one of: read-committed, repeatable-read, serializable')
    expect(message).toContain('--max-retries')
    expect((error as UsageError).exitCode).toBe(2)
  })

  it('refuses iterations and duration together, and a zero timeout', () => {
    expect(() => resolveConfig({ iterations: 5, duration: '1s' })).toThrow(/exclude each other/)
    expect(() => resolveConfig({ timeout: '0' })).toThrow(/--timeout must be a time from 1ms to 1h/)
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

/** The one-line message resolveConfig throws for these flags. */
function problemWith(flags: RunFlags): string {
  try {
    resolveConfig(flags)
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError)
    return (error as UsageError).message
  }
  throw new Error(`accepted ${JSON.stringify(flags)}`)
}

describe('time options: every one has a range, and says it', () => {
  // Past these, Node's timers overflow (a 1 ms pause, a 1 ms connect timeout) or a run never ends.
  it.each([
    [{ duration: '999999999h' }, "--duration must be a time from 1ms to 24h, like 500ms, 10s or 2m (a bare number is s), got '999999999h'"],
    [{ think: '999999999h' }, "--think must be a time from 0 to 1h, like 500ms, 10s or 2m (a bare number is ms), got '999999999h'"],
    [{ timeout: '999999h' }, "--timeout must be a time from 1ms to 1h, like 500ms, 10s or 2m (a bare number is s), got '999999h'"],
    [{ lockTtl: '999999999h' }, "--lock-ttl must be a time from 1ms to 24h, like 500ms, 10s or 2m (a bare number is ms), got '999999999h'"],
    [{ duration: '0' }, '--duration must be a time from 1ms to 24h'],
    [{ timeout: '0.4ms' }, '--timeout must be a time from 1ms to 1h'],
    [{ lockTtl: 0 }, '--lock-ttl must be a time from 1ms to 24h'],
    [{ timeout: '3600001ms' }, '--timeout must be a time from 1ms to 1h'],
    [{ duration: '24.01h' }, '--duration must be a time from 1ms to 24h'],
    [{ think: '-1' }, '--think must be a time from 0 to 1h'],
    [{ think: '' }, '--think must be a time from 0 to 1h'],
    [{ think: Number.POSITIVE_INFINITY }, '--think must be a time from 0 to 1h'],
  ] as const)('refuses %j', (flags, message) => {
    expect(problemWith(flags)).toContain(message)
  })

  it('takes each bound itself', () => {
    expect(resolveConfig({ think: '0', timeout: '1h', lockTtl: '24h' })).toMatchObject({ thinkMs: 0, timeoutMs: 3_600_000, lockTtlMs: 86_400_000 })
    expect(resolveConfig({ think: '1h', timeout: '1ms', lockTtl: '1ms', duration: '24h' })).toMatchObject({ thinkMs: 3_600_000, timeoutMs: 1, lockTtlMs: 1, stop: { durationMs: 86_400_000 } })
    expect(resolveConfig({ duration: '1ms' }).stop).toEqual({ durationMs: 1 })
  })

  it('names every bad time at once', () => {
    const message = problemWith({ think: '2h', timeout: '2h', lockTtl: '2d' })
    expect(message.split('; ').map((problem) => problem.split(' ')[0])).toEqual(['--think', '--timeout', '--lock-ttl'])
  })
})

describe('whole-number options', () => {
  it.each([
    [{ iterations: '1e3' }, `--iterations must be a whole number from 1 to ${LIMITS.iterations}, got '1e3'`],
    [{ workers: '0x10' }, `--workers must be a whole number from 1 to ${LIMITS.workers}, got '0x10'`],
    [{ iterations: '-5' }, "--iterations must be a whole number from 1 to 10000000, got '-5'"],
    [{ workers: '' }, "--workers must be a whole number from 1 to"],
    [{ workers: ' ' }, "--workers must be a whole number from 1 to"],
    [{ maxRetries: '1.5' }, "--max-retries must be a whole number from 0 to 1000, got '1.5'"],
    [{ seed: '' }, "--seed must be a whole number from 0 to 2147483647, got ''"],
    [{ seed: '-1' }, "--seed must be a whole number from 0 to 2147483647, got '-1'"],
    [{ seed: '2147483648' }, "--seed must be a whole number from 0 to 2147483647, got '2147483648'"],
    [{ seed: '99999999999999999999' }, "--seed must be a whole number from 0 to 2147483647"],
    [{ iterations: Number.NaN }, '--iterations must be a whole number'],
  ] as const)('refuses %j', (flags, message) => {
    expect(problemWith(flags)).toContain(message)
  })

  it('takes the bounds and surrounding spaces', () => {
    expect(resolveConfig({ seed: '0', maxRetries: '0', iterations: ' 7 ' })).toMatchObject({ seed: 0, maxRetries: 0, stop: { iterations: 7 } })
    expect(resolveConfig({ seed: String(LIMITS.seed) }).seed).toBe(2 ** 31 - 1)
  })
})

describe('describeWork and formatDuration', () => {
  it('counts in words', () => {
    expect(describeWork(1, { iterations: 1 })).toBe('1 worker × 1 iteration')
    expect(describeWork(8, { iterations: 50 })).toBe('8 workers × 50 iterations')
    expect(describeWork(8, { durationMs: 20_000 })).toBe('8 workers for 20s')
  })

  it('shows hours as hours', () => {
    expect([250, 1_500, 120_000, 3_600_000, 86_400_000].map(formatDuration)).toEqual(['250ms', '1.5s', '2m', '1h', '24h'])
  })
})
