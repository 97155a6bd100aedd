// The payment saga's orchestrator (one payment, in a worker) and its recovery (after a crash).
import { inTransaction, type RecoveryContext, type Session, type StrategyOutcome } from '../../src/scenario/building-blocks.js'
import { brokerOf, credit, debit, markPaid, paymentCompleted, readJob, refund, type Ctx, type Job, type PaymentParams, type SagaMode, type Services } from './steps.js'

/** A worker's services: its current connections, each profiles step one transaction retried on conflicts. */
function servicesOf(ctx: Ctx): Services {
  return {
    get db() {
      return ctx.db
    },
    get jobs() {
      return jobsOf(ctx.db2)
    },
    broker: ctx.broker,
    tx: (fn) => ctx.retry(() => ctx.transaction(fn)),
  }
}

/**
 * Pays one job: debit the client, mark the job paid, credit the contractor, each in its own service's
 * database; a job found paid by another saga is compensated by refunding the client. Between the steps
 * a process may crash (`ctx.checkpoint`): the crash is let through, as a dead process runs no more code.
 */
export async function pay(ctx: Ctx, mode: SagaMode): Promise<StrategyOutcome> {
  const s = servicesOf(ctx)
  const job = await readJob(s.jobs, ctx.key.job)
  if (job.status === 'PAID') return 'rejected'
  // The pause between the check and the saga: two requests for one job both start one.
  await ctx.think()
  // Unique within the run: a crashed operation's successor has another iteration.
  const saga = `w${ctx.worker}-i${ctx.iteration}`
  if (!(await debit(s, saga, job, mode))) return 'rejected'
  await ctx.checkpoint('after debiting the client')
  if (!(await markPaid(s, saga, job))) {
    await ctx.checkpoint('before refunding the client')
    await refund(s, saga, job, mode)
    return 'rejected'
  }
  await ctx.checkpoint('after marking the job paid')
  await credit(s, saga, job, mode)
  if (mode.events === 'after-commit') {
    await ctx.checkpoint('after committing the payment, before publishing its event')
    await brokerOf(s).publish(paymentCompleted(saga, job))
  }
  if (mode.events === 'outbox') await relay(s, { saga, checkpoint: ctx.checkpoint })
  return 'ok'
}

type OutboxRow = { id: number | string; payload: string }

/**
 * Publishes unsent outbox rows (one saga's, or all) and marks each sent. A crash between the publish
 * and the mark leaves the row unsent, and the next relay publishes it again: at least once, never lost.
 */
export async function relay(s: Services, only?: { readonly saga: string; readonly checkpoint: (name: string) => Promise<void> }): Promise<void> {
  const broker = brokerOf(s)
  if (only) await only.checkpoint('after committing the payment, before relaying its event')
  const { rows } = only
    ? await s.db.query<OutboxRow>('SELECT id, payload FROM outbox WHERE sent = 0 AND saga_id = $1', [only.saga])
    : await s.db.query<OutboxRow>('SELECT id, payload FROM outbox WHERE sent = 0 ORDER BY id')
  for (const row of rows) {
    await broker.publish(JSON.parse(row.payload) as Record<string, unknown>)
    if (only) await only.checkpoint('after publishing the event, before marking it sent')
    await s.db.query('UPDATE outbox SET sent = 1 WHERE id = $1', [row.id])
  }
}

type SagaRow = { id: string; job_id: number; client_id: number; contractor_id: number; amount: number }

/**
 * What a restarted profiles service does: every saga the log says debited and never finished is
 * completed (its job marked paid by it, or still open and now marked) or compensated (the job was paid
 * by another saga), each step idempotent by the saga's id. Then the outbox is relayed.
 */
export async function recoverSagas(ctx: RecoveryContext<PaymentParams>, mode: SagaMode): Promise<void> {
  const s: Services = { db: ctx.db, jobs: jobsOf(ctx.db2), broker: ctx.broker, tx: (fn) => inTransaction(ctx.db, undefined, fn) }
  const { rows } = await s.db.query<SagaRow>(`SELECT id, job_id, client_id, contractor_id, amount FROM sagas WHERE state = 'DEBITED' ORDER BY id`)
  for (const row of rows) {
    const job: Job = { id: Number(row.job_id), clientId: Number(row.client_id), contractorId: Number(row.contractor_id), price: Number(row.amount), status: 'OPEN', paidBy: null }
    if (!(await markPaid(s, row.id, job))) {
      await refund(s, row.id, job, mode)
      continue
    }
    // The same code path as a worker's: publish-after-commit publishes once the credit is committed.
    if ((await credit(s, row.id, job, mode)) && mode.events === 'after-commit') await brokerOf(s).publish(paymentCompleted(row.id, job))
  }
  if (mode.events === 'outbox') await relay(s)
}

function jobsOf(db2: Session | undefined): Session {
  if (!db2) throw new Error('payment-saga needs the jobs database (ctx.db2): the runner opens it for scenarios with a secondDatabase')
  return db2
}

