/**
 * racebench's programmatic API: `runScenario` returns the same object `racebench run --json` prints.
 *
 *     import { runScenario } from 'racebench'
 *     const result = await runScenario({ scenario: 'double-booking', strategy: 'optimistic', db: process.env.DATABASE_URL })
 */
export { runScenario, type RunScenarioOptions } from './run-scenario.js'
export type { RunResult } from './run-result.js'
export { compareStrategies, type CompareOptions, type Comparison, type ComparedStrategy } from './compare.js'
export {
  defineScenario,
  Conflict,
  type Scenario,
  type ScenarioDefinition,
  type Strategy,
  type StrategyContext,
  type StrategyOutcome,
  type PrepareContext,
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
  type Expectation,
  type StrategyEnvironment,
  expectationOf,
} from './scenario/define-scenario.js'
export type { Session, QueryResult, Dialect } from './target/session.js'
export type { Rng } from './runner/rng.js'
export type { Outcome, OutcomeCounts, ErrorClass } from './history/outcome.js'
export type { InvariantResult, BrokenKeyResult } from './check/check-invariants.js'
export type {
  HistoryEvent,
  HistorySink,
  OperationEvent,
  InvokeEvent,
  CompletionEvent,
  StepEvent,
  RetryEvent,
  LockEvent,
  ThinkEvent,
  NoteEvent,
  ReadEvent,
  Actor,
} from './history/event.js'
export type { Trace, TracedOperation } from './history/trace.js'
export { plural } from './check/plural.js'
export { wholeNumberIn } from './scenario/params.js'
export { acknowledgedVerdict, compareWithAcknowledged, type Acknowledgement } from './check/acknowledged.js'
export { createRunEmitter, type RunEmitter, type RunEvents, type Tick } from './runner/events.js'
export { ISOLATION_LEVELS, DEFAULTS, type IsolationLevel } from './config.js'
export { ExitCode, RacebenchError, UsageError, TargetError, ScenarioCodeError, InterruptedError } from './errors.js'
export { exitCodeOfRun, exitCodeOfComparison, type ExitPolicy } from './run-exit-code.js'
export {
  defineSpec,
  type Spec,
  type SpecDefinition,
  type SpecSession,
  type SpecStep,
  type SpecStatement,
  type StepContext,
  type StepResult,
  type AnomalyContext,
  type AnomalyVerdict,
} from './spec/define-spec.js'
