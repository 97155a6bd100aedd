/**
 * racebench's programmatic API: `runScenario` returns the same object `racebench run --json` prints.
 *
 *     import { runScenario } from 'racebench'
 *     const result = await runScenario({ scenario: 'double-booking', strategy: 'optimistic', db: process.env.DATABASE_URL })
 */
export { runScenario, type RunScenarioOptions } from './run-scenario.js'
export type { RunResult } from './run-result.js'
export { compareStrategies, type CompareOptions, type Comparison, type ComparedStrategy } from './compare.js'
// What a scenario file is made of (defineScenario, Conflict, the types, the locks, error classes,
// param checks and invariant helpers the built-in scenarios use): also `racebench/scenario`.
export * from './scenario/building-blocks.js'
export { expectationOf } from './scenario/expectations.js'
export type { Outcome, OutcomeCounts } from './history/outcome.js'
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
export type { TimeSeries, SeriesPoint } from './history/time-series.js'
export type { Report, RunReport, CompareReport, VerifyReport, RepeatedVerdict } from './report/reporter.js'
export type { Threshold, ThresholdResult } from './thresholds/threshold.js'
export type { Verification, VerifyCell } from './verify/verification.js'
export { verifyMatrix } from './verify/run-verify.js'
export type { VerifyOptions } from './verify/verify-options.js'
export { createRunEmitter, type RunEmitter, type RunEvents, type Tick } from './runner/events.js'
export { ISOLATION_LEVELS, DEFAULTS, type IsolationLevel } from './config.js'
export { ExitCode, RacebenchError, UsageError, TargetError, ScenarioCodeError, InterruptedError } from './errors.js'
export { exitCodeOfRun, exitCodeOfRunReport, exitCodeOfComparison, type ExitPolicy } from './run-exit-code.js'
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
