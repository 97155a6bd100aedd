import { plural, type Session } from '../../src/scenario/building-blocks.js'

export type Status = 'PENDING' | 'PROCESSING' | 'COMPLETED' | 'FAILED'
export const FINISHED: readonly string[] = ['COMPLETED', 'FAILED']
/** The allowed transition graph; anything else applied to a row is a violation. */
const ALLOWED: ReadonlySet<string> = new Set(['PENDING>PROCESSING', 'PROCESSING>COMPLETED', 'PROCESSING>FAILED'])

type AuditRow = { readonly document_id: number; readonly from_status: string; readonly to_status: string }
type DocumentRow = { readonly id: number; readonly status: string }
/** One applied transition as it really happened: `from` is the status the row had, not what the code believed. */
type Applied = { readonly from: string; readonly to: string; readonly believed: string }
type Trail = { readonly id: number; readonly status: string; readonly applied: readonly Applied[] }
type Verdict = { held: boolean; detail: string; broken: { key: number; detail: string }[] }

/**
 * Replays each document's audit rows in the order they were applied: every row starts from the
 * status the previous one left (PENDING at first), whatever the code that wrote it believed.
 */
export async function readTrails(db: Session): Promise<Trail[]> {
  const documents = (await db.query<DocumentRow>('SELECT id, status FROM documents ORDER BY id')).rows
  const audit = (await db.query<AuditRow>('SELECT document_id, from_status, to_status FROM status_audit ORDER BY id')).rows
  return documents.map((document) => {
    let current = 'PENDING'
    const applied: Applied[] = []
    for (const row of audit.filter((r) => Number(r.document_id) === Number(document.id))) {
      applied.push({ from: current, to: row.to_status, believed: row.from_status })
      current = row.to_status
    }
    return { id: Number(document.id), status: document.status, applied }
  })
}

function verdict(found: { key: number; detail: string }[], total: number, held: string): Verdict {
  if (found.length === 0) return { held: true, detail: held, broken: [] }
  const worst = found.slice(0, 3).map((b) => `document ${b.key}: ${b.detail}`)
  const more = found.length > 3 ? ` (${found.length} of ${plural(total, 'document')} in all)` : ''
  return { held: false, detail: worst.join('; ') + more, broken: found }
}

/** `document 7: COMPLETED → FAILED applied (the code believed PROCESSING → FAILED)`. */
export function onlyAllowedTransitions(trails: readonly Trail[]): Verdict {
  const found: { key: number; detail: string }[] = []
  let count = 0
  for (const trail of trails) {
    count += trail.applied.length
    const last = trail.applied.at(-1)?.to ?? 'PENDING'
    const illegal = trail.applied.find((a) => !ALLOWED.has(`${a.from}>${a.to}`))
    if (illegal) {
      const belief = illegal.believed !== illegal.from ? ` (the code believed ${illegal.believed} → ${illegal.to})` : ''
      found.push({ key: trail.id, detail: `${illegal.from} → ${illegal.to} applied${belief}` })
    } else if (last !== trail.status) {
      found.push({ key: trail.id, detail: `status ${trail.status}, but its audit trail ends at ${last}` })
    }
  }
  return verdict(found, trails.length, `${plural(count, 'audited transition')} on ${plural(trails.length, 'document')}, all allowed and matching the final status`)
}

/** `document 7: COMPLETED, then changed to FAILED`. */
export function finishedNeverChanges(trails: readonly Trail[]): Verdict {
  const found: { key: number; detail: string }[] = []
  for (const trail of trails) {
    const index = trail.applied.findIndex((a) => FINISHED.includes(a.to))
    const after = index >= 0 ? trail.applied[index + 1] : undefined
    if (after) found.push({ key: trail.id, detail: `${trail.applied[index]!.to}, then changed to ${after.to}` })
  }
  const finished = trails.filter((t) => FINISHED.includes(t.status)).length
  return verdict(found, trails.length, `${finished} of ${plural(trails.length, 'document')} finished, none changed afterwards`)
}

/** `document 7: picked up for processing 2 times`. */
export function processedOnce(trails: readonly Trail[]): Verdict {
  const found: { key: number; detail: string }[] = []
  for (const trail of trails) {
    const pickups = trail.applied.filter((a) => a.to === 'PROCESSING').length
    if (pickups > 1) found.push({ key: trail.id, detail: `picked up for processing ${pickups} times` })
  }
  const picked = trails.filter((t) => t.applied.some((a) => a.to === 'PROCESSING')).length
  return verdict(found, trails.length, `${picked} of ${plural(trails.length, 'document')} picked up, each once`)
}
