// The event-log strategy: an append-only ledger per account, appended at an expected version.
import { classifyError, Conflict, plural, type Session } from '../../src/scenario/building-blocks.js'
import type { AccountKey } from './ledger.js'
import { pay, readJob, type Ctx, type Job } from './payments.js'

const STREAM = 'SELECT version, amount, job_id FROM account_entries WHERE account_id = $1 ORDER BY version'
const APPEND = 'INSERT INTO account_entries (account_id, version, amount, job_id, request_id) VALUES ($1, $2, $3, $4, $5)'

/** An account's stream folded: its last version, its balance (the entries' sum), the jobs it paid. */
interface Stream {
  readonly version: number
  readonly balance: number
  readonly paidJobs: ReadonlySet<number>
}

type EntryRow = { version: number; amount: number; job_id: number | null }

async function readStream(db: Session, account: number): Promise<Stream> {
  const { rows } = await db.query<EntryRow>(STREAM, [account])
  // Summed here, not in SQL: SUM comes back as a string from both drivers (bigint, DECIMAL).
  return {
    version: rows.at(-1)?.version ?? -1,
    balance: rows.reduce((sum, row) => sum + row.amount, 0),
    paidJobs: new Set(rows.filter((row) => row.amount < 0 && row.job_id !== null).map((row) => row.job_id as number)),
  }
}

/** Appends at `version`; another writer's entry there already means what was read is stale: a conflict. */
async function append(ctx: Ctx, account: number, version: number, amount: number, job: Job): Promise<void> {
  try {
    await ctx.db.query(APPEND, [account, version, amount, job.id, ctx.key.request])
  } catch (error) {
    if (classifyError(error) !== 'unique') throw error
    throw new Conflict(`account ${account}'s ledger already has version ${version}: it moved since it was read`)
  }
}

/**
 * Reads the client's stream (no transaction, no lock), decides from it alone, pauses, then appends
 * the debit at the version after the one read. The client's stream is the job's truth too: the job
 * is paid when its debit is in it. If another payment appended first, UNIQUE (account_id, version)
 * refuses the append and the whole payment is retried from a fresh read. The contractor's credit is
 * appended the same way, read inside the transaction. In that same transaction the strategy keeps
 * the `accounts`, `jobs` and `payments` rows as a projection of the ledger, so the scenario's
 * money invariants check it like every other strategy, and 'every ledger sums to its balance'
 * checks the projection against the ledger.
 */
export async function appendPayment(ctx: Ctx): Promise<'ok' | 'rejected'> {
  const job = await readJob(ctx)
  const client = await readStream(ctx.db, job.clientId)
  if (client.paidJobs.has(job.id) || client.balance < job.amount) return 'rejected'
  await ctx.think()
  return ctx.transaction(async () => {
    await append(ctx, job.clientId, client.version + 1, -job.amount, job)
    const contractor = await readStream(ctx.db, job.contractorId)
    await append(ctx, job.contractorId, contractor.version + 1, job.amount, job)
    await pay(ctx, job)
    return 'ok' as const
  })
}

type LedgerSum = { id: number; kind: string; balance: number; entries: number; sum: number }

/** Each account's balance beside its ledger's sum; `appended` counts entries past the opening ones. */
export async function ledgerSums(db: Session): Promise<{ accounts: LedgerSum[]; appended: number }> {
  const { rows: accounts } = await db.query<{ id: number; kind: string; balance: number }>('SELECT id, kind, balance FROM accounts ORDER BY id')
  const { rows: entries } = await db.query<{ account_id: number; amount: number }>('SELECT account_id, amount FROM account_entries')
  const sums = new Map<number, { sum: number; entries: number }>()
  for (const { account_id, amount } of entries) {
    const total = sums.get(account_id) ?? { sum: 0, entries: 0 }
    sums.set(account_id, { sum: total.sum + amount, entries: total.entries + 1 })
  }
  const appended = entries.length - accounts.length
  return { appended, accounts: accounts.map((row) => ({ ...row, ...(sums.get(row.id) ?? { sum: 0, entries: 0 }) })) }
}

/** The invariant: only meaningful once the event-log strategy appended (others keep no ledger). */
export async function everyLedgerSumsToItsBalance({ db }: { db: Session }) {
  const { accounts, appended } = await ledgerSums(db)
  if (appended === 0) return { held: true, detail: 'no ledger entry appended (only the event-log strategy keeps the ledger)' }
  const off = accounts.filter((row) => row.sum !== row.balance)
  if (off.length === 0) return { held: true, detail: `${plural(appended, 'entry', 'entries')} appended; every balance is its ledger's sum` }
  const show = (row: LedgerSum) => `balance ${row.balance}, its ledger (${plural(row.entries, 'entry', 'entries')}) sums to ${row.sum}`
  return {
    held: false,
    detail: off.slice(0, 3).map((row) => `${row.kind} ${row.id}'s ${show(row)}`).join('; '),
    broken: off.map((row) => ({ key: (row.kind === 'client' ? { client: row.id } : { contractor: row.id }) as AccountKey, detail: show(row) })),
  }
}
