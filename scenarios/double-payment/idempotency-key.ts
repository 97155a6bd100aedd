// The idempotency-key strategy: a stored answer per payment request, replayed to its copies.
import { CREDIT, DEBIT_IF_COVERED, LOCK_JOB, MARK_PAID, readJob, recordPayment, type Ctx, type Job } from './payments.js'

export const CLAIM_KEY = {
  postgres: 'INSERT INTO idempotency_keys (request_id, job_id) VALUES ($1, $2) ON CONFLICT (request_id) DO NOTHING',
  mysql: 'INSERT IGNORE INTO idempotency_keys (request_id, job_id) VALUES ($1, $2)',
} as const
export const STORE_RESPONSE = 'UPDATE idempotency_keys SET outcome = $2, response = $3 WHERE request_id = $1'
export const STORED_RESPONSE = 'SELECT outcome, response FROM idempotency_keys WHERE request_id = $1'

/** What a payment request answers, and what the idempotency key stores to answer its copies. */
export interface Answer {
  readonly outcome: 'ok' | 'rejected'
  readonly response: string
}

/**
 * Claims the request's key, pays or refuses, and stores the answer, all in one transaction: a key
 * exists exactly when its request's answer does. A re-sent copy's claim waits on the unique key until
 * the original commits, then finds it taken (undefined: answer from the store), or takes it if the
 * original rolled back.
 */
export async function answerOnceUnderKey(ctx: Ctx): Promise<'ok' | 'rejected' | undefined> {
  const { db, dialect, key } = ctx
  if ((await db.query(CLAIM_KEY[dialect], [key.request, key.job])).rowCount === 0) return undefined
  // The key only tells copies of one request apart: the job's other request has another key. Paying
  // the job once takes more: a lock on the job's row (its other request waits, then finds it paid)
  // and a debit that refuses to overdraw (other jobs of the client hold no lock on this one).
  const answer = await payIfOpenAndCovered(ctx, await readJob(ctx, LOCK_JOB))
  await db.query(STORE_RESPONSE, [key.request, answer.outcome, answer.response])
  return answer.outcome
}

/** Refuses before writing anything, so a refusal can be stored and committed like a payment. */
export async function payIfOpenAndCovered(ctx: Ctx, job: Job): Promise<Answer> {
  if (job.paid) return { outcome: 'rejected', response: `job ${job.id} is already paid` }
  await ctx.think()
  if ((await ctx.db.query(DEBIT_IF_COVERED, [job.clientId, job.amount])).rowCount === 0) {
    return { outcome: 'rejected', response: `client ${job.clientId} cannot cover job ${job.id}` }
  }
  await ctx.db.query(CREDIT, [job.contractorId, job.amount])
  await ctx.db.query(MARK_PAID, [job.id])
  await recordPayment(ctx, job)
  return { outcome: 'ok', response: `paid ${job.amount} for job ${job.id} from client ${job.clientId} to contractor ${job.contractorId}` }
}

/**
 * A re-sent copy gets its original's answer, as an idempotent API gives it: `ok` if the original paid
 * (the client asked for one payment and it was made), `rejected` if it was refused. Noted, so the run
 * shows how many answers came from the store rather than from a payment.
 */
export async function storedAnswer(ctx: Ctx): Promise<'ok' | 'rejected'> {
  const { rows } = await ctx.db.query<Answer>(STORED_RESPONSE, [ctx.key.request])
  const answer = rows[0]
  if (!answer) throw new Error(`request ${ctx.key.request}'s key was taken but holds no answer`)
  ctx.note('stored response replayed', `request ${ctx.key.request} was answered from its stored response: ${answer.response}`)
  return answer.outcome
}

