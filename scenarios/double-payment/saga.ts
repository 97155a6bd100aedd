// The saga strategy: each step its own transaction, undone in reverse when a later one fails.
import { createRng, plural } from '../../src/scenario/building-blocks.js'
import { CREDIT, DEBIT, DEBIT_IF_COVERED, MARK_PAID, recordPayment, type Ctx, type Job } from './payments.js'

/**
 * The business said no in a saga step, whose transaction must roll back. Caught outside it: the
 * saga compensates and answers `rejected`.
 */
export class Refused extends Error {
  override readonly name = 'Refused'
}

/** One step of the payment saga: its own transaction, and the one that undoes it. */
export interface SagaStep {
  readonly name: string
  run(ctx: Ctx, job: Job): Promise<void>
  /** Absent on the last step: no step after it can fail and call for its undoing. */
  undo?(ctx: Ctx, job: Job): Promise<void>
}

export const SAGA_STEPS: readonly SagaStep[] = [
  {
    name: 'debit the client',
    run: async ({ db }, job) => {
      // The accounts service refuses to overdraw, as a bank would.
      if ((await db.query(DEBIT_IF_COVERED, [job.clientId, job.amount])).rowCount === 0) throw new Refused(`client ${job.clientId} cannot cover job ${job.id}`)
    },
    undo: async ({ db }, job) => void (await db.query(CREDIT, [job.clientId, job.amount])),
  },
  {
    name: 'credit the contractor',
    run: async ({ db }, job) => void (await db.query(CREDIT, [job.contractorId, job.amount])),
    undo: async ({ db }, job) => void (await db.query(DEBIT, [job.contractorId, job.amount])),
  },
  {
    name: 'mark the job paid',
    run: async (ctx, job) => {
      await ctx.db.query(MARK_PAID, [job.id])
      await recordPayment(ctx, job)
    },
  },
]

export const START_SAGA = 'INSERT INTO sagas (id, request_id, job_id) VALUES ($1, $2, $3)'
export const STEP_DONE = 'UPDATE sagas SET steps_done = steps_done + 1, status = $2 WHERE id = $1'
export const STEP_UNDONE = 'UPDATE sagas SET steps_undone = steps_undone + 1 WHERE id = $1'
export const SAGA_COMPENSATED = `UPDATE sagas SET status = 'COMPENSATED', failure = $2 WHERE id = $1`

/** A step failing at random, `failRate` of the time, so compensation runs. */
export class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure'
}

/**
 * Whether `failRate` makes this step fail. The context has no seeded generator, so the choice is
 * drawn from one seeded by what is: the worker, its operation number, and the request the seeded
 * key generator drew. The same --seed draws the same requests, so it fails the same steps.
 */
export function failsAt(ctx: Ctx, step: number): boolean {
  return createRng(ctx.worker * 1_000_003 + ctx.iteration, ctx.key.request * SAGA_STEPS.length + step).next() < ctx.params.failRate
}

/**
 * Runs the payment as a saga: each step its own transaction, logged with it; when one fails, the steps
 * already done are undone in reverse, each in its own transaction too. Compensations retry conflicts;
 * one that still fails leaves the saga STARTED, which the saga invariant reports.
 */
export async function runSaga(ctx: Ctx, job: Job): Promise<'ok' | 'rejected'> {
  const saga = `w${ctx.worker}-i${ctx.iteration}`
  await ctx.db.query(START_SAGA, [saga, ctx.key.request, job.id])
  const done: SagaStep[] = []
  for (const [index, step] of SAGA_STEPS.entries()) {
    const last = index === SAGA_STEPS.length - 1
    try {
      await ctx.transaction(async () => {
        await step.run(ctx, job)
        if (failsAt(ctx, index)) throw new InjectedFailure(`step ${index + 1} (${step.name}) failed at random`)
        await ctx.db.query(STEP_DONE, [saga, last ? 'COMPLETED' : 'STARTED'])
      })
    } catch (error) {
      await compensate(ctx, saga, job, done, error instanceof Error ? error.message : String(error))
      if (error instanceof Refused || error instanceof InjectedFailure) return 'rejected'
      throw error
    }
    done.push(step)
  }
  return 'ok'
}

export async function compensate(ctx: Ctx, saga: string, job: Job, done: readonly SagaStep[], failure: string): Promise<void> {
  for (const step of [...done].reverse()) {
    await ctx.retry(() =>
      ctx.transaction(async () => {
        await step.undo?.(ctx, job)
        await ctx.db.query(STEP_UNDONE, [saga])
      }),
    )
  }
  await ctx.db.query(SAGA_COMPENSATED, [saga, failure])
  if (done.length > 0) ctx.note('saga compensated', `saga ${saga} for job ${job.id} undid ${plural(done.length, 'step')} after: ${failure}`)
}

