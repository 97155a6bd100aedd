import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runScenario } from '../../src/index.js'
import type { HistoryEvent, StepEvent } from '../../src/history/event.js'
import { probeRedis, REDIS_URL, sqlTargets } from '../support/services.js'

const TARGETS = (await sqlTargets()).filter((db) => db.probe.available)
const redis = await probeRedis()
const folder = mkdtempSync(join(tmpdir(), 'racebench-history-'))
afterAll(() => rmSync(folder, { recursive: true, force: true }))

/** The events of a history file, header and footer left out. */
function eventsOf(file: string): HistoryEvent[] {
  const lines = readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { type: string })
  return lines.filter((line) => line.type !== 'run' && line.type !== 'end') as HistoryEvent[]
}

const steps = (events: readonly HistoryEvent[]) => events.filter((event): event is StepEvent => event.type === 'step')

describe('the operation history', () => {
  for (const db of TARGETS) {
    const oneSlot = { scenario: 'double-booking', db: db.url, params: { rooms: 1, nights: 1 } }

    it(`${db.name}: the timeline of none shows two workers reading the slot free before either booked it`, async () => {
      const result = await runScenario({ ...oneSlot, strategy: 'none', workers: 4, iterations: 2 })
      expect(result.violations).toBeGreaterThan(0)
      const [trace] = result.traces
      expect(trace).toMatchObject({ invariant: 'no double booking', key: 'room 1 night 1' })
      const acknowledged = trace?.operations.filter((op) => op.outcome === 'ok') ?? []
      expect(new Set(acknowledged.map((op) => op.worker)).size).toBeGreaterThanOrEqual(2)
      const [a, b] = acknowledged
      const checkOf = (op: typeof a) => steps(op?.events ?? []).find((step) => step.sql?.startsWith('SELECT'))
      const bookOf = (op: typeof a) => steps(op?.events ?? []).find((step) => step.sql?.startsWith('INSERT'))
      // Both checks read the slot free, and both ran before either booking: the check-then-act split.
      expect([checkOf(a)?.rows, checkOf(b)?.rows]).toEqual([0, 0])
      expect(Math.max(checkOf(a)?.t ?? Infinity, checkOf(b)?.t ?? Infinity)).toBeLessThan(Math.min(bookOf(a)?.t ?? -1, bookOf(b)?.t ?? -1))
      expect(a?.events.some((event) => event.type === 'think')).toBe(true)
      expect(bookOf(a)).toMatchObject({ rows: 1, params: ['1', '1', expect.stringMatching(/^guest-/)] })
    })

    it(`${db.name}: a duplicate key is a step with its class and code, and the operation's conflict carries them`, async () => {
      const file = join(folder, `unique-${db.name}.jsonl`)
      const result = await runScenario({ ...oneSlot, strategy: 'unique', workers: 4, iterations: 3, think: '20ms', history: file })
      expect(result.traces).toEqual([])
      const events = eventsOf(file)
      const code = db.name === 'postgres' ? '23505' : '1062'
      // Four workers released at once all read the slot free: three inserts meet the unique index.
      expect(result.outcomes.conflict).toBeGreaterThan(0)
      expect(steps(events).find((step) => step.error)).toMatchObject({ errorClass: 'unique', code })
      expect(events.find((event) => event.type === 'conflict')).toMatchObject({ errorClass: 'unique', code })
      // Every operation is one invoke and one completion; every statement has a time and a duration.
      expect(events.filter((event) => event.type === 'invoke')).toHaveLength(12)
      expect(events.filter((event) => ['ok', 'rejected', 'conflict', 'error', 'unknown'].includes(event.type))).toHaveLength(12)
      for (const step of steps(events)) expect(step).toMatchObject({ t: expect.any(Number), ms: expect.any(Number), worker: expect.any(Number) })
    })

    it.skipIf(!redis.available)(`${db.name}: a Redis lock's commands are steps, and its waits are lock events`, async () => {
      const file = join(folder, `redis-${db.name}.jsonl`)
      await runScenario({ ...oneSlot, strategy: 'redis-lock', redis: REDIS_URL, workers: 3, iterations: 2, history: file })
      const events = eventsOf(file)
      const redisSteps = steps(events).filter((step) => step.redis !== undefined)
      expect(redisSteps.some((step) => /^SET lock:slot:0 \S+ PX \d+ NX$/.test(step.redis ?? '') && step.first === 'OK')).toBe(true)
      expect(redisSteps.some((step) => step.redis?.startsWith('EVAL '))).toBe(true)
      const phases = events.filter((event) => event.type === 'lock').map((event) => (event as { phase: string }).phase)
      expect(phases).toContain('acquired')
      expect(phases).toContain('released')
      // The run's namespace is left out of the text: every key has it.
      expect(redisSteps.every((step) => !step.redis?.includes('racebench_'))).toBe(true)
    })
  }
})
