import { messageOf, ScenarioCodeError } from '../errors.js'
import type { TracedOperation } from '../history/trace.js'
import { blockersOfEach } from '../schedule/lock-waits.js'
import { classifyError } from '../engines/classify.js'
import type { QueryResult, Session } from '../engines/session.js'
import type { SpecStatement, StepContext, StepResult } from './define-spec.js'
import { SpecHistory } from './spec-history.js'
import { describeStep } from './step-sql.js'

/** One line of a permutation's story, in the order things happened. */
export type SpecEvent =
  /** A step ran and was answered at once (rows or an error). */
  | { readonly type: 'step'; readonly step: string; readonly session: string; readonly sql: string; readonly result: StepResult }
  /** A step was sent and is waiting for a lock held by `waitingFor`. */
  | { readonly type: 'waiting'; readonly step: string; readonly session: string; readonly sql: string; readonly waitingFor: readonly string[] }
  /** A step that had waited was answered, right after step `after` (its blocker moved). */
  | { readonly type: 'unblocked'; readonly step: string; readonly session: string; readonly after: string | undefined; readonly result: StepResult }

/** A session of the permutation: its name, connection and the server's id for it. */
export interface DrivenSession {
  readonly name: string
  readonly db: Session
  readonly serverId: number
}

export interface DriveOptions {
  readonly sessions: readonly DrivenSession[]
  /** A connection of its own that looks at the lock views while the others wait. */
  readonly probe: Session
  /** Step name → its session name. */
  readonly sessionOf: ReadonlyMap<string, string>
  /** Step name → what it sends, from the results so far. */
  statementOf(step: string, ctx: StepContext): SpecStatement
  readonly context: Omit<StepContext, 'results'>
  /** --timeout: no wait of ours lasts longer (the server's lock and statement timeouts are the same). */
  readonly timeoutMs: number
  /** What the sessions' operations are on, in their history (the spec's name). */
  readonly key?: string
}

export interface DrivenPermutation {
  readonly events: readonly SpecEvent[]
  readonly results: Readonly<Record<string, StepResult>>
  /** Each session's steps as a history's operation (session i is worker i), for the swimlane. */
  readonly operations: readonly TracedOperation[]
  /** Why the permutation could not go on (every remaining step's session waiting, with no way out). */
  readonly stuck?: string
}

/** How long a step gets to answer before the lock views are asked whether it waits (saves a look per step). */
const GRACE_MS = 20

interface Pending {
  readonly step: string
  readonly session: DrivenSession
  readonly sql: string
  /** Settles with the result; never rejects. */
  readonly answer: Promise<StepResult>
  result?: StepResult
  /** Server ids it waits for, once the lock views said so; undefined while not known. */
  blockers?: number[]
  readonly waitedFor: string[]
}

/**
 * Runs one permutation step by step, as PostgreSQL's isolation tester does. Steps go in the given
 * order, one at a time; after each, every step in flight is either answered or seen waiting on a
 * lock (asked of the engine, never guessed from time), so the same permutation tells the same story
 * on every run. A step whose session is still waiting runs as soon as that session is free; the
 * others go on meanwhile. A lock cycle is left to the server to break (a deadlock error); steps that
 * can never run (their sessions wait for one with no steps left) end the permutation with `stuck`.
 */
export async function drivePermutation(order: readonly string[], options: DriveOptions): Promise<DrivenPermutation> {
  const { sessions, sessionOf, timeoutMs } = options
  const byName = new Map(sessions.map((session) => [session.name, session]))
  const nameOfId = new Map(sessions.map((session) => [session.serverId, session.name]))
  const events: SpecEvent[] = []
  const results: Record<string, StepResult> = {}
  const pending = new Map<string, Pending>() // by session name
  const remaining = [...order]
  let lastStep: string | undefined
  const names = (ids: readonly number[]) => ids.map((id) => nameOfId.get(id) ?? `connection ${id}`)
  const history = new SpecHistory(sessions.map((session) => session.name), order, sessionOf, options.key ?? 'the spec')
  const ended = (stuck?: string): DrivenPermutation => ({ events, results, operations: history.operations(), ...(stuck ? { stuck } : {}) })

  const harvest = (): boolean => {
    let moved = false
    // The step just sent first: when it freed a waiting one, it was answered first.
    const answered = [...pending].sort(([, x], [, y]) => Number(y.step === lastStep) - Number(x.step === lastStep))
    for (const [name, p] of answered) {
      if (!p.result) continue
      pending.delete(name)
      moved = true
      const result = { ...p.result, waitedFor: [...p.waitedFor] }
      results[p.step] = result
      events.push(p.blockers === undefined && p.waitedFor.length === 0
        ? { type: 'step', step: p.step, session: name, sql: p.sql, result }
        : { type: 'unblocked', step: p.step, session: name, after: lastStep, result })
      // Whoever waited for this session may be free now: look again.
      for (const other of pending.values()) if (other.blockers?.includes(p.session.serverId)) delete other.blockers
    }
    return moved
  }

  /** Until every step in flight is answered or seen waiting, and no lock cycle is left unbroken. */
  const settle = async (): Promise<string | undefined> => {
    const deadline = performance.now() + timeoutMs + 2_000
    for (;;) {
      harvest()
      const unknown = [...pending.values()].filter((p) => p.blockers === undefined)
      if (unknown.length === 0) {
        const cycle = cycleAmong([...pending.values()])
        if (!cycle) return undefined
        // The server breaks a lock cycle by failing one of its statements (PostgreSQL after deadlock_timeout).
        if (!(await anyAnswered([...pending.values()], deadline - performance.now()))) return `the lock cycle ${cycle} was not broken within the timeout`
        continue
      }
      if (await anyAnswered(unknown, GRACE_MS)) continue
      const waits = await blockersOfEach(options.probe, unknown.map((p) => p.session.serverId))
      for (const p of unknown) {
        if (p.result) continue // answered meanwhile: harvested next round
        const blockers = waits.get(p.session.serverId) ?? []
        if (blockers.length === 0) continue // running, or just let go: asked again
        p.blockers = blockers
        for (const who of names(blockers)) if (!p.waitedFor.includes(who)) p.waitedFor.push(who)
        const shown = events.some((event) => event.type === 'waiting' && event.step === p.step)
        if (!shown) events.push({ type: 'waiting', step: p.step, session: p.session.name, sql: p.sql, waitingFor: names(blockers) })
      }
      if (performance.now() > deadline) return `${unknown.map((p) => p.step).join(', ')} neither finished nor waited on a lock within the timeout`
    }
  }

  const cycleAmong = (waiting: Pending[]): string | undefined => {
    const waitsOn = new Map(waiting.map((p) => [p.session.name, names(p.blockers ?? [])]))
    for (const start of waitsOn.keys()) {
      const path = [start]
      let at = start
      while (waitsOn.has(at)) {
        at = waitsOn.get(at)!.find((next) => waitsOn.has(next)) ?? ''
        if (at === start) return [...path, start].join(' → ')
        if (!at || path.includes(at)) break
        path.push(at)
      }
    }
    return undefined
  }

  while (remaining.length > 0 || pending.size > 0) {
    const index = remaining.findIndex((step) => !pending.has(sessionOf.get(step)!))
    if (index < 0) {
      // Every session with steps left is waiting. Only a lock held outside the spec can still move (its timeout).
      const external = [...pending.values()].some((p) => names(p.blockers ?? []).some((who) => !byName.has(who)))
      if (external && (await anyAnswered([...pending.values()], timeoutMs + 2_000))) {
        const stuck = await settle()
        if (stuck) return ended(stuck)
        continue
      }
      return ended(describeStuck([...pending.values()], remaining, names, sessionOf))
    }
    const [step] = remaining.splice(index, 1) as [string]
    const session = byName.get(sessionOf.get(step)!)!
    let statement: SpecStatement
    try {
      statement = options.statementOf(step, { ...options.context, results: { ...results } })
    } catch (error) {
      // Settle what is in flight first: the caller closes the sessions, which must not race a step.
      await anyAnswered([...pending.values()], 0)
      throw new ScenarioCodeError(`step ${step} could not be built: ${messageOf(error)}`, { cause: error })
    }
    const answer = send(session, step, statement, history)
    const p: Pending = { step, session, sql: describeStep(statement), waitedFor: [], answer }
    // Registered before anyone waits on `answer`, so `result` is set by the time they are woken.
    void answer.then((result) => (p.result = result))
    pending.set(session.name, p)
    lastStep = step
    const stuck = await settle()
    if (stuck) return ended(stuck)
  }
  return ended()
}

/** Sends one step, recorded in the permutation's history; its answer, error or not, as a StepResult. */
async function send(session: DrivenSession, step: string, statement: SpecStatement, history: SpecHistory): Promise<StepResult> {
  const base = { step, session: session.name, waitedFor: [] }
  const sentAt = history.sending(session.name, statement)
  let answer: QueryResult<Record<string, unknown>>
  try {
    answer = await session.db.query(statement.sql, statement.params)
  } catch (error) {
    history.answered(session.name, sentAt, statement, undefined, error)
    const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown }
    const shownCode = typeof errno === 'number' && errno > 0 ? String(errno) : typeof code === 'string' ? code : ''
    return { ...base, rows: [], rowCount: 0, error: { class: classifyError(error), code: shownCode, message: messageOf(error).split('\n')[0] ?? '' } }
  }
  history.answered(session.name, sentAt, statement, answer)
  return { ...base, rows: answer.rows, rowCount: answer.rowCount }
}

/** Resolves true as soon as one of `steps` is answered, false after `ms`. */
async function anyAnswered(steps: readonly Pending[], ms: number): Promise<boolean> {
  if (steps.some((p) => p.result)) return true
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))))
  try {
    return await Promise.race([...steps.map((p) => p.answer.then(() => true as const)), late])
  } finally {
    clearTimeout(timer)
  }
}

function describeStuck(waiting: Pending[], remaining: readonly string[], names: (ids: readonly number[]) => string[], sessionOf: ReadonlyMap<string, string>): string {
  const waits = waiting.map((p) => `${p.step} waits for ${names(p.blockers ?? []).join(' and ') || 'a lock'}`).join(', ')
  const queued = remaining.length > 0 ? `; ${remaining.join(' ')} cannot run before ${[...new Set(remaining.map((step) => sessionOf.get(step)))].join(' and ')} ${remaining.length === 1 ? 'is' : 'are'} free` : ''
  return `no step can run: ${waits}, and no remaining step can release it${queued}`
}
