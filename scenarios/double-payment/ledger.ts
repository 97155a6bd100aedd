// The accounts beside the payments ledger: which balances the money invariants find off, and why.
import { type Session, plural } from '../../src/scenario/building-blocks.js'

type AccountRow = { id: number; kind: 'client' | 'contractor'; balance: number; opening_balance: number }
type LedgerRow = { client_id: number; contractor_id: number; amount: number }

/** An account as a broken key names it (`client 3`, `contractor 5`): no operation's key is an account. */
export type AccountKey = { readonly client: number } | { readonly contractor: number }

/** An account's final balance, and what the payments recorded say it should be. */
export interface LedgerBalance {
  readonly key: AccountKey
  readonly id: number
  readonly kind: 'client' | 'contractor'
  readonly balance: number
  readonly opening: number
  /** The opening balance, less what it paid and plus what it was paid, per the `payments` table. */
  readonly expected: number
  /** What the ledger says it paid out, and in how many payments. */
  readonly paidOut: number
  readonly payments: number
}

/**
 * Every account with the balance the ledger gives it. A payment is recorded last, after its debit
 * and credit (in the saga too), so an account whose balance differs from its ledger balance was
 * touched by a payment that never finished and was never undone: money created or destroyed there.
 */
export async function balancesByLedger(db: Session): Promise<LedgerBalance[]> {
  const { rows: accounts } = await db.query<AccountRow>('SELECT id, kind, balance, opening_balance FROM accounts ORDER BY id')
  const { rows: ledger } = await db.query<LedgerRow>('SELECT j.client_id, j.contractor_id, p.amount FROM payments p JOIN jobs j ON j.id = p.job_id')
  const moved = new Map<number, { in: number; out: number; payments: number }>()
  const of = (id: number) => moved.get(id) ?? moved.set(id, { in: 0, out: 0, payments: 0 }).get(id)!
  for (const { client_id, contractor_id, amount } of ledger) {
    const client = of(client_id)
    client.out += amount
    client.payments++
    of(contractor_id).in += amount
  }
  return accounts.map((row) => {
    const { in: paidIn, out, payments } = moved.get(row.id) ?? { in: 0, out: 0, payments: 0 }
    const key = row.kind === 'client' ? { client: row.id } : { contractor: row.id }
    return { key, id: row.id, kind: row.kind, balance: row.balance, opening: row.opening_balance, expected: row.opening_balance - out + paidIn, paidOut: out, payments }
  })
}

/** The accounts whose balance the ledger does not explain, the furthest off first: `balance 800, the ledger says 900`. */
export function offTheLedger(accounts: readonly LedgerBalance[]): { key: AccountKey; detail: string }[] {
  return accounts
    .filter((account) => account.balance !== account.expected)
    .sort((a, b) => Math.abs(b.balance - b.expected) - Math.abs(a.balance - a.expected) || a.id - b.id)
    .map((account) => ({ key: account.key, detail: `balance ${account.balance}, the ledger says ${account.expected}` }))
}

/** The overdrawn accounts, the lowest first: `balance -200: paid out 1100 from 900 (11 payments)`. */
export function overdrawn(accounts: readonly LedgerBalance[]): { key: AccountKey; detail: string }[] {
  return accounts
    .filter((account) => account.balance < 0)
    .sort((a, b) => a.balance - b.balance || a.id - b.id)
    .map((account) => ({
      key: account.key,
      detail: account.payments > 0 ? `balance ${account.balance}: paid out ${account.paidOut} from ${account.opening} (${plural(account.payments, 'payment')})` : `balance ${account.balance}`,
    }))
}
