import type { InvariantResult } from '../check/check-invariants.js'
import type { CompletionEvent, HistoryEvent, HistorySink, NemesisEvent, OperationEvent } from './event.js'
import { isCompletion } from './event.js'
import { keyMatches } from './keys.js'
import { acknowledged } from './outcome.js'
import { pickRace } from './pick-race.js'
import type { Trace, TracedOperation } from './trace.js'

/** Faults kept for timelines: a nemesis fires a few times a second, so this spans minutes. */
const MAX_FAULTS = 1_000

export interface KeyRingOptions {
  /** The most recent operations kept per key. */
  readonly recent?: number
  /** The first acknowledged (`ok` or `unknown`) operations kept per key, however many follow. */
  readonly firstAcknowledged?: number
  /** Operations kept in all; keys first seen past it keep none. */
  readonly maxOperations?: number
  /** Events kept per operation (a long retry loop keeps its beginning). */
  readonly maxEventsPerOperation?: number
}

/** Whole-number keys below this have their fate in a typed array (KeyRings#indexed). */
const INDEXED_KEYS = 65_536

// What a whole-number key's next operations come to, once that can no longer change (0: anything may
// happen, look the key up). The cap is never lowered, so neither fate is ever undone.
/** No ring, and the cap reached: its operations are only counted as dropped. */
const DROPPED = 1
/** First seen after the cap was reached: not tracked at all. */
const UNTRACKED = 2

/** A whole-number key's index in the typed arrays, or -1. */
function indexOf(key: unknown): number {
  return typeof key === 'number' && key >= 0 && key < INDEXED_KEYS && (key | 0) === key ? key : -1
}

/**
 * A worker's operation in progress. One per worker, reused from one operation to the next: the hot
 * path allocates nothing here, and an operation that is not kept leaves nothing behind.
 */
interface OpenOperation {
  /** Between an invoke and its completion. */
  active: boolean
  iteration: number
  key: string
  keyValue: unknown
  /** What the rings file it under: the key itself when it is a number or a string (a Map finds those without hashing a new string), else its shown form. */
  mapKey: unknown
  start: number
  /** Its events so far are the first `count`; the slots past it are empty. */
  readonly events: (OperationEvent | undefined)[]
  count: number
  truncated: boolean
}

/**
 * A kept operation: copies of its events, made here, never the event objects themselves. The first
 * operations of a run are nearly all kept, and V8 learns from what survives to allocate every later
 * object at the same code sites straight in the old generation (allocation-site pretenuring): had the
 * rings kept the events the runner made, every later event would be pretenured, and most die at once
 * (3–4× the cost per operation). Copies are made at sites of their own, where everything does live
 * long. Copies, not JSON: while the rings fill (nearly every operation kept), JSON.stringify cost
 * 0.7 µs more per operation than these copies (bench/history-sinks.mjs); the copies hold about a quarter
 * more memory at the cap (15.1 against 12.2 MiB for 300,000 operations on 10,000 keys), well inside the
 * peak RSS target (bench/README.md, "History cost").
 */
type Kept = TracedOperation

/** A key's kept operations, in arrays made at their full size when first needed (a pushed array reserves 17 slots). */
interface KeyState {
  readonly keyValue: unknown
  /** The first acknowledged operations: `firstCount` of them. */
  firsts: Kept[] | undefined
  firstCount: number
  /** The most recent others, a ring once `recentCount` reached its size. */
  recent: Kept[] | undefined
  recentCount: number
  /** Where the next operation goes in `recent`, once it is full. */
  next: number
  dropped: number
}

/**
 * What the run remembers for timelines: per key, its first few acknowledged operations (where races
 * that break a key usually are: two guests booking one free slot) and a ring of the most recent ones,
 * each with its steps; a cap on the total keeps memory bounded however long the run. Everything else
 * is counted as dropped, and timelines say so.
 */
export class KeyRings implements HistorySink {
  readonly #recent: number
  readonly #firsts: number
  readonly #maxOperations: number
  readonly #maxEvents: number
  /** By worker number. */
  readonly #open: (OpenOperation | undefined)[] = []
  readonly #keys = new Map<unknown, KeyState>()
  #kept = 0
  /** The nemesis's faults, the latest MAX_FAULTS of them: a timeline shows those that hit during its race. */
  readonly #faults: NemesisEvent[] = []
  /**
   * What becomes of a whole-number key's operations from now on, by key (DROPPED, UNTRACKED), and the
   * operations dropped on the keys that can keep no more: once the cap is reached, most operations of a
   * run on many keys go nowhere, and these say so from 320 KB of arrays a run's caches hold, without a
   * Map lookup and a KeyState read at a random key each (about 1 µs an operation on the benchmark's
   * 10,000 keys, bench/README.md). Made the first time a whole-number key is filed.
   */
  #indexed: { readonly fates: Uint8Array; readonly dropped: Uint32Array } | undefined

  constructor(options: KeyRingOptions = {}) {
    this.#recent = options.recent ?? 8
    this.#firsts = options.firstAcknowledged ?? 4
    this.#maxOperations = options.maxOperations ?? 20_000
    this.#maxEvents = options.maxEventsPerOperation ?? 64
  }

  /** Not for an operation on a whole-number key that can keep nothing more: it is only counted. */
  wantsSteps(key: unknown): boolean {
    const index = indexOf(key)
    return index < 0 || this.#indexed === undefined || this.#indexed.fates[index] === 0
  }

  append(event: HistoryEvent): void {
    if (event.type === 'nemesis') return this.#fault(event)
    const worker = event.worker
    if (worker === undefined) return
    if (event.type === 'invoke') {
      let open = this.#open[worker]
      if (!open) this.#open[worker] = open = { active: false, iteration: 0, key: '', keyValue: undefined, mapKey: undefined, start: 0, events: [], count: 0, truncated: false }
      release(open)
      open.active = true
      open.iteration = event.iteration
      open.key = event.key
      open.keyValue = event.keyValue
      const value = event.keyValue
      open.mapKey = typeof value === 'number' || typeof value === 'string' ? value : event.key
      open.start = event.t
      open.truncated = false
      return
    }
    const open = this.#open[worker]
    if (!open || !open.active || open.iteration !== event.iteration) return
    if (isCompletion(event)) {
      open.active = false
      this.#file(open, event)
      release(open)
    } else if (open.count < this.#maxEvents) {
      open.events[open.count++] = event
    } else {
      open.truncated = true
    }
  }

  /**
   * The timelines of the violated invariants' broken keys, in order, at most `count`: for each, the
   * kept operations on the keys it matches that raced (see `pickRace`). Keys no kept operation
   * touched (an account a global invariant names) are passed over.
   */
  traces(invariants: readonly InvariantResult[], count: number): Trace[] {
    const traces: Trace[] = []
    const seen = new Set<string>()
    for (const invariant of invariants) {
      if (invariant.held) continue
      for (const broken of invariant.broken) {
        if (traces.length >= count) return traces
        if (seen.has(broken.key)) continue
        seen.add(broken.key)
        const { operations, dropped } = this.#operationsOn(broken.keyValue)
        const race = pickRace(operations)
        if (race.length === 0) continue
        const faults = this.#faultsDuring(race)
        traces.push({ invariant: invariant.name, key: broken.key, detail: broken.detail, operations: race, dropped, ...(faults.length > 0 ? { faults } : {}) })
      }
    }
    return traces
  }

  #fault(event: NemesisEvent): void {
    if (this.#faults.length >= MAX_FAULTS) this.#faults.shift()
    this.#faults.push(event)
  }

  /** The faults between the first operation's start and the last one's end. */
  #faultsDuring(race: readonly TracedOperation[]): NemesisEvent[] {
    const from = Math.min(...race.map((operation) => operation.start))
    const to = Math.max(...race.map((operation) => operation.end ?? operation.start))
    return this.#faults.filter((fault) => fault.t >= from && fault.t <= to)
  }

  #file(open: OpenOperation, completion: CompletionEvent): void {
    const index = indexOf(open.mapKey)
    const indexed = index >= 0 ? (this.#indexed ??= { fates: new Uint8Array(INDEXED_KEYS), dropped: new Uint32Array(INDEXED_KEYS) }) : undefined
    if (indexed) {
      const fate = indexed.fates[index]
      if (fate === DROPPED) {
        indexed.dropped[index] = (indexed.dropped[index] as number) + 1
        return
      }
      if (fate === UNTRACKED) return
    }
    let state = this.#keys.get(open.mapKey)
    if (!state) {
      if (this.#kept >= this.#maxOperations) {
        // The cap is never lowered: a key not tracked now never will be.
        if (indexed) indexed.fates[index] = UNTRACKED
        return
      }
      this.#keys.set(open.mapKey, (state = { keyValue: open.keyValue, firsts: undefined, firstCount: 0, recent: undefined, recentCount: 0, next: 0, dropped: 0 }))
    }
    // Every kept operation counts against the cap, the first ones too: it is what bounds memory.
    if (acknowledged(completion.type) && state.firstCount < this.#firsts && this.#kept < this.#maxOperations) {
      const firsts = (state.firsts ??= new Array<Kept>(this.#firsts))
      firsts[state.firstCount++] = kept(open, completion)
      this.#kept++
    } else if (state.recentCount < this.#recent && this.#kept < this.#maxOperations) {
      const recent = (state.recent ??= new Array<Kept>(this.#recent))
      recent[state.recentCount++] = kept(open, completion)
      this.#kept++
    } else if (state.recent !== undefined && state.recentCount > 0) {
      state.recent[state.next] = kept(open, completion)
      state.next = (state.next + 1) % state.recentCount
      state.dropped++
    } else {
      // No ring, and the cap reached (else one of the above took it): this key keeps nothing more.
      state.dropped++
      if (indexed) indexed.fates[index] = DROPPED
    }
  }

  #operationsOn(pattern: unknown): { operations: TracedOperation[]; dropped: number } {
    const operations: Kept[] = []
    let dropped = 0
    for (const state of this.#keys.values()) {
      if (!keyMatches(pattern, state.keyValue)) continue
      for (let i = 0; i < state.firstCount; i++) operations.push(state.firsts?.[i] as Kept)
      for (let i = 0; i < state.recentCount; i++) operations.push(state.recent?.[i] as Kept)
      dropped += state.dropped
      const index = indexOf(state.keyValue)
      if (index >= 0 && this.#indexed) dropped += this.#indexed.dropped[index] as number
    }
    // Each kept operation is in one slot of one key, so none comes twice (two equal strings are two operations).
    return { operations: operations.sort((a, b) => a.start - b.start), dropped }
  }
}

/** An operation as the rings keep it: copies of its completion and its events (see Kept). */
function kept(open: OpenOperation, completion: CompletionEvent): Kept {
  const events: OperationEvent[] = new Array(open.count)
  for (let i = 0; i < open.count; i++) events[i] = copyOf(open.events[i] as OperationEvent)
  // Its worker, iteration and key are the completion's (append matched them), but for a history whose
  // invoke and completion name different keys, which keeps the invoke's.
  return traced(open.key, open.start, { ...completion }, events)
}

/** An event copied with its one array (a step's parameters): nothing of the runner's objects stays reachable. */
function copyOf(event: OperationEvent): OperationEvent {
  if (event.type === 'step' && event.params !== undefined) return { ...event, params: [...event.params] }
  return { ...event }
}

function traced(key: string, start: number, completion: CompletionEvent, events: OperationEvent[]): TracedOperation {
  return { worker: completion.worker, iteration: completion.iteration, key, start, end: completion.t, outcome: completion.type, events, completion }
}

/** Empties a worker's slot: nothing of a finished operation stays reachable from it (what is kept is a copy). */
function release(open: OpenOperation): void {
  for (let i = 0; i < open.count; i++) open.events[i] = undefined
  open.count = 0
  open.keyValue = undefined
  open.mapKey = undefined
}
