import { messageOf } from '../errors.js'
import type { Rng } from '../runner/rng.js'
import { describeNemesis, type NemesisKind, type NemesisSpec } from './spec.js'

/**
 * What the run does for each fault, provided by the runner. Each resolves with a short detail for
 * the history (`killed 2 of 8 connections`). A timed fault's action (pauseRedis, pauseWorker) resolves
 * once the fault has begun; the scheduler times its end.
 */
export interface NemesisActions {
  killConnections(share: number): Promise<string>
  pauseRedis(ms: number): Promise<string>
  resetConnections(): Promise<string>
  /** Called with the spec's delay at the start, and with 0 when the nemesis stops. */
  setLatency(ms: number): Promise<string>
  pauseWorker(ms: number): Promise<string>
}

/**
 * One fault, as the history records it. Every repeated fault has a `start` (before its action runs: the
 * detail says what is about to happen) and then either an `end` (the action's detail; for a timed fault,
 * once its time is over) or a `fail` (the action threw: its message). Latency has a `start` once the
 * delay is in place (the action's detail) and an `end` when the nemesis stops, or a single `fail`.
 */
export interface FaultEvent {
  readonly kind: NemesisKind
  /** The spec as written, e.g. `kill-connections:10%/500ms`: tells two specs of one kind apart. */
  readonly spec: string
  readonly phase: 'start' | 'end' | 'fail'
  readonly detail: string
}

/** The timers the scheduler uses; tests pass a fake one so nothing depends on real time. */
export interface NemesisClock {
  setTimeout(callback: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

export interface NemesisOptions {
  /** Seeds each repeated spec's first firing, drawn inside its first interval, in the order of the specs. */
  readonly rng: Rng
  readonly onFault: (event: FaultEvent) => void
  readonly clock?: NemesisClock
}

export interface RunningNemesis {
  /** Resolves once the faults that are on from the start (latency) are in place, or have failed. Never rejects. */
  readonly ready: Promise<void>
  /**
   * Fires nothing more, waits for the faults under way (a pause to its end), then turns latency off.
   * Rejects only if `onFault` itself threw.
   */
  stop(): Promise<void>
}

const SYSTEM_CLOCK: NemesisClock = {
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * Starts the faults of `specs` during the workload: each repeated spec first at a seeded offset inside
 * its first interval, then every interval; latency at once, until stop; crash-saga never (the runner
 * applies it at each checkpoint). A spec whose previous fault is
 * still under way when its time comes skips that turn, so one kind of fault never piles up. A fault
 * that throws is reported as `fail` and the run goes on.
 */
export function startNemesis(specs: readonly NemesisSpec[], actions: NemesisActions, options: NemesisOptions): RunningNemesis {
  const clock = options.clock ?? SYSTEM_CLOCK
  const ticks = new Set<unknown>()
  const running = new Set<Promise<void>>()
  let stopped = false
  let listenerError: unknown

  const emit = (spec: NemesisSpec, phase: FaultEvent['phase'], detail: string) => {
    try {
      options.onFault({ kind: spec.kind, spec: spec.text, phase, detail })
    } catch (error) {
      listenerError ??= error
    }
  }
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, ms))
  /** Runs one fault from start to end; never rejects. */
  const fault = (spec: NemesisSpec, action: () => Promise<string>, lastsMs = 0): Promise<void> => {
    emit(spec, 'start', describeFault(spec))
    const done = (async () => {
      try {
        const detail = await action()
        if (lastsMs > 0) await sleep(lastsMs)
        emit(spec, 'end', detail)
      } catch (error) {
        emit(spec, 'fail', messageOf(error))
      }
    })()
    running.add(done)
    void done.then(() => running.delete(done))
    return done
  }

  const latencies = specs.filter((spec) => spec.kind === 'latency')
  // The last latency spec wins: two delays on one proxy do not add up.
  const latency = latencies.at(-1)
  let latencyOn = false
  // Latency has no firing to announce ahead: its start is when the delay is in place, with the action's detail.
  const ready = latency
    ? actions.setLatency(latency.ms).then(
        (detail) => {
          latencyOn = true
          emit(latency, 'start', detail)
        },
        (error: unknown) => emit(latency, 'fail', messageOf(error)),
      )
    : Promise.resolve()

  for (const spec of specs) {
    // Latency is on from the start (above); crash-saga is not fired at all: the runner draws it at each checkpoint.
    if (spec.kind === 'latency' || spec.kind === 'crash-saga') continue
    let busy: Promise<void> | undefined
    const tick = () => {
      if (stopped) return
      if (busy === undefined) {
        busy = fire(spec)
        void busy.then(() => (busy = undefined))
      }
      schedule(spec.everyMs)
    }
    const schedule = (ms: number) => {
      const handle = clock.setTimeout(() => {
        ticks.delete(handle)
        tick()
      }, ms)
      ticks.add(handle)
    }
    schedule(options.rng.int(spec.everyMs))
  }

  function fire(spec: Exclude<NemesisSpec, { kind: 'latency' | 'crash-saga' }>): Promise<void> {
    switch (spec.kind) {
      case 'kill-connections':
        return fault(spec, () => actions.killConnections(spec.share))
      case 'reset':
        return fault(spec, () => actions.resetConnections())
      case 'pause-redis':
        return fault(spec, () => actions.pauseRedis(spec.ms), spec.ms)
      case 'pause-worker':
        return fault(spec, () => actions.pauseWorker(spec.ms), spec.ms)
    }
  }

  return {
    ready,
    async stop() {
      stopped = true
      for (const handle of ticks) clock.clearTimeout(handle)
      ticks.clear()
      await ready
      while (running.size > 0) await Promise.all([...running])
      if (latency && latencyOn) {
        try {
          emit(latency, 'end', await actions.setLatency(0))
        } catch (error) {
          emit(latency, 'fail', `turning latency off: ${messageOf(error)}`)
        }
      }
      if (listenerError !== undefined) throw listenerError
    },
  }
}

/** What one firing is about to do, for its `start` event: `kill 10% of connections`. */
function describeFault(spec: NemesisSpec): string {
  // The spec's description without its interval: the event is one firing, not the schedule.
  return describeNemesis(spec).replace(/ every [^ ]+$/, '')
}
