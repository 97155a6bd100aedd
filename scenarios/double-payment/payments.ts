// The accounts, jobs and payments every double-payment strategy works on.
import { Conflict, type StrategyContext, type StrategyOutcome } from '../../src/scenario/building-blocks.js'

/**
 * Defaults: each client can pay 9 of its 10 jobs (funds 900, price 100), so no client can pay them
 * all and the naive handler overdraws. Why so close to all: the saga's debit refuses to overdraw, so
 * it pays a job twice only while the client can still afford both payments. When clients could pay
 * 3 of their 5 jobs, the two sagas of a job did run together, but in 1 run of 6 their client's funds
 * had already gone to its other jobs, the second debit was refused, and the run held (seed
 * 1256035054 was one). With 9 of 10 the funds outlast the race (measured: bench/README.md, "Race rates").
 */
export const params = { jobs: 40, clients: 4, contractors: 4, price: 100, funds: 900, failRate: 0 }
/** One payment request: job n can be paid by request 2n or 2n + 1, and clients re-send both. */
export type PaymentRequest = { readonly job: number; readonly request: number }
export type Ctx = StrategyContext<typeof params, PaymentRequest>

export interface Job {
  readonly id: number
  readonly clientId: number
  readonly contractorId: number
  readonly amount: number
  readonly paid: boolean
}

type JobRow = { client_id: number; contractor_id: number; amount: number; status: string }

const JOB = 'SELECT client_id, contractor_id, amount, status FROM jobs WHERE id = $1'
export const LOCK_JOB = `${JOB} FOR UPDATE`
export const LOCK_ACCOUNT = 'SELECT id FROM accounts WHERE id = $1 FOR UPDATE'
const ACCOUNT = 'SELECT balance, version FROM accounts WHERE id = $1'
export const DEBIT = 'UPDATE accounts SET balance = balance - $2, version = version + 1 WHERE id = $1'
export const CREDIT = 'UPDATE accounts SET balance = balance + $2, version = version + 1 WHERE id = $1'
export const MARK_PAID = `UPDATE jobs SET status = 'paid' WHERE id = $1`
const RECORD_PAYMENT = 'INSERT INTO payments (job_id, request_id, amount) VALUES ($1, $2, $3)'

/** Compare-and-set writes: 0 rows means someone else got there first. */
const MARK_PAID_IF_OPEN = `UPDATE jobs SET status = 'paid' WHERE id = $1 AND status = 'open'`
const DEBIT_IF_UNCHANGED = 'UPDATE accounts SET balance = balance - $2, version = version + 1 WHERE id = $1 AND version = $3'
export const DEBIT_IF_COVERED = 'UPDATE accounts SET balance = balance - $2, version = version + 1 WHERE id = $1 AND balance >= $2'

export async function readJob(ctx: Ctx, sql = JOB): Promise<Job> {
  const { rows } = await ctx.db.query<JobRow>(sql, [ctx.key.job])
  const row = rows[0]
  if (!row) throw new Error(`job ${ctx.key.job} does not exist`)
  return { id: ctx.key.job, clientId: row.client_id, contractorId: row.contractor_id, amount: row.amount, paid: row.status === 'paid' }
}

export async function accountOf(ctx: Ctx, id: number): Promise<{ balance: number; version: number }> {
  const { rows } = await ctx.db.query<{ balance: number; version: number }>(ACCOUNT, [id])
  const row = rows[0]
  if (!row) throw new Error(`account ${id} does not exist`)
  return row
}

export async function recordPayment({ db, key }: Ctx, job: Job): Promise<void> {
  await db.query(RECORD_PAYMENT, [job.id, key.request, job.amount])
}

/** The four writes of a payment, each on its own: debit, credit, mark the job paid, record it. */
export async function pay(ctx: Ctx, job: Job): Promise<void> {
  await ctx.db.query(DEBIT, [job.clientId, job.amount])
  await ctx.db.query(CREDIT, [job.contractorId, job.amount])
  await ctx.db.query(MARK_PAID, [job.id])
  await recordPayment(ctx, job)
}

/**
 * The naive handler: refuse a job already paid or a client who cannot cover it, pause, then pay.
 * Without an idempotency key it cannot tell a client's re-sent request from a second payment: both
 * are refused as "already paid", so a client whose first answer was lost is told its payment failed.
 */
export async function checkThenPay(ctx: Ctx, job: Job): Promise<'ok' | 'rejected'> {
  if (job.paid || (await accountOf(ctx, job.clientId)).balance < job.amount) return 'rejected'
  await ctx.think()
  await pay(ctx, job)
  return 'ok'
}

/**
 * Locks the job, then both accounts in ascending id order. Every payment takes its locks in one
 * global order (its job, then accounts by id), so no two payments can each hold a lock the other
 * waits for: no deadlock, whichever jobs, clients and contractors they share.
 */
export async function lockJobAndAccounts(ctx: Ctx): Promise<Job> {
  const job = await readJob(ctx, LOCK_JOB)
  for (const id of [job.clientId, job.contractorId].sort((a, b) => a - b)) await ctx.db.query(LOCK_ACCOUNT, [id])
  return job
}

/** Pays by compare-and-set: the job must still be open and the client's balance at the version read. */
export async function optimisticPayment(ctx: Ctx): Promise<StrategyOutcome> {
  const job = await readJob(ctx)
  const client = await accountOf(ctx, job.clientId)
  if (job.paid || client.balance < job.amount) return 'rejected'
  await ctx.think()
  return ctx.transaction(async (): Promise<StrategyOutcome> => {
    // The job's status is its own version: it only ever goes from open to paid.
    if ((await ctx.db.query(MARK_PAID_IF_OPEN, [job.id])).rowCount === 0) throw new Conflict(`job ${job.id} was paid since it was read`)
    const debited = await ctx.db.query(DEBIT_IF_UNCHANGED, [job.clientId, job.amount, client.version])
    if (debited.rowCount === 0) throw new Conflict(`client ${job.clientId}'s balance changed since it was read`)
    // A credit commutes with any other credit: no version to check.
    await ctx.db.query(CREDIT, [job.contractorId, job.amount])
    await recordPayment(ctx, job)
    return 'ok'
  })
}

