/**
 * Everything a scenario file is made of, and exactly what the built-in scenarios use: racebench's public
 * entry (src/index.ts) re-exports all of it, so a user writes `import { … } from 'racebench'`; it is
 * also a public entry of its own, `racebench/scenario` (package.json "exports"), the light one.
 *
 * The built-ins import it from here rather than from src/index.ts, which also carries the runner, every
 * target and ioredis: loading those from a scenario doubled the CPU time of `racebench list` and added
 * about 40% to `racebench run double-booking` (measured). Whatever they take from here is public by
 * construction, as `export *` in src/index.ts passes it on.
 */
export {
  defineScenario,
  type BrokerContext,
  type RecoveryContext,
  type Scenario,
  type ScenarioDefinition,
  type Strategy,
  type StrategyContext,
  type StrategyOutcome,
  type StrategyEnvironment,
  type Expectation,
  type PrepareContext,
  type RedisContext,
  type LockFacts,
  type Readers,
  type ReaderContext,
  type Invariant,
  type InvariantContext,
  type OfflineInvariant,
  type OfflineInvariantContext,
  type Verdict,
  type BrokenKey,
  type KeyPattern,
  type History,
  type Observation,
  type Params,
} from './define-scenario.js'
export { Conflict, isConflict, Crash, isCrash } from './strategy-signals.js'
export type { Session, QueryResult, Dialect } from '../engines/session.js'
export type { Rng } from '../runner/rng.js'
export type { ErrorClass } from '../history/outcome.js'

// Strategies: `ctx.transaction(fn)` and `ctx.retry(fn)`, on the context every strategy gets, are the
// transaction and retry helpers; these are the locks and the error classes they build on.
export { withAdvisoryLock } from '../strategy/advisory-lock.js'
export { inTransaction } from '../strategy/transaction.js'
export { withRedisLock } from '../strategy/redis-lock.js'
export { withRedlock } from '../strategy/redlock-lock.js'
export { withFencedRedisLock } from '../strategy/fenced-lock.js'
export { classifyError } from '../engines/classify.js'
export { createRng } from '../runner/rng.js'

// Params and invariants.
export { wholeNumberIn } from './params.js'
export { plural } from '../check/plural.js'
export { acknowledgedVerdict, compareWithAcknowledged, type Acknowledgement } from '../check/acknowledged.js'
export { safeWhenStaleWritesFail, unsafeWhenSnapshotPrecedesLocks, safeWhenMissingRowsGuarded, safeUnlessHolderStalls, safeUnlessCrashed, safeUnlessConnectionsDie } from './expectations.js'
export type { Engine, UniqueWhere, AdvisoryLockSql } from '../engines/engine.js'
