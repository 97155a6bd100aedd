import { describe, expect, it } from 'vitest'
import { createRng } from '../../src/runner/rng.js'
import { Conflict } from '../../src/scenario/strategy-signals.js'
import { withRetry } from '../../src/strategy/retry.js'

describe('createRng', () => {
  it('repeats a sequence for the same seed and stream, and separates streams', () => {
    const draw = (seed: number, stream: number) => {
      const rng = createRng(seed, stream)
      return Array.from({ length: 20 }, () => rng.int(1_000))
    }
    expect(draw(42, 0)).toEqual(draw(42, 0))
    expect(draw(42, 0)).not.toEqual(draw(42, 1))
    expect(draw(42, 0)).not.toEqual(draw(43, 0))
  })

  it('draws whole numbers in range, covering all of it', () => {
    const rng = createRng(1)
    const seen = new Set(Array.from({ length: 2_000 }, () => rng.int(5)))
    expect([...seen].sort()).toEqual([0, 1, 2, 3, 4])
  })
})

describe('withRetry', () => {
  const policy = (retries: unknown[]) => ({ maxRetries: 3, baseMs: 0, capMs: 0, rng: createRng(1), onRetry: (e: unknown) => retries.push(e) })

  it('retries conflicts and serialization failures until one attempt succeeds', async () => {
    const retries: unknown[] = []
    const failures = [new Conflict('version moved'), Object.assign(new Error('could not serialize'), { code: '40001' })]
    const result = await withRetry(async () => {
      const failure = failures.shift()
      if (failure) throw failure
      return 'ok'
    }, policy(retries))
    expect(result).toBe('ok')
    expect(retries).toHaveLength(2)
  })

  it('gives up after maxRetries and rethrows the last error', async () => {
    const retries: unknown[] = []
    let attempts = 0
    const attempt = withRetry(async () => {
      attempts++
      throw new Conflict(`attempt ${attempts}`)
    }, policy(retries))
    await expect(attempt).rejects.toThrow('attempt 4')
    expect(retries).toHaveLength(3)
  })

  it('does not retry what a retry cannot fix', async () => {
    const retries: unknown[] = []
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' })
    await expect(withRetry(async () => Promise.reject(unique), policy(retries))).rejects.toBe(unique)
    expect(retries).toHaveLength(0)
  })
})
