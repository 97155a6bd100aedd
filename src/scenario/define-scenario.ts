import type { IsolationLevel } from '../config.js'
import type { Rng } from '../runner/rng.js'
import type { Dialect, Session } from '../engines/session.js'
import type { OutcomeCounts } from '../history/outcome.js'
import type { Redis } from 'ioredis'
import type { Engine } from '../engines/engine.js'
import type { EngineCapability } from '../engines/engine-family.js'

/** Contention knobs of a scenario, e.g. `{ rooms: 5, nights: 5 }`; overridden by `--param k=v`. */
export type Params = Readonly<Record<string, number | string>>

/** What a strategy's `run` may answer. `error` and `unknown` come from thrown errors, never from a strategy. */
export type StrategyOutcome = 'ok' | 'rejected' | 'conflict'

/** Whether a strategy is meant to keep the invariants (`safe`) or to show the race (`unsafe`). */
export type Expectation = 'safe' | 'unsafe'

/** Everything a strategy's `run` gets for one logical operation of one worker on one key. */
export interface StrategyContext<P extends Params, K> {
  readonly dialect: Dialect
  /** What the engine guarantees and the SQL that differs between engines: ask it instead of branching on `dialect`. */
  readonly engine: Engine
  /** This worker's own connection. */
  readonly db: Session
  /** The key this operation works on, drawn by the scenario's `pickKey` from the seeded generator. */
  readonly key: K
  readonly params: P
  /** 0-based worker number and this worker's 0-based operation number. */
  readonly worker: number
  readonly iteration: number
  /** A 31-bit number unique to this run: namespaces advisory lock keys so two runs never share a lock. */
  readonly runId: number
  /** `--timeout`: how long any lock wait or statement may take. */
  readonly timeoutMs: number
  /** This worker's Redis connection and the run's key namespace, for strategies that require Redis. */
  readonly redis: RedisContext | undefined
  /**
   * This worker's connection to the scenario's second database (`secondDatabase`: another service's,
   * e.g. the jobs of a payment saga whose balances live in `db`), or undefined when it has none. No
   * transaction spans `db` and `db2`.
   */
  readonly db2: Session | undefined
  /** The run's message broker (RabbitMQ), for strategies that require `rabbitmq`. */
  readonly broker: BrokerContext | undefined
  /**
   * A point between two steps of a multi-step operation (a saga) where a process could crash. With
   * `--nemesis crash-saga:P` the runner crashes a share P of the operations at such points: this
   * throws a crash the strategy must let through (never compensate on it: a crashed process runs no
   * more code; see `isCrash`); the operation ends `unknown`, and the worker's connections are closed
   * and reopened, which rolls back whatever transaction was open.
   */
  checkpoint(name: string): Promise<void>
  /**
   * Times `acquire`, which takes a lock, into the run's lock statistics (shown in the table, so lock
   * strategies can be compared). If it throws, the lock counts as not acquired.
   */
  lockWait<T>(acquire: () => Promise<T>, facts?: (acquired: T) => LockFacts): Promise<T>
  /** Tells the lock statistics that a lock had expired before its holder released it (a lease lost). */
  lockLost(): void
  /** Tells the history that a lock taken with `lockWait` was released (a Redis lease, a session lock). */
  lockReleased(): void
  /** Sleeps before the attempt-th retry of something: exponential backoff with full jitter. */
  backoff(attempt: number): Promise<void>
  /** Records an observation in the run's history (e.g. `partial read`), for invariants to check. */
  note(name: string, detail: string): void
  /** The pause between check and act (`--think`) that widens the race window. */
  think(): Promise<void>
  /**
   * Runs `fn` in a transaction: at the strategy's fixed isolation, else `--isolation`, else the
   * engine's default. Commits on return, rolls back on throw.
   */
  transaction<T>(fn: () => Promise<T>): Promise<T>
  /**
   * Runs `fn` again, after exponential backoff with full jitter, while it throws a retryable error
   * (serialization failure, deadlock, or a `Conflict` it threw itself), at most `--max-retries` times.
   * The last error propagates and the runner records it as a `conflict`.
   */
  retry<T>(fn: () => Promise<T>): Promise<T>
}

/** The run's message broker: a queue of the run's own, deleted at the end. */
export interface BrokerContext {
  /** Publishes one message to the run's queue and waits for the broker's confirm. */
  publish(message: Readonly<Record<string, unknown>>): Promise<void>
}

/** What a strategy's `recover` gets: both databases and the broker, after the workers stopped. */
export interface RecoveryContext<P extends Params> {
  readonly dialect: Dialect
  readonly engine: Engine
  readonly db: Session
  readonly db2: Session | undefined
  readonly params: P
  readonly broker: BrokerContext | undefined
}

/** What an acquisition of a quorum lock (Redlock) adds to its `lock` event: shown in the table. */
export interface LockFacts {
  /** Nodes that granted the lock, of `nodes`; `quorum` were needed. */
  readonly votes: number
  readonly quorum: number
  readonly nodes: number
  /** How long the lock is still safe to hold: the TTL less the time acquiring took and the clock drift. */
  readonly validityMs: number
}

/** A worker's Redis connection, inside the run's own key namespace. */
export interface RedisContext {
  readonly client: Redis
  /**
   * This worker's connection to each `--redis` node, the first being `client`: the independent nodes
   * `redlock` takes a quorum of. One node when `--redis` was given once (or not at all).
   */
  readonly nodes: readonly Redis[]
  /** `lock:3` → `racebench_double_booking_3f9a0c1e:lock:3`: every key the run touches, deleted at the end. */
  key(name: string): string
  /** `--lock-ttl`: how long a lease lock lives unless released. */
  readonly lockTtlMs: number
}

/** Everything a reader's `read` gets: its own connection, a seeded generator and the history. */
export interface ReaderContext<P extends Params> {
  readonly dialect: Dialect
  /** What the engine guarantees and the SQL that differs between engines: ask it instead of branching on `dialect`. */
  readonly engine: Engine
  readonly db: Session
  readonly params: P
  /** 0-based reader number and this reader's 0-based read number. */
  readonly reader: number
  readonly iteration: number
  readonly rng: Rng
  /** Records what the read saw, for invariants to check. */
  note(name: string, detail: string): void
}

/**
 * Readers that run beside the workers, each on its own connection, reading over and over until
 * the workers stop. Their reads are not operations: they produce no outcomes, only observations.
 */
export interface Readers<P extends Params> {
  /** One line for `racebench list`. */
  readonly summary: string
  /** How many readers run (may depend on params; 0 for none). */
  count(params: P): number
  read(ctx: ReaderContext<P>): Promise<void>
}

/** Observations of one name: how many, and the first few distinct details. */
export interface Observation {
  readonly count: number
  readonly samples: readonly string[]
}

/** What the run saw besides outcomes, for invariants that need more than the final state. */
export interface History {
  /** Reads made by readers, and how many of them failed. */
  readonly reads: number
  readonly readErrors: number
  readonly observations: Readonly<Record<string, Observation>>
}

/** What `prepare` gets: the run's schema already exists, with the scenario's tables and seed data. */
export interface PrepareContext<P extends Params> {
  /** The second database's connection, for scenarios with a `secondDatabase`. */
  readonly db2?: Session
  readonly dialect: Dialect
  /** What the engine guarantees and the SQL that differs between engines: ask it instead of branching on `dialect`. */
  readonly engine: Engine
  readonly db: Session
  readonly params: P
}

/** Where a strategy runs, for expectations that depend on it. */
export interface StrategyEnvironment {
  readonly dialect: Dialect
  /** The engine the strategy runs on: `engine.failsStaleWrites(isolation)` and the like. */
  readonly engine: Engine
  /**
   * How many nodes of one cluster the workers are spread over (1 on a single server). With several
   * nodes of an engine whose locks bind one node (`engine.locksAreNodeLocal`), a strategy marked
   * `serverLocks` is unsafe whatever `expect` says.
   */
  readonly nodes: number
  /**
   * The kinds of fault `--nemesis` injects in this run (`crash-saga`, `pause-worker`, …; empty without
   * it): a strategy may be safe in a plain run and not once its process can crash or stall.
   */
  readonly faults: readonly string[]
  /** The level its statements run at: the strategy's own, else --isolation, else the server's default. */
  readonly isolation: IsolationLevel
  /**
   * Whether the operation's statements share one transaction: always for strategies that open their
   * own, and with --isolation for the others. Without it each statement commits on its own, so an
   * engine can catch a crossing within a statement (InnoDB's gap locks) but never between two.
   */
  readonly oneTransaction: boolean
}

export interface Strategy<P extends Params, K> {
  /** One line for `racebench list`. */
  readonly summary: string
  /**
   * Whether the strategy keeps the invariants. A function when that depends on the engine or the
   * isolation level (a lock taken after a REPEATABLE READ snapshot protects nothing).
   */
  readonly expect: Expectation | ((env: StrategyEnvironment) => Expectation)
  /** A level the strategy always runs at, whatever `--isolation` says (e.g. the `serializable` strategy). */
  readonly isolation?: IsolationLevel
  /**
   * Set when `run` opens its own transactions with `ctx.transaction`. Otherwise, with `--isolation`,
   * the runner wraps each whole operation in one transaction at that level.
   */
  readonly ownsTransaction?: boolean
  /** Services the strategy needs besides the database. */
  readonly requires?: readonly ('redis' | 'rabbitmq')[]
  /**
   * Set when the strategy's safety rests on locks alone, the locks the database server holds for a
   * transaction or a session (`SELECT … FOR UPDATE`, advisory or named locks, SERIALIZABLE's locking
   * reads, gap locks), and the transactions it keeps apart write no common row. Such locks bind one
   * node of a multi-primary cluster (Galera), where only a write-write conflict on a row is caught (at
   * commit): spread over several nodes, the strategy is unsafe, and `run` and `list` say so. A lock
   * strategy whose racers all write one row (a stock, a balance) stays safe there: leave it unset.
   */
  readonly serverLocks?: boolean
  /**
   * Capabilities of the server the strategy rests on (`advisoryLocks`): on a server that lacks one
   * (CockroachDB, older YugabyteDB or TiDB), `run` refuses it with the reason and `list` shows where.
   */
  readonly needs?: readonly EngineCapability[]
  /**
   * Why `racebench explain` cannot replay the strategy step by step, when it cannot (e.g. Redlock's
   * per-node timeouts count wall time, and a command held for its turn would look like a node down).
   */
  readonly notReplayable?: string
  /**
   * Engines on which the strategy makes no sense, each with the reason `list` shows and `run`
   * answers (exit 2), e.g. `{ mysql: 'MySQL has no partial unique index' }`.
   */
  readonly unsupportedOn?: Partial<Readonly<Record<Dialect, string>>>
  /** One-time setup the strategy needs beyond the scenario's schema (e.g. a unique index). */
  prepare?(ctx: PrepareContext<P>): Promise<void>
  /**
   * Runs once after the workers stopped and before the invariants: the recovery a restarted service
   * would do (complete or compensate unfinished sagas from a durable log, relay an outbox).
   */
  recover?(ctx: RecoveryContext<P>): Promise<void>
  run(ctx: StrategyContext<P, K>): Promise<StrategyOutcome>
}

/**
 * A key, or part of one, as an invariant names it: the whole key `pickKey` draws (`{ room: 2, night: 3 }`,
 * `4`), or some of an object key's fields (`{ job: 17 }` of `{ job, request }`), which then stands for
 * every key with those fields. Timelines show the operations on the keys it matches.
 */
export type KeyPattern<K> = K extends Readonly<Record<string, unknown>> ? Partial<K> : K

/** A key an invariant found broken, and what is wrong there now (`2 active bookings`). */
export interface BrokenKey<K = never> {
  /** A key as `KeyPattern` says, or something that is not an operation key, e.g. `{ account: 3 }`. */
  readonly key: KeyPattern<K> | Readonly<Record<string, string | number>>
  readonly detail: string
}

/** An invariant's answer, with a detail line a person understands. */
export interface Verdict<K = never> {
  readonly held: boolean
  readonly detail: string
  /**
   * The keys it found broken, worst first (room 2 night 3; product 4; job 17): the timeline of a
   * violation shows how the race happened on the first of them. A global invariant (money conserved)
   * names what is off in its own terms (`{ account: 3 }`), even when no operation's key matches.
   */
  readonly broken?: readonly BrokenKey<K>[]
}

/** What every invariant can read: what the run acknowledged, and the history. */
export interface OfflineInvariantContext<P extends Params> {
  readonly params: P
  readonly outcomes: OutcomeCounts
  readonly history: History
}

/** What an invariant checks: the final state (through `db`) and what the run acknowledged. */
export interface InvariantContext<P extends Params> extends OfflineInvariantContext<P> {
  /** The second database's connection, for scenarios with a `secondDatabase`. */
  readonly db2?: Session
  /** Every message the run's queue received, in order (drained after `recover`), for strategies with a broker. */
  readonly delivered?: readonly Readonly<Record<string, unknown>>[]
  readonly dialect: Dialect
  /** What the engine guarantees and the SQL that differs between engines: ask it instead of branching on `dialect`. */
  readonly engine: Engine
  readonly db: Session
}

/**
 * An invariant that needs no database: it checks the history alone, so `racebench show` can check it
 * again on a history file.
 */
export interface OfflineInvariant<P extends Params, K = unknown> {
  readonly offline: (ctx: OfflineInvariantContext<P>) => Verdict<K>
}

/** A check over the final state (a function of the database and the history), or over the history alone. */
export type Invariant<P extends Params, K = unknown> = ((ctx: InvariantContext<P>) => Promise<Verdict<K>>) | OfflineInvariant<P, K>

export interface ScenarioDefinition<P extends Params, K> {
  /** kebab-case, what users type after `racebench run`. */
  readonly name: string
  /** One line for `racebench list`. */
  readonly summary: string
  /** The incident this scenario comes from, in a few sentences. */
  readonly story: string
  /**
   * The SQL file that creates the tables and seed data, looked up in `sql/<dialect>/` beside the
   * scenario (the package's own `sql/` for built-ins). `{{param}}` in it is replaced by the param's value.
   */
  readonly schema: string
  readonly params: P
  /** Problems with a set of params (e.g. `rooms must be at least 1`), each a line for the user. */
  validate?(params: P): readonly string[]
  /** Draws the key of the next operation. Must use only `rng`, so `--seed` repeats a run. */
  pickKey(rng: Rng, params: P): K
  /**
   * How a key (or the part of one an invariant names) reads in timelines and histories: `room 2 night 3`,
   * `product 4`. By default an object key reads as its fields and values (`room 2 night 3`), a number as `key 4`.
   */
  showKey?(key: KeyPattern<K>): string
  readonly strategies: Readonly<Record<string, Strategy<P, K>>>
  readonly invariants: Readonly<Record<string, Invariant<P, K>>>
  /** Concurrent readers, for scenarios whose invariants are about what others could see meanwhile. */
  readonly readers?: Readers<P>
  /**
   * A second database, another service's, for incidents that span two (a payment saga): its schema file
   * in `sql/<dialect>/`, created in a namespace of its own on `--db2` (or, without it, beside the first).
   * Workers get a second connection (`ctx.db2`); setup, recovery and invariants get one too.
   */
  readonly secondDatabase?: { readonly name: string; readonly schema: string }
}

/** A scenario: what `defineScenario` returns and what a scenario file default-exports. */
export type Scenario<P extends Params = Params, K = unknown> = ScenarioDefinition<P, K>

/**
 * Declares a scenario. Built-in scenarios use exactly this, so a user's own file works the same:
 * `export default defineScenario({ ... })`, then `racebench run ./my-scenario.js`.
 */
export function defineScenario<P extends Params, K>(definition: ScenarioDefinition<P, K>): Scenario<P, K> {
  return Object.freeze({ ...definition })
}
