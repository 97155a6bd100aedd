import { defineScenario, Conflict, type StrategyContext, type StrategyEnvironment, type StrategyOutcome } from '../src/scenario/define-scenario.js'
import { createRng } from '../src/runner/rng.js'
import { withRedisLock } from '../src/strategy/redis-lock.js'

const params = { jobs: 20, clients: 4, contractors: 4, price: 100, funds: 300, failRate: 0 }
/** One payment request: job n can be paid by request 2n or 2n + 1, and clients re-send both. */
type PaymentRequest = { readonly job: number; readonly request: number }
type Ctx = StrategyContext<typeof params, PaymentRequest>

interface Job {
  readonly id: number
  readonly clientId: number
  readonly contractorId: number
  readonly amount: number
  readonly paid: boolean
}

type JobRow = { client_id: number; contractor_id: number; amount: number; status: string }

/**
 * The naive handler, wrapped in one transaction by --isolation, is saved wherever the engine refuses
 * the second of two concurrent updates of a row, since every payment of a job updates its client's
 * row. PostgreSQL does from REPEATABLE READ up ("could not serialize access due to concurrent update":
 * 15 conflicts and no double payment on one job). InnoDB only at SERIALIZABLE, where plain reads take
 * shared locks and the two payments deadlock; at REPEATABLE READ its UPDATE acts on the latest row
 * whatever the snapshot, and jobs are paid twice (measured 10 of 10 runs).
 */
const safeWhereTheEngineRefusesTheSecondUpdate = ({ dialect, isolation, oneTransaction }: StrategyEnvironment) =>
  oneTransaction && (isolation === 'serializable' || (dialect === 'postgres' && isolation === 'repeatable-read')) ? 'safe' : 'unsafe'

const JOB = 'SELECT client_id, contractor_id, amount, status FROM jobs WHERE id = $1'
const LOCK_JOB = `${JOB} FOR UPDATE`
const LOCK_ACCOUNT = 'SELECT id FROM accounts WHERE id = $1 FOR UPDATE'
const ACCOUNT = 'SELECT balance, version FROM accounts WHERE id = $1'
const DEBIT = 'UPDATE accounts SET balance = balance - $2, version = version + 1 WHERE id = $1'
const CREDIT = 'UPDATE accounts SET balance = balance + $2, version = version + 1 WHERE id = $1'
const MARK_PAID = `UPDATE jobs SET status = 'paid' WHERE id = $1`
const RECORD_PAYMENT = 'INSERT INTO payments (job_id, request_id, amount) VALUES ($1, $2, $3)'

/** Compare-and-set writes: 0 rows means someone else got there first. */
const MARK_PAID_IF_OPEN = `UPDATE jobs SET status = 'paid' WHERE id = $1 AND status = 'open'`
const DEBIT_IF_UNCHANGED = 'UPDATE accounts SET balance = balance - $2, version = version + 1 WHERE id = $1 AND version = $3'
const DEBIT_IF_COVERED = 'UPDATE accounts SET balance = balance - $2, version = version + 1 WHERE id = $1 AND balance >= $2'

async function readJob(ctx: Ctx, sql = JOB): Promise<Job> {
  const { rows } = await ctx.db.query<JobRow>(sql, [ctx.key.job])
  const row = rows[0]
  if (!row) throw new Error(`job ${ctx.key.job} does not exist`)
  return { id: ctx.key.job, clientId: row.client_id, contractorId: row.contractor_id, amount: row.amount, paid: row.status === 'paid' }
}

async function accountOf(ctx: Ctx, id: number): Promise<{ balance: number; version: number }> {
  const { rows } = await ctx.db.query<{ balance: number; version: number }>(ACCOUNT, [id])
  const row = rows[0]
  if (!row) throw new Error(`account ${id} does not exist`)
  return row
}

async function recordPayment({ db, key }: Ctx, job: Job): Promise<void> {
  await db.query(RECORD_PAYMENT, [job.id, key.request, job.amount])
}

/** The four writes of a payment, each on its own: debit, credit, mark the job paid, record it. */
async function pay(ctx: Ctx, job: Job): Promise<void> {
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
async function checkThenPay(ctx: Ctx, job: Job): Promise<'ok' | 'rejected'> {
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
async function lockJobAndAccounts(ctx: Ctx): Promise<Job> {
  const job = await readJob(ctx, LOCK_JOB)
  for (const id of [job.clientId, job.contractorId].sort((a, b) => a - b)) await ctx.db.query(LOCK_ACCOUNT, [id])
  return job
}

/** Pays by compare-and-set: the job must still be open and the client's balance at the version read. */
async function optimisticPayment(ctx: Ctx): Promise<StrategyOutcome> {
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

const CLAIM_KEY = {
  postgres: 'INSERT INTO idempotency_keys (request_id, job_id) VALUES ($1, $2) ON CONFLICT (request_id) DO NOTHING',
  mysql: 'INSERT IGNORE INTO idempotency_keys (request_id, job_id) VALUES ($1, $2)',
} as const
const STORE_RESPONSE = 'UPDATE idempotency_keys SET outcome = $2, response = $3 WHERE request_id = $1'
const STORED_RESPONSE = 'SELECT outcome, response FROM idempotency_keys WHERE request_id = $1'

/** What a payment request answers, and what the idempotency key stores to answer its copies. */
interface Answer {
  readonly outcome: 'ok' | 'rejected'
  readonly response: string
}

/**
 * Claims the request's key, pays or refuses, and stores the answer, all in one transaction: a key
 * exists exactly when its request's answer does. A re-sent copy's claim waits on the unique key until
 * the original commits, then finds it taken (undefined: answer from the store), or takes it if the
 * original rolled back.
 */
async function answerOnceUnderKey(ctx: Ctx): Promise<'ok' | 'rejected' | undefined> {
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
async function payIfOpenAndCovered(ctx: Ctx, job: Job): Promise<Answer> {
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
async function storedAnswer(ctx: Ctx): Promise<'ok' | 'rejected'> {
  const { rows } = await ctx.db.query<Answer>(STORED_RESPONSE, [ctx.key.request])
  const answer = rows[0]
  if (!answer) throw new Error(`request ${ctx.key.request}'s key was taken but holds no answer`)
  ctx.note('stored response replayed', `request ${ctx.key.request} was answered from its stored response: ${answer.response}`)
  return answer.outcome
}

/**
 * The business said no in a saga step, whose transaction must roll back. Caught outside it: the
 * saga compensates and answers `rejected`.
 */
class Refused extends Error {
  override readonly name = 'Refused'
}

/** One step of the payment saga: its own transaction, and the one that undoes it. */
interface SagaStep {
  readonly name: string
  run(ctx: Ctx, job: Job): Promise<void>
  /** Absent on the last step: no step after it can fail and call for its undoing. */
  undo?(ctx: Ctx, job: Job): Promise<void>
}

const SAGA_STEPS: readonly SagaStep[] = [
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

const START_SAGA = 'INSERT INTO sagas (id, request_id, job_id) VALUES ($1, $2, $3)'
const STEP_DONE = 'UPDATE sagas SET steps_done = steps_done + 1, status = $2 WHERE id = $1'
const STEP_UNDONE = 'UPDATE sagas SET steps_undone = steps_undone + 1 WHERE id = $1'
const SAGA_COMPENSATED = `UPDATE sagas SET status = 'COMPENSATED', failure = $2 WHERE id = $1`

/** A step failing at random, `failRate` of the time, so compensation runs. */
class InjectedFailure extends Error {
  override readonly name = 'InjectedFailure'
}

/**
 * Whether `failRate` makes this step fail. The context has no seeded generator, so the choice is
 * drawn from one seeded by what is: the worker, its operation number, and the request the seeded
 * key generator drew. The same --seed draws the same requests, so it fails the same steps.
 */
function failsAt(ctx: Ctx, step: number): boolean {
  return createRng(ctx.worker * 1_000_003 + ctx.iteration, ctx.key.request * SAGA_STEPS.length + step).next() < ctx.params.failRate
}

/**
 * Runs the payment as a saga: each step its own transaction, logged with it; when one fails, the steps
 * already done are undone in reverse, each in its own transaction too. Compensations retry conflicts;
 * one that still fails leaves the saga STARTED, which the saga invariant reports.
 */
async function runSaga(ctx: Ctx, job: Job): Promise<'ok' | 'rejected'> {
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

async function compensate(ctx: Ctx, saga: string, job: Job, done: readonly SagaStep[], failure: string): Promise<void> {
  for (const step of [...done].reverse()) {
    await ctx.retry(() =>
      ctx.transaction(async () => {
        await step.undo?.(ctx, job)
        await ctx.db.query(STEP_UNDONE, [saga])
      }),
    )
  }
  await ctx.db.query(SAGA_COMPENSATED, [saga, failure])
  if (done.length > 0) ctx.note('saga compensated', `saga ${saga} for job ${job.id} undid ${done.length} ${done.length === 1 ? 'step' : 'steps'} after: ${failure}`)
}

/** The Redis lock's name: the paying client, since every payment of a job debits its client. */
async function clientLock(ctx: Ctx): Promise<string> {
  return `client:${(await readJob(ctx)).clientId}`
}

type AccountRow = { id: number; kind: string; balance: number; opening_balance: number }
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`

const TIMES = ['', 'once', 'twice']

/** [28, 29, 28] → ": twice by request 28, once by request 29": a re-sent copy that paid again shows. */
function byRequest(requests: readonly number[]): string {
  const counts = new Map<number, number>()
  for (const request of requests) counts.set(request, (counts.get(request) ?? 0) + 1)
  if (counts.size === 1) return `, each by request ${requests[0]}`
  return `: ${[...counts].map(([request, n]) => `${TIMES[n] ?? `${n} times`} by request ${request}`).join(', ')}`
}

type SagaRow = { id: string; job_id: number; status: string; steps_done: number; steps_undone: number }

/** What is wrong with a saga's final state, or undefined if it completed or was fully compensated. */
function unfinishedSaga(row: SagaRow): string | undefined {
  const saga = `saga ${row.id} for job ${row.job_id}`
  const steps = SAGA_STEPS.length
  if (row.status === 'STARTED') return `${saga} stopped after ${row.steps_done} of ${steps} steps, with ${row.steps_undone} undone`
  if (row.status === 'COMPLETED' && (row.steps_done !== steps || row.steps_undone > 0)) {
    return `${saga} is marked completed after ${row.steps_done} of ${steps} steps, with ${row.steps_undone} undone`
  }
  if (row.status === 'COMPENSATED' && row.steps_undone !== row.steps_done) {
    return `${saga} is marked compensated but undid ${row.steps_undone} of the ${row.steps_done} steps it did`
  }
  return undefined
}

export default defineScenario({
  name: 'double-payment',
  summary: 'Clients pay contractors for jobs: two requests per job, each re-sent, race to debit, credit and mark it paid.',
  story:
    'A marketplace paid contractors when clients approved their jobs: debit the client, credit the contractor, mark ' +
    'the job paid. A job could be approved twice (two payment requests), and mobile clients re-sent requests that ' +
    'timed out. Under load both requests and their copies passed the "not paid yet, funds suffice" check: jobs were ' +
    'paid twice and clients overdrawn. Paying once needs the check and the writes made atomic, and a re-sent request ' +
    'told it already paid rather than refused.',
  schema: 'double-payment.sql',
  params,
  validate: (p) => [
    ...(['jobs', 'clients', 'contractors'] as const)
      .filter((name) => !Number.isInteger(p[name]) || p[name] < 1 || p[name] > 10_000)
      .map((name) => `--param ${name} must be a whole number from 1 to 10000, got ${p[name]}`),
    ...(['price', 'funds'] as const)
      .filter((name) => !Number.isInteger(p[name]) || p[name] < (name === 'price' ? 1 : 0) || p[name] > 1_000_000)
      .map((name) => `--param ${name} must be a whole number from ${name === 'price' ? 1 : 0} to 1000000, got ${p[name]}`),
    ...(p.failRate >= 0 && p.failRate <= 1 ? [] : [`--param failRate must be from 0 to 1, got ${p.failRate}`]),
  ],
  pickKey: (rng, p): PaymentRequest => {
    const job = 1 + rng.int(p.jobs)
    return { job, request: job * 2 + rng.int(2) }
  },

  strategies: {
    none: {
      summary: 'Read the job and the balance, refuse if paid or short, pause, then debit, credit, mark paid: each on its own.',
      expect: safeWhereTheEngineRefusesTheSecondUpdate,
      run: async (ctx) => checkThenPay(ctx, await readJob(ctx)),
    },
    pessimistic: {
      summary: 'In a transaction, SELECT … FOR UPDATE the job, then both accounts by ascending id, then check and pay.',
      // Measured safe at every isolation on both engines: the check reads only the rows it has locked.
      // From REPEATABLE READ up, PostgreSQL refuses to lock a row changed since the transaction's
      // snapshot (a serialization failure: a conflict); InnoDB's locking read takes the latest row.
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) =>
        ctx.transaction(async () => {
          const job = await ctx.lockWait(() => lockJobAndAccounts(ctx))
          return checkThenPay(ctx, job)
        }),
    },
    optimistic: {
      summary: "Read the job and the client's version, check, then pay if the job is still open and the version unchanged; else retry.",
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) => ctx.retry(() => optimisticPayment(ctx)),
    },
    'idempotency-key': {
      summary: "Claim the request's key, lock the job, pay or refuse and store the answer in one transaction; a copy gets the stored answer.",
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) => ctx.retry(async () => (await ctx.transaction(() => answerOnceUnderKey(ctx))) ?? storedAnswer(ctx)),
    },
    saga: {
      summary: 'Debit, credit, mark paid: each step its own transaction, undone in reverse when a later one fails (--param failRate).',
      // Measured: every saga ends completed or compensated and money is conserved, but jobs are paid
      // twice (20 of 20 runs on one job on each engine; at every isolation tried). A saga gives all-or-nothing,
      // not isolation: two sagas for one job both pass the check. Marking the job paid only if still
      // open, and failing the step otherwise so the loser compensates, held in every run: a semantic
      // lock, a countermeasure beyond the saga itself.
      expect: 'unsafe',
      ownsTransaction: true,
      // The orchestrator validates the request before it starts a saga, as the naive handler checks
      // before it pays; the pause falls between that check and the saga's steps.
      run: async (ctx) => {
        const job = await readJob(ctx)
        if (job.paid || (await accountOf(ctx, job.clientId)).balance < job.amount) return 'rejected'
        await ctx.think()
        return runSaga(ctx, job)
      },
    },
    'redis-lock': {
      summary: "A Redis lease lock on the paying client (SET NX PX, compare-and-delete), then check and pay, committed inside it.",
      // Safe while every operation finishes within --lock-ttl; a lease that expires first lets a second worker in.
      expect: 'safe',
      requires: ['redis'],
      // The lock must outlive the commit, or the next holder could check before the payment is visible.
      ownsTransaction: true,
      run: async (ctx) => withRedisLock(ctx, await clientLock(ctx), () => ctx.transaction(async () => checkThenPay(ctx, await readJob(ctx)))),
    },
  },

  invariants: {
    'each job paid at most once': async ({ db }) => {
      const { rows } = await db.query<{ job_id: number; request_id: number }>('SELECT job_id, request_id FROM payments ORDER BY job_id, id')
      const requestsByJob = new Map<number, number[]>()
      for (const row of rows) requestsByJob.set(row.job_id, [...(requestsByJob.get(row.job_id) ?? []), row.request_id])
      const twice = [...requestsByJob].filter(([, requests]) => requests.length > 1).sort(([, a], [, b]) => b.length - a.length)
      if (twice.length === 0) return { held: true, detail: `${plural(requestsByJob.size, 'job')} paid, none twice` }
      const worst = twice.slice(0, 3).map(([job, requests]) => `job ${job} was paid ${requests.length} times${byRequest(requests)}`)
      const more = twice.length > 3 ? ` (${twice.length} jobs paid more than once in all)` : ''
      return { held: false, detail: worst.join('; ') + more }
    },
    'the sum of all balances never changes': async ({ db }) => {
      const { rows } = await db.query<AccountRow>('SELECT id, kind, balance, opening_balance FROM accounts')
      const now = rows.reduce((sum, row) => sum + row.balance, 0)
      const before = rows.reduce((sum, row) => sum + row.opening_balance, 0)
      if (now === before) return { held: true, detail: `the ${plural(rows.length, 'balance')} sum to ${now}, as they did at the start` }
      const drift = now > before ? `${now - before} more` : `${before - now} less`
      return { held: false, detail: `the balances sum to ${now}, ${drift} than the ${before} they held at the start` }
    },
    'no balance negative': async ({ db }) => {
      const { rows } = await db.query<AccountRow>('SELECT id, kind, balance, opening_balance FROM accounts ORDER BY balance, id')
      const negative = rows.filter((row) => row.balance < 0)
      if (negative.length === 0) return { held: true, detail: `${plural(rows.length, 'balance')} checked, the lowest is ${rows[0]?.balance ?? 0}` }
      const worst = negative.slice(0, 3).map((row) => `${row.kind} ${row.id}'s balance is ${row.balance}`)
      const more = negative.length > 3 ? ` (${negative.length} accounts overdrawn in all)` : ''
      return { held: false, detail: worst.join('; ') + more }
    },
    'every saga completed or fully compensated': async ({ db }) => {
      const { rows } = await db.query<SagaRow>('SELECT id, job_id, status, steps_done, steps_undone FROM sagas ORDER BY id')
      if (rows.length === 0) return { held: true, detail: 'no saga was run (only the saga strategy runs them)' }
      const unfinished = rows.filter((row) => unfinishedSaga(row) !== undefined)
      if (unfinished.length === 0) {
        const completed = rows.filter((row) => row.status === 'COMPLETED').length
        const stoppedAtFirst = rows.filter((row) => row.status === 'COMPENSATED' && row.steps_done === 0).length
        const compensated = `${rows.length - completed} fully compensated (${stoppedAtFirst} of them failed at the first step, with nothing to undo)`
        return { held: true, detail: `${plural(rows.length, 'saga')}: ${completed} completed, ${compensated}` }
      }
      const worst = unfinished.slice(0, 3).map(unfinishedSaga)
      const more = unfinished.length > 3 ? ` (${unfinished.length} sagas unfinished in all)` : ''
      return { held: false, detail: worst.join('; ') + more }
    },
  },
})
