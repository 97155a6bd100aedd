import { describe, expect, it } from 'vitest'
import { whyNothingWasTested } from '../../src/check/nothing-tested.js'
import { ExitCode, InterruptedError, ScenarioCodeError } from '../../src/errors.js'
import { exitCodeOfComparison, exitCodeOfRun } from '../../src/run-exit-code.js'
import { stallBoundMs, Watchdog } from '../../src/runner/watchdog.js'
import { callScenarioCode, isCodeBug, scenarioThrew, shown } from '../../src/scenario/code-fault.js'

const counts = (partial: Partial<Record<'ok' | 'rejected' | 'conflict' | 'error' | 'unknown', number>>) => ({ ok: 0, rejected: 0, conflict: 0, error: 0, unknown: 0, ...partial })

describe('a run that tested nothing', () => {
  it('is one in which every operation ended in error, or none completed; any other outcome counts', () => {
    expect(whyNothingWasTested(counts({ error: 6 }))).toBe('every operation ended in error')
    expect(whyNothingWasTested(counts({}))).toBe('no operation completed')
    expect(whyNothingWasTested(counts({ error: 5, rejected: 1 }))).toBeUndefined()
    expect(whyNothingWasTested(counts({ error: 5, conflict: 1 }))).toBeUndefined()
    expect(whyNothingWasTested(counts({ error: 5, unknown: 1 }))).toBeUndefined()
  })

  it('exits 7 unless --allow-errors; a violation still exits 1', () => {
    expect(exitCodeOfRun({ violations: 0, nothingTested: true }, {})).toBe(ExitCode.NothingSucceeded)
    expect(exitCodeOfRun({ violations: 0, nothingTested: true }, { allowErrors: true })).toBe(ExitCode.Ok)
    expect(exitCodeOfRun({ violations: 1, nothingTested: true }, {})).toBe(ExitCode.Violation)
    expect(exitCodeOfRun({ violations: 0, nothingTested: false }, {})).toBe(ExitCode.Ok)
    const strategy = (nothingTested: boolean) => ({ result: { nothingTested } }) as never
    expect(exitCodeOfComparison({ allAsDeclared: true, strategies: [strategy(false), strategy(true)] }, {})).toBe(ExitCode.NothingSucceeded)
    expect(exitCodeOfComparison({ allAsDeclared: true, strategies: [strategy(false), strategy(true)] }, { allowErrors: true })).toBe(ExitCode.Ok)
    expect(exitCodeOfComparison({ allAsDeclared: false, strategies: [strategy(true)] }, {})).toBe(ExitCode.Violation)
  })
})

describe('the bound on scenario code', () => {
  it('is twice the longest step (a statement, --timeout; rounded up to seconds on MySQL; or a --think pause) plus a second', () => {
    expect(stallBoundMs({ timeoutMs: 5_000, thinkMs: 10 }, 'postgres')).toBe(11_000)
    expect(stallBoundMs({ timeoutMs: 100, thinkMs: 0 }, 'postgres')).toBe(1_200)
    expect(stallBoundMs({ timeoutMs: 100, thinkMs: 0 }, 'mysql')).toBe(3_000)
    expect(stallBoundMs({ timeoutMs: 100, thinkMs: 60_000 }, 'postgres')).toBe(121_000)
  })

  it('abandons a call that never settles, naming it; a call abandoned after a stop rejects with the stop reason', async () => {
    const watchdog = new Watchdog({ stallMs: 100, graceMs: 50, interrupted: () => new InterruptedError('SIGTERM') })
    try {
      const never = new Promise<never>(() => {})
      await expect(watchdog.watch().run("strategy 'x' run() in my.js", () => never)).rejects.toThrow(
        new ScenarioCodeError("strategy 'x' run() in my.js did not settle: it made no progress for 100ms (no statement, pause or retry), so it awaits something that never finishes"),
      )
      expect(watchdog.fault).toBeInstanceOf(ScenarioCodeError)
    } finally {
      watchdog.dispose()
    }
    const controller = new AbortController()
    const interrupted = new Watchdog({ stallMs: 60_000, graceMs: 50, signal: controller.signal, interrupted: () => new InterruptedError('SIGTERM') })
    try {
      const call = interrupted.watch().run('x', () => new Promise<never>(() => {}))
      controller.abort()
      const error = await call.catch((thrown: unknown) => thrown)
      expect(error).toBeInstanceOf(InterruptedError)
      expect((error as InterruptedError).exitCode).toBe(ExitCode.Terminated)
      expect(interrupted.fault).toBeUndefined()
    } finally {
      interrupted.dispose()
    }
  })
})

describe('errors in scenario code', () => {
  it('the engine’s own errors are bugs; database errors and plain Errors are outcomes', () => {
    expect([new TypeError('x'), new ReferenceError('x'), new SyntaxError('x'), new RangeError('x')].every(isCodeBug)).toBe(true)
    expect([new Error('document 3 does not exist'), Object.assign(new Error('deadlock'), { code: '40P01' }), 'oops'].some(isCodeBug)).toBe(false)
  })

  it('say what was thrown, where, in one line', () => {
    const error = scenarioThrew('pickKey() in /x/my.js', new RangeError('no key\nsecond line'))
    expect(error).toBeInstanceOf(ScenarioCodeError)
    expect(error.message).toMatch(/^pickKey\(\) in \/x\/my\.js threw RangeError: no key \(at \/.*scenario-faults\.test\.ts:\d+:\d+\)$/)
    expect(() => callScenarioCode('validate() in my.js', () => JSON.parse('{'))).toThrow(/^validate\(\) in my\.js threw SyntaxError: /)
    expect([shown('done'), shown(undefined), shown({ held: 'yes' }), shown(Promise.resolve())]).toEqual(["'done'", 'undefined', '{"held":"yes"}', 'a promise'])
  })
})
