// The pessimistic-unordered strategy: the two accounts locked in the order the request names them.
import { accountOf, LOCK_ACCOUNT, LOCK_JOB, pay, readJob, type Ctx, type Job } from './payments.js'

/**
 * A job's two payment requests come from either side: request 2n is the client's approval, which
 * names the payer first; request 2n + 1 is the contractor's invoice, which names the payee first.
 * Every job of a client goes to the same contractor (jobs go round both in turn), so an approval of
 * one job and an invoice of another lock the same two accounts in opposite orders: crossing payments.
 */
export function accountsInRequestOrder(job: Job, request: number): readonly [number, number] {
  return request % 2 === 0 ? [job.clientId, job.contractorId] : [job.contractorId, job.clientId]
}

/**
 * Locks the job; if it is still open, the account the request names first, pauses (the handler
 * checks what it holds), then the second. A paid job locks no account: refused at once. Two crossing payments each hold the account the other waits for: the
 * server breaks the cycle by failing one (PostgreSQL after deadlock_timeout, 1 s by default; InnoDB
 * at once), the failed one rolls back and `ctx.retry` runs it again. Safe, but slower than
 * `pessimistic`, whose one global order makes a cycle impossible.
 */
export async function lockInRequestOrder(ctx: Ctx): Promise<Job> {
  const job = await ctx.lockWait(() => readJob(ctx, LOCK_JOB))
  if (job.paid) return job
  const [first, second] = accountsInRequestOrder(job, ctx.key.request)
  await ctx.lockWait(() => ctx.db.query(LOCK_ACCOUNT, [first]))
  await ctx.think()
  await ctx.lockWait(() => ctx.db.query(LOCK_ACCOUNT, [second]))
  return job
}

/** Checks only the rows it has locked, then pays: no pause here, it fell between the two locks. */
export async function payUnderLocks(ctx: Ctx, job: Job): Promise<'ok' | 'rejected'> {
  if (job.paid || (await accountOf(ctx, job.clientId)).balance < job.amount) return 'rejected'
  await pay(ctx, job)
  return 'ok'
}
