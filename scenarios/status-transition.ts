import { defineScenario, Conflict, type StrategyContext, safeWhenStaleWritesFail, wholeNumberIn } from '../src/scenario/building-blocks.js'
import { finishedNeverChanges, onlyAllowedTransitions, processedOnce, readTrails, type Status } from './status-transition/invariants.js'

const params = { documents: 5 }
type Ctx = StrategyContext<typeof params, number>
type Document = { readonly status: Status; readonly version: number }
type Step = { readonly from: Status; readonly to: Status }

/**
 * Even workers are the processor, which finishes a document as COMPLETED; odd workers are the second
 * service, retrying, which finishes it as FAILED. Both pick up a PENDING document first.
 */
const finishAs = ({ worker }: Ctx): Status => (worker % 2 === 0 ? 'COMPLETED' : 'FAILED')

/** The transition this worker would apply to a document it read as `status`; none once it is finished. */
function nextStep(ctx: Ctx, status: Status): Step | undefined {
  if (status === 'PENDING') return { from: status, to: 'PROCESSING' }
  if (status === 'PROCESSING') return { from: status, to: finishAs(ctx) }
  return undefined
}

/**
 * Read, check in code, write: loses whenever another write lands in between, unless the engine
 * refuses a write over a row changed since the read (as lost-update: PostgreSQL at REPEATABLE READ,
 * both engines at SERIALIZABLE, inside one transaction).
 */
const unsafeUnlessStaleWritesFail = safeWhenStaleWritesFail

const READ = 'SELECT status, version FROM documents WHERE id = $1'
const SET = 'UPDATE documents SET status = $2, version = version + 1 WHERE id = $1'
const IF_STATUS = ' AND status = $3'
const IF_VERSION = ' AND version = $3'

/**
 * The UPDATE (guarded or not) and its audit row in ONE statement, so that it is atomic whether or
 * not the runner wraps the operation in a transaction: PostgreSQL chains them in a WITH; on MySQL
 * the UPDATE sets who wrote and what they believed, and a trigger writes the audit row.
 */
function updateWithAudit(ctx: Ctx, step: Step, guard: string, guardValue: string | number | undefined) {
  const extra = guardValue === undefined ? [] : [guardValue]
  if (ctx.engine.writableCtes) {
    const sql =
      `WITH moved AS (${SET}${guard} RETURNING id) ` +
      `INSERT INTO status_audit (document_id, from_status, to_status, worker) SELECT id, $${3 + extra.length}, $2, $${4 + extra.length} FROM moved`
    return ctx.db.query(sql, [ctx.key, step.to, ...extra, step.from, ctx.worker])
  }
  const sql = `UPDATE documents SET status = $2, version = version + 1, believed_from = $${3 + extra.length}, changed_by = $${4 + extra.length} WHERE id = $1${guard}`
  return ctx.db.query(sql, [ctx.key, step.to, ...extra, step.from, ctx.worker])
}

async function readDocument({ db, key }: Ctx, suffix = ''): Promise<Document | undefined> {
  return (await db.query<Document>(READ + suffix, [key])).rows[0]
}

/** Applies `step` with its audit row; false when the guard matched no row (nothing written). */
async function apply(ctx: Ctx, step: Step, guard = '', guardValue?: string | number): Promise<boolean> {
  return ((await updateWithAudit(ctx, step, guard, guardValue)).rowCount ?? 0) > 0
}

/** Read, decide in code, pause (the work), then write with `write`; a finished document is refused. */
async function advance(ctx: Ctx, document: Document | undefined, write: (step: Step, document: Document) => Promise<'ok' | 'rejected'>) {
  if (!document) throw new Error(`document ${ctx.key} does not exist`)
  const step = nextStep(ctx, document.status)
  if (!step) return 'rejected' as const
  await ctx.think()
  return write(step, document)
}

const blind = (ctx: Ctx) => async (step: Step) => (await apply(ctx, step), 'ok' as const)

export default defineScenario({
  name: 'status-transition',
  summary: 'A processor moves documents PENDING → PROCESSING → COMPLETED while a retrying second service writes FAILED to the same rows.',
  story:
    'A document pipeline marked a document PROCESSING, worked on it and marked it COMPLETED, while a second service, ' +
    'retrying after a timeout, picked up the same document and marked it FAILED. Both wrote their status blindly or after ' +
    'checking it in code, so a COMPLETED document turned FAILED, documents were processed twice, and the audit trail ' +
    'showed transitions the state machine forbids. A conditional UPDATE (WHERE status = the expected one), a version ' +
    'column, a row lock, or claiming work with FOR UPDATE SKIP LOCKED lets exactly one writer make each transition.',
  schema: 'status-transition.sql',
  params,
  validate: (p) => wholeNumberIn('documents', p.documents, 1, 1_000),
  pickKey: (rng, p) => 1 + rng.int(p.documents),
  showKey: (id) => `document ${id}`,

  strategies: {
    none: {
      summary: 'Blind UPDATEs: set PROCESSING, work, set COMPLETED (or FAILED): the last writer wins, whatever the status was.',
      // Never reads the status, so it rewrites finished documents even with no race at all.
      expect: 'unsafe',
      run: async (ctx) => {
        await apply(ctx, { from: 'PENDING', to: 'PROCESSING' })
        await ctx.think()
        await apply(ctx, { from: 'PROCESSING', to: finishAs(ctx) })
        return 'ok'
      },
    },
    'check-then-update': {
      summary: 'SELECT the status, validate the transition in code, pause, UPDATE: two workers that read the same status both apply.',
      expect: unsafeUnlessStaleWritesFail,
      run: async (ctx) => advance(ctx, await readDocument(ctx), blind(ctx)),
    },
    'conditional-update': {
      summary: 'UPDATE … SET status = $next WHERE id = $1 AND status = $expected: 0 rows means another writer moved it first (rejected).',
      expect: 'safe',
      run: async (ctx) => advance(ctx, await readDocument(ctx), async (step) => ((await apply(ctx, step, IF_STATUS, step.from)) ? 'ok' : 'rejected')),
    },
    optimistic: {
      summary: 'Read status and version, pause, UPDATE … WHERE version = the one read; 0 rows is a conflict: back off, re-read, retry.',
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) =>
        ctx.retry(async () =>
          advance(ctx, await readDocument(ctx), async (step, document) => {
            // In a transaction of its own (so that --isolation applies to it), refused there as the 409.
            return ctx.transaction(async () => {
              if (!(await apply(ctx, step, IF_VERSION, document.version))) throw new Conflict(`document ${ctx.key} changed since version ${document.version} was read`)
              return 'ok' as const
            })
          }),
        ),
    },
    pessimistic: {
      summary: 'In a transaction, SELECT … FOR UPDATE the document, validate, pause, UPDATE and audit: writers of a document queue up.',
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) => ctx.transaction(async () => advance(ctx, await ctx.lockWait(() => readDocument(ctx, ' FOR UPDATE')), blind(ctx))),
    },
    'skip-locked': {
      summary: 'Claim the document like a job queue, SELECT … FOR UPDATE SKIP LOCKED: one another worker holds is skipped (rejected).',
      expect: 'safe',
      ownsTransaction: true,
      run: (ctx) =>
        ctx.transaction(async () => {
          const claimed = await ctx.lockWait(() => readDocument(ctx, ' FOR UPDATE SKIP LOCKED'))
          if (!claimed) return 'rejected'
          return advance(ctx, claimed, blind(ctx))
        }),
    },
  },

  invariants: {
    'only allowed transitions applied': async ({ db }) => onlyAllowedTransitions(await readTrails(db)),
    'a finished document never changes': async ({ db }) => finishedNeverChanges(await readTrails(db)),
    'each document processed once': async ({ db }) => processedOnce(await readTrails(db)),
  },
})
