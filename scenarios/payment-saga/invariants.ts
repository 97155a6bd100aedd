// What must hold across both databases once recovery has run, and what the broker delivered.
import { plural, type BrokenKey, type InvariantContext, type Session, type Verdict } from '../../src/scenario/building-blocks.js'
import type { JobKey, PaymentParams } from './steps.js'

type Ctx = InvariantContext<PaymentParams>
type Result = Verdict<JobKey>

/** One job as both services see it: its status in the jobs database, its money moves in the ledger. */
interface JobState {
  readonly id: number
  readonly price: number
  readonly status: string
  readonly paidBy: string | null
  /** Net times its client was charged (debits less refunds), and the sagas that charged it. */
  charged: number
  readonly chargedBy: string[]
  /** Times its contractor was credited. */
  credited: number
  /** The money its entries moved, in sum: 0 when every debit went to the contractor or back. */
  net: number
}

const TIMES = ['0 times', 'once', 'twice']
const times = (n: number) => TIMES[n] ?? `${n} times`

async function jobStates({ db, db2 }: Pick<Ctx, 'db' | 'db2'>): Promise<Map<number, JobState>> {
  const jobs = await jobsDb(db2).query<{ id: number; price: number; status: string; paid_by: string | null }>('SELECT id, price, status, paid_by FROM jobs ORDER BY id')
  const states = new Map<number, JobState>()
  for (const row of jobs.rows) {
    states.set(Number(row.id), { id: Number(row.id), price: Number(row.price), status: row.status, paidBy: row.paid_by, charged: 0, chargedBy: [], credited: 0, net: 0 })
  }
  const entries = await db.query<{ saga_id: string; job_id: number; step: string; amount: number }>('SELECT saga_id, job_id, step, amount FROM entries ORDER BY id')
  for (const entry of entries.rows) {
    const state = states.get(Number(entry.job_id))
    if (!state) continue
    state.net += Number(entry.amount)
    if (entry.step === 'debit') {
      state.charged++
      state.chargedBy.push(entry.saga_id)
    } else if (entry.step === 'refund') {
      state.charged--
      // A refund follows its own saga's debit (entries in id order): that saga no longer charges.
      const at = state.chargedBy.indexOf(entry.saga_id)
      if (at >= 0) state.chargedBy.splice(at, 1)
    } else state.credited++
  }
  return states
}

/** The first three broken jobs, and how many in all: `job 3 lost 100: …; job 7 …; job 9 … (12 jobs in all)`. */
function violated(broken: readonly BrokenKey<JobKey>[], lead = ''): Result {
  const lines = broken.map((b) => `job ${String((b.key as JobKey).job)} ${b.detail}`)
  const more = lines.length > 3 ? ` (${lines.length} jobs in all)` : ''
  return { held: false, detail: lead + lines.slice(0, 3).join('; ') + more, broken }
}

/** After recovery the balances sum to what they held at the start; the ledger names where money went. */
export async function moneyConserved(ctx: Ctx): Promise<Result> {
  const { rows } = await ctx.db.query<{ balance: number; opening_balance: number }>('SELECT balance, opening_balance FROM accounts')
  const now = rows.reduce((sum, row) => sum + Number(row.balance), 0)
  const before = rows.reduce((sum, row) => sum + Number(row.opening_balance), 0)
  if (now === before) return { held: true, detail: `the ${plural(rows.length, 'balance')} sum to ${now}, as they did at the start` }
  const drift = now > before ? `${now - before} more` : `${before - now} less`
  const lead = `the balances sum to ${now}, ${drift} than the ${before} they held at the start: `
  const broken = [...(await jobStates(ctx)).values()]
    .filter((job) => job.net !== 0)
    .sort((a, b) => a.net - b.net)
    .map((job) => ({ key: { job: job.id }, detail: `${job.net < 0 ? `lost ${-job.net}` : `made ${job.net} appear`}: its client was charged ${times(job.charged)}, its contractor credited ${times(job.credited)}` }))
  if (broken.length === 0) return { held: false, detail: `${lead}no job's ledger entries explain it` }
  return violated(broken, lead)
}

/** No client pays twice for one job, and no contractor is credited twice for it. */
export async function paidAtMostOnce(ctx: Ctx): Promise<Result> {
  const jobs = [...(await jobStates(ctx)).values()]
  const twice = jobs.filter((job) => job.charged > 1 || job.credited > 1).sort((a, b) => b.charged + b.credited - (a.charged + a.credited))
  const paid = jobs.filter((job) => job.charged > 0 || job.credited > 0).length
  if (twice.length === 0) return { held: true, detail: `${plural(paid, 'job')} paid, none twice` }
  return violated(
    twice.map((job) => ({ key: { job: job.id }, detail: `was paid ${times(job.charged)} by its client (payments ${job.chargedBy.join(', ')}) and credited ${times(job.credited)} to its contractor` })),
  )
}

/** A job marked PAID moved its price from client to contractor once; an OPEN one moved nothing. */
export async function databasesAgree(ctx: Ctx): Promise<Result> {
  const jobs = [...(await jobStates(ctx)).values()]
  const broken = jobs.flatMap((job): BrokenKey<JobKey>[] => {
    const expected = job.status === 'PAID' ? 1 : 0
    if (job.charged === expected && job.credited === expected) return []
    const says = job.status === 'PAID' ? `is PAID (by payment ${job.paidBy ?? '?'}) in the jobs database` : 'is OPEN in the jobs database'
    return [{ key: { job: job.id }, detail: `${says}, but the profiles database charged its client ${times(job.charged)} and credited its contractor ${times(job.credited)}` }]
  })
  const paid = jobs.filter((job) => job.status === 'PAID').length
  if (broken.length === 0) return { held: true, detail: `${plural(paid, 'paid job')}, each charged and credited once; ${jobs.length - paid} open, untouched` }
  return violated(broken)
}

/**
 * Every job marked paid has its payment's PaymentCompleted delivered, and no event announces a payment
 * that did not complete. Copies of one payment's event count once: each carries the payment id, by which
 * a consumer drops the copies an at-least-once relay sends (the outbox after a crash between publishing
 * and marking a row sent). They are counted in the detail.
 */
export async function oneEventPerPayment(ctx: Ctx): Promise<Result> {
  if (ctx.delivered === undefined) return { held: true, detail: 'no broker in this strategy' }
  const jobs = await jobStates(ctx)
  const copies = new Map<string, number>()
  const broken: BrokenKey<JobKey>[] = []
  for (const message of ctx.delivered) {
    const paymentId = String(message.paymentId)
    const n = (copies.get(paymentId) ?? 0) + 1
    copies.set(paymentId, n)
    if (n > 1) continue
    const job = jobs.get(Number(message.jobId))
    if (message.type !== 'PaymentCompleted' || !job) broken.push({ key: { job: Number(message.jobId) || 0 }, detail: `got an event that is no PaymentCompleted of a job: ${JSON.stringify(message)}` })
    else if (job.paidBy !== paymentId) broken.push({ key: { job: job.id }, detail: `got a PaymentCompleted for payment ${paymentId}, which did not pay it (${job.paidBy === null ? 'the job is open' : `payment ${job.paidBy} did`})` })
  }
  for (const job of jobs.values()) {
    if (job.status === 'PAID' && job.paidBy !== null && !copies.has(job.paidBy)) broken.push({ key: { job: job.id }, detail: `was paid by payment ${job.paidBy}, but no PaymentCompleted was delivered` })
  }
  const extra = [...copies.values()].reduce((sum, n) => sum + n - 1, 0)
  const redelivered = extra > 0 ? `; ${plural(extra, 'redelivered copy', 'redelivered copies')} dropped by the payment id` : ''
  const paid = [...jobs.values()].filter((job) => job.status === 'PAID').length
  if (broken.length === 0) return { held: true, detail: `${plural(paid, 'payment')} completed, each announced by one PaymentCompleted${redelivered}` }
  const lost = broken.filter((b) => b.detail.includes('no PaymentCompleted was delivered')).length
  return violated(broken, `${plural(lost, 'event')} lost, ${broken.length - lost} wrong${redelivered}: `)
}

function jobsDb(db2: Session | undefined): Session {
  if (!db2) throw new Error('payment-saga needs the jobs database (db2): the runner opens it for scenarios with a secondDatabase')
  return db2
}
