// The payment saga's steps, each a transaction on one service's database: no transaction spans both.
import type { BrokerContext, Session, StrategyContext } from '../../src/scenario/building-blocks.js'

/**
 * Defaults: each client has 10 jobs of 100 and funds 2,000, so two sagas racing for one job can both
 * reserve their debit and the loser's refund is exercised; no payment is refused for want of funds.
 */
export const params = { jobs: 40, clients: 4, contractors: 4, price: 100, funds: 2_000 }
export type PaymentParams = typeof params
/** One payment request for a job. */
export type JobKey = { readonly job: number }
export type Ctx = StrategyContext<PaymentParams, JobKey>

export interface Job {
  readonly id: number
  readonly clientId: number
  readonly contractorId: number
  readonly price: number
  readonly status: 'OPEN' | 'PAID'
  /** The saga that marked it paid. */
  readonly paidBy: string | null
}

/**
 * What a step runs on: a worker's connections (its transactions retried on conflicts) or recovery's own.
 * Read at each call: a crashed worker gets new connections, and a step must use the current ones.
 */
export interface Services {
  /** The profiles service's database: balances, ledger, saga log, outbox. */
  readonly db: Session
  /** The jobs service's database. */
  readonly jobs: Session
  readonly broker: BrokerContext | undefined
  /** Runs `fn` in one transaction on `db`. */
  tx<T>(fn: () => Promise<T>): Promise<T>
}

/** Whether the saga keeps a durable log (and so can be recovered), and how its event is published. */
export interface SagaMode {
  readonly log: boolean
  readonly events: 'none' | 'after-commit' | 'outbox'
}

const JOB = 'SELECT client_id, contractor_id, price, status, paid_by FROM jobs WHERE id = $1'
const DEBIT_IF_COVERED = 'UPDATE accounts SET balance = balance - $2 WHERE id = $1 AND balance >= $2'
const CREDIT = 'UPDATE accounts SET balance = balance + $2 WHERE id = $1'
const ENTRY = 'INSERT INTO entries (saga_id, job_id, account_id, step, amount) VALUES ($1, $2, $3, $4, $5)'
const LOG_SAGA = `INSERT INTO sagas (id, job_id, client_id, contractor_id, amount, state) VALUES ($1, $2, $3, $4, $5, 'DEBITED')`
/** Compare-and-set on the log: a step that finishes a saga runs once, however often recovery tries. */
const FINISH_SAGA = `UPDATE sagas SET state = $2 WHERE id = $1 AND state = 'DEBITED'`
/** The jobs service's semantic lock: only an open job can be marked, and by one saga. */
const MARK_PAID_IF_OPEN = `UPDATE jobs SET status = 'PAID', paid_by = $2 WHERE id = $1 AND status = 'OPEN'`
const OUTBOX = 'INSERT INTO outbox (saga_id, job_id, payload) VALUES ($1, $2, $3)'

type JobRow = { client_id: number; contractor_id: number; price: number; status: string; paid_by: string | null }

export async function readJob(jobs: Session, id: number): Promise<Job> {
  const row = (await jobs.query<JobRow>(JOB, [id])).rows[0]
  if (!row) throw new Error(`job ${id} does not exist in the jobs database`)
  const status = row.status === 'PAID' ? 'PAID' : 'OPEN'
  return { id, clientId: Number(row.client_id), contractorId: Number(row.contractor_id), price: Number(row.price), status, paidBy: row.paid_by }
}

/**
 * Step 1, profiles: reserve the price from the client (refused if the balance does not cover it), with
 * its ledger entry and, for a logged saga, the log row that lets recovery finish it. False if refused.
 */
export function debit(s: Services, saga: string, job: Job, mode: SagaMode): Promise<boolean> {
  return s.tx(async () => {
    if ((await s.db.query(DEBIT_IF_COVERED, [job.clientId, job.price])).rowCount === 0) return false
    await s.db.query(ENTRY, [saga, job.id, job.clientId, 'debit', -job.price])
    if (mode.log) await s.db.query(LOG_SAGA, [saga, job.id, job.clientId, job.contractorId, job.price])
    return true
  })
}

/**
 * Step 2, jobs: mark the job paid by this saga, if it is still open. One statement, atomic on its own.
 * True also when this saga had marked it already (a recovery pass finishing it): keyed by the saga id.
 */
export async function markPaid(s: Services, saga: string, job: Job): Promise<boolean> {
  if ((await s.jobs.query(MARK_PAID_IF_OPEN, [job.id, saga])).rowCount === 1) return true
  return (await readJob(s.jobs, job.id)).paidBy === saga
}

/**
 * Step 3, profiles: credit the contractor, and for an outbox saga write its PaymentCompleted row in the
 * same transaction. False when the log says the saga was finished already (nothing done).
 */
export function credit(s: Services, saga: string, job: Job, mode: SagaMode): Promise<boolean> {
  return s.tx(async () => {
    if (mode.log && (await s.db.query(FINISH_SAGA, [saga, 'COMPLETED'])).rowCount === 0) return false
    await s.db.query(CREDIT, [job.contractorId, job.price])
    await s.db.query(ENTRY, [saga, job.id, job.contractorId, 'credit', job.price])
    if (mode.events === 'outbox') await s.db.query(OUTBOX, [saga, job.id, JSON.stringify(paymentCompleted(saga, job))])
    return true
  })
}

/** The compensation of step 1, profiles: give the client the reserved price back (the job was paid by another saga). */
export function refund(s: Services, saga: string, job: Job, mode: SagaMode): Promise<boolean> {
  return s.tx(async () => {
    if (mode.log && (await s.db.query(FINISH_SAGA, [saga, 'COMPENSATED'])).rowCount === 0) return false
    await s.db.query(CREDIT, [job.clientId, job.price])
    await s.db.query(ENTRY, [saga, job.id, job.clientId, 'refund', job.price])
    return true
  })
}

/** The event other services consume. `paymentId` (the saga's id) lets a consumer drop a redelivered copy. */
export function paymentCompleted(saga: string, job: Job): Record<string, unknown> {
  return { type: 'PaymentCompleted', paymentId: saga, jobId: job.id, amount: job.price, clientId: job.clientId, contractorId: job.contractorId }
}

/** The broker, which the strategies that publish cannot do without. */
export function brokerOf(s: Pick<Services, 'broker'>): BrokerContext {
  if (!s.broker) throw new Error('this strategy publishes events and got no broker (ctx.broker): it requires RabbitMQ')
  return s.broker
}
