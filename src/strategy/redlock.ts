import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'
import { UsageError } from '../errors.js'

/**
 * The Redlock algorithm (https://redis.io/docs/latest/develop/use/patterns/distributed-locks/) over N
 * independent Redis masters, hand-written on ioredis. It knows nothing of racebench's run: it takes the
 * nodes' connections, a key and a token, so it can be tested alone.
 */

/** Deletes the lock only if it still holds our token: a client never frees a lock another one holds. */
const COMPARE_AND_DELETE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`

/** The published algorithm's default: 1 % of the TTL for clock drift between the nodes. */
const DEFAULT_DRIFT_FACTOR = 0.01

/** Added to the drift for Redis's 1 ms expiry precision, as in the published algorithm. */
const EXPIRY_PRECISION_MS = 2

export interface RedlockOptions {
  /** How long the key lives on each node unless released (`PX`). */
  readonly ttlMs: number
  /** Clock drift allowed between nodes, as a share of the TTL (default 0.01). */
  readonly driftFactor?: number
  /**
   * How long one node may take to answer before its vote is given up (default: 1 % of the TTL, at
   * least 5 ms). Small against the TTL, so a paused node costs the lock little of its validity.
   */
  readonly nodeTimeoutMs?: number
}

/** One node's answer to `SET NX PX`: `ok` when it granted the lock; `error` says why not, if not a plain "taken". */
export interface RedlockVote {
  /** 0-based index of the node in the list given. */
  readonly node: number
  readonly ok: boolean
  readonly error?: string
}

/** What one acquisition attempt saw: the lock is held only when `acquired`. */
export interface RedlockAcquisition {
  readonly acquired: boolean
  /** Nodes that granted the lock in time. */
  readonly votes: number
  /** floor(N/2) + 1 */
  readonly quorum: number
  /** ttl − elapsed − drift: how long the lock is known to be held from now on (≤ 0: not at all). */
  readonly validityMs: number
  /** From sending the first SET to the last answer or timeout. */
  readonly elapsedMs: number
  readonly perNode: readonly RedlockVote[]
}

/** How `acquireRedlockWithin` retries a refused acquisition. */
export interface RedlockRetry {
  /** Gives up once this long has passed since the first attempt. */
  readonly deadlineMs: number
  /** Waits before the attempt-th retry (racebench's `ctx.backoff`: exponential, full jitter). */
  readonly backoff: (attempt: number) => Promise<void>
}

/** The last attempt of `acquireRedlockWithin`, and how many were made. */
export type RedlockRetried = RedlockAcquisition & { readonly attempts: number }

/**
 * One Redlock acquisition: `SET key token NX PX ttl` on every node at once, each bounded by the
 * per-node timeout; acquired only with a quorum of grants AND a positive validity. When not acquired,
 * the lock is released on every node, those that timed out too: their SET is still on its way and may
 * land later (measured: a SET sent to a SIGSTOPped node is executed when it resumes). The release
 * must use the same connections as the SETs: Redis runs one connection's commands in order, so the
 * compare-and-delete always lands after our late SET.
 */
export async function acquireRedlock(nodes: readonly Redis[], key: string, token: string, options: RedlockOptions): Promise<RedlockAcquisition> {
  const { ttlMs, driftFactor, nodeTimeoutMs } = checkedOptions(nodes, options)
  const quorum = Math.floor(nodes.length / 2) + 1
  const started = performance.now()
  const perNode = await Promise.all(
    nodes.map(async (node, index): Promise<RedlockVote> => {
      const answer = await bounded(() => node.set(key, token, 'PX', ttlMs, 'NX'), nodeTimeoutMs)
      if (answer.kind === 'reply') return answer.value === 'OK' ? { node: index, ok: true } : { node: index, ok: false }
      return { node: index, ok: false, error: answer.kind === 'timeout' ? `no answer within ${nodeTimeoutMs} ms` : answer.message }
    }),
  )
  const elapsedMs = performance.now() - started
  const votes = perNode.filter((vote) => vote.ok).length
  const validityMs = ttlMs - elapsedMs - (ttlMs * driftFactor + EXPIRY_PRECISION_MS)
  const acquired = votes >= quorum && validityMs > 0
  if (!acquired) await releaseRedlock(nodes, key, token, nodeTimeoutMs)
  return { acquired, votes, quorum, validityMs, elapsedMs, perNode }
}

/**
 * Retries `acquireRedlock` with `backoff` until it acquires or `deadlineMs` has passed; returns the
 * last attempt (acquired or not) with the number of attempts. The same token serves every attempt:
 * a late SET of an earlier attempt is then ours, and released with it.
 */
export async function acquireRedlockWithin(
  nodes: readonly Redis[],
  key: string,
  token: string,
  options: RedlockOptions,
  retry: RedlockRetry,
): Promise<RedlockRetried> {
  const deadline = performance.now() + retry.deadlineMs
  for (let attempt = 0; ; attempt++) {
    const acquisition = await acquireRedlock(nodes, key, token, options)
    if (acquisition.acquired || performance.now() >= deadline) return { ...acquisition, attempts: attempt + 1 }
    await retry.backoff(attempt)
  }
}

/**
 * Releases the lock on every node with a compare-and-delete, each bounded by the per-node timeout
 * (default 100 ms). Never throws for a node that is down or paused: the command stays queued on that
 * node's connection and runs when it resumes. Returns how many nodes still held our token (fewer
 * than the quorum: the lock had expired, or was never fully taken).
 */
export async function releaseRedlock(nodes: readonly Redis[], key: string, token: string, nodeTimeoutMs = 100): Promise<number> {
  const answers = await Promise.all(nodes.map((node) => bounded(() => node.eval(COMPARE_AND_DELETE, 1, key, token), nodeTimeoutMs)))
  return answers.filter((answer) => answer.kind === 'reply' && answer.value === 1).length
}

/** The per-node timeout `acquireRedlock` uses for these options. */
export function redlockNodeTimeoutMs(options: RedlockOptions): number {
  return options.nodeTimeoutMs ?? Math.max(5, Math.round(options.ttlMs / 100))
}

function checkedOptions(nodes: readonly Redis[], options: RedlockOptions): Required<RedlockOptions> {
  const { ttlMs } = options
  const driftFactor = options.driftFactor ?? DEFAULT_DRIFT_FACTOR
  const nodeTimeoutMs = redlockNodeTimeoutMs(options)
  if (nodes.length === 0) throw new UsageError('redlock needs at least one Redis node, got none')
  if (!Number.isInteger(ttlMs) || ttlMs < 1) throw new UsageError(`redlock's TTL must be a whole number of milliseconds ≥ 1, got ${ttlMs}`)
  if (!(driftFactor >= 0 && driftFactor < 1)) throw new UsageError(`redlock's drift factor must be from 0 to below 1, got ${driftFactor}`)
  if (!(nodeTimeoutMs > 0 && nodeTimeoutMs < ttlMs)) {
    throw new UsageError(`redlock's per-node timeout must be above 0 and below the TTL (${ttlMs} ms), got ${nodeTimeoutMs}`)
  }
  return { ttlMs, driftFactor, nodeTimeoutMs }
}

type Bounded = { kind: 'reply'; value: unknown } | { kind: 'error'; message: string } | { kind: 'timeout' }

/**
 * Races one command against a timer. Our own timer, not ioredis's `commandTimeout`: that is a
 * client-wide option of connections racebench opens elsewhere. Either way (measured) the connection
 * stays usable: the late reply is read and dropped in order, and commands sent after it wait behind it.
 */
function bounded(send: () => Promise<unknown>, ms: number): Promise<Bounded> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<Bounded>((resolve) => (timer = setTimeout(() => resolve({ kind: 'timeout' }), ms)))
  let reply: Promise<Bounded>
  try {
    reply = send().then(
      (value): Bounded => ({ kind: 'reply', value }),
      (error: unknown): Bounded => ({ kind: 'error', message: error instanceof Error ? error.message : String(error) }),
    )
  } catch (error) {
    // ioredis may throw synchronously for a command it cannot even queue.
    reply = Promise.resolve({ kind: 'error', message: error instanceof Error ? error.message : String(error) })
  }
  return Promise.race([reply, timeout]).finally(() => clearTimeout(timer))
}
