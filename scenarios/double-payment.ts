import { defineScenario, safeWhenStaleWritesFail, withRedisLock, safeUnlessHolderStalls, withRedlock, plural, wholeNumberIn } from '../src/scenario/building-blocks.js'
import { answerOnceUnderKey, storedAnswer } from './double-payment/idempotency-key.js'
import { accountOf, checkThenPay, lockJobAndAccounts, optimisticPayment, params, readJob, type Ctx, type PaymentRequest } from './double-payment/payments.js'
import { runSaga, SAGA_STEPS } from './double-payment/saga.js'
import { balancesByLedger, offTheLedger, overdrawn } from './double-payment/ledger.js'
import { lockInRequestOrder, payUnderLocks } from './double-payment/unordered.js'
import { appendPayment, everyLedgerSumsToItsBalance } from './double-payment/event-log.js'

/**
 * The naive handler, wrapped in one transaction by --isolation, is saved wherever the engine refuses
 * the second of two concurrent updates of a row, since every payment of a job updates its client's
 * row. PostgreSQL does from REPEATABLE READ up ("could not serialize access due to concurrent update":
 * 15 conflicts and no double payment on one job). InnoDB only at SERIALIZABLE, where plain reads take
 * shared locks and the two payments deadlock; at REPEATABLE READ its UPDATE acts on the latest row
 * whatever the snapshot, and jobs are paid twice (measured 10 of 10 runs).
 */
const safeWhereTheEngineRefusesTheSecondUpdate = safeWhenStaleWritesFail

/** The Redis lock's name: the paying client, since every payment of a job debits its client. */
async function clientLock(ctx: Ctx): Promise<string> {
  return `client:${(await readJob(ctx)).clientId}`
}

type AccountRow = { id: number; kind: string; balance: number; opening_balance: number }

/**
 * `job 17 request 35`, or the part an invariant names (`job 17`), or an account the money invariants
 * name (`client 3`, `contractor 5`: see AccountKey).
 */
function showPaymentKey(key: Partial<PaymentRequest & { client: number; contractor: number }>): string {
  const fields = [['job', key.job], ['request', key.request], ['client', key.client], ['contractor', key.contractor]] as const
  return fields.flatMap(([name, value]) => (value === undefined ? [] : [`${name} ${value}`])).join(' ')
}

const TIMES = ['', 'once', 'twice']

/** `paid 3 times (requests 28, 29, 28)`: a job's payments, in the order they were made. */
function paidTimes(requests: readonly number[]): string {
  return `paid ${requests.length} times (requests ${requests.join(', ')})`
}

/** [28, 29, 28] → ": twice by request 28, once by request 29": a re-sent copy that paid again shows. */
function byRequest(requests: readonly number[]): string {
  const counts = new Map<number, number>()
  for (const request of requests) counts.set(request, (counts.get(request) ?? 0) + 1)
  if (counts.size === 1) return `, each by request ${requests[0]}`
  return `: ${[...counts].map(([request, n]) => `${TIMES[n] ?? `${n} times`} by request ${request}`).join(', ')}`
}

type SagaRow = { id: string; request_id: number; job_id: number; status: string; steps_done: number; steps_undone: number }

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
    ...wholeNumberIn('jobs', p.jobs, 1, 10_000),
    ...wholeNumberIn('clients', p.clients, 1, 10_000),
    ...wholeNumberIn('contractors', p.contractors, 1, 10_000),
    ...wholeNumberIn('price', p.price, 1, 1_000_000),
    ...wholeNumberIn('funds', p.funds, 0, 1_000_000),
    ...(p.failRate >= 0 && p.failRate <= 1 ? [] : [`--param failRate must be from 0 to 1, got ${p.failRate}`]),
  ],
  pickKey: (rng, p): PaymentRequest => {
    const job = 1 + rng.int(p.jobs)
    return { job, request: job * 2 + rng.int(2) }
  },
  showKey: showPaymentKey,

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
    'pessimistic-unordered': {
      summary: 'As pessimistic, but the two accounts locked in the order the request names them, with a pause between: crossing payments deadlock and are retried.',
      // Safe like pessimistic: it checks only rows it has locked. A deadlock rolls one payment back
      // whole, and ctx.retry runs it again (errorsByClass.deadlock, retries). See unordered.ts.
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) => ctx.retry(() => ctx.transaction(async () => payUnderLocks(ctx, await lockInRequestOrder(ctx)))),
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
    'event-log': {
      summary: "Read the client's ledger, check, pause, then append debit and credit at the next versions (UNIQUE account, version); a stale version is retried.",
      // Safe: the append at the version read fails if anything was appended since. The same
      // transaction keeps the balances, the job and the payments as the ledger's projection.
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) => ctx.retry(() => appendPayment(ctx)),
    },
    'redis-lock': {
      summary: "A Redis lease lock on the paying client (SET NX PX, compare-and-delete), then check and pay, committed inside it.",
      // Safe while every operation finishes within --lock-ttl; a lease that expires first lets a second worker in.
      expect: safeUnlessHolderStalls,
      requires: ['redis'],
      // The lock must outlive the commit, or the next holder could check before the payment is visible.
      ownsTransaction: true,
      run: async (ctx) => withRedisLock(ctx, await clientLock(ctx), () => ctx.transaction(async () => checkThenPay(ctx, await readJob(ctx)))),
    },
    redlock: {
      notReplayable: "Redlock's per-node timeouts count wall time, so a SET held back for its turn would count as a node that did not answer",
      summary: 'Redlock over every --redis node (a quorum of SET NX PX grants with time left, released on all) on the paying client, then check and pay.',
      // As redis-lock: safe while every operation finishes within --lock-ttl, now with a minority of nodes down.
      expect: safeUnlessHolderStalls,
      requires: ['redis'],
      ownsTransaction: true,
      run: async (ctx) => withRedlock(ctx, await clientLock(ctx), () => ctx.transaction(async () => checkThenPay(ctx, await readJob(ctx)))),
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
      return { held: false, detail: worst.join('; ') + more, broken: twice.map(([job, requests]) => ({ key: { job }, detail: paidTimes(requests) })) }
    },
    'the sum of all balances never changes': async ({ db }) => {
      const { rows } = await db.query<AccountRow>('SELECT id, kind, balance, opening_balance FROM accounts')
      const now = rows.reduce((sum, row) => sum + row.balance, 0)
      const before = rows.reduce((sum, row) => sum + row.opening_balance, 0)
      if (now === before) return { held: true, detail: `the ${plural(rows.length, 'balance')} sum to ${now}, as they did at the start` }
      const drift = now > before ? `${now - before} more` : `${before - now} less`
      // The sum says money appeared or vanished; the ledger says where.
      const broken = offTheLedger(await balancesByLedger(db))
      return { held: false, detail: `the balances sum to ${now}, ${drift} than the ${before} they held at the start`, broken }
    },
    'no balance negative': async ({ db }) => {
      const { rows } = await db.query<AccountRow>('SELECT id, kind, balance, opening_balance FROM accounts ORDER BY balance, id')
      const negative = rows.filter((row) => row.balance < 0)
      if (negative.length === 0) return { held: true, detail: `${plural(rows.length, 'balance')} checked, the lowest is ${rows[0]?.balance ?? 0}` }
      const worst = negative.slice(0, 3).map((row) => `${row.kind} ${row.id}'s balance is ${row.balance}`)
      const more = negative.length > 3 ? ` (${negative.length} accounts overdrawn in all)` : ''
      return { held: false, detail: worst.join('; ') + more, broken: overdrawn(await balancesByLedger(db)) }
    },
    'every ledger sums to its balance': everyLedgerSumsToItsBalance,
    'every saga completed or fully compensated': async ({ db }) => {
      const { rows } = await db.query<SagaRow>('SELECT id, request_id, job_id, status, steps_done, steps_undone FROM sagas ORDER BY id')
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
      // A saga runs one payment request: its key is the operation's own.
      const broken = unfinished.map((row) => ({ key: { job: row.job_id, request: row.request_id }, detail: unfinishedSaga(row) ?? '' }))
      return { held: false, detail: worst.join('; ') + more, broken }
    },
  },
})
