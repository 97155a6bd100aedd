import { defineScenario, safeUnlessConnectionsDie, Conflict, type StrategyContext, safeWhenStaleWritesFail, type StrategyOutcome, plural, wholeNumberIn } from '../src/scenario/building-blocks.js'
import { describeWrongChunks, partiallyReadKeys, wrongChunks } from './duplicate-chunk-insert/verdicts.js'

const params = { documents: 10, chunks: 5, readers: 2 }
type Params = typeof params
/** The key is a document id: the job a worker was handed. */
type Ctx = StrategyContext<Params, number>
type Status = 'PENDING' | 'PROCESSING' | 'COMPLETED'
interface DocumentState {
  readonly status: Status
  readonly version: number
  readonly chunks: number
}

/**
 * Without a claim, one transaction per document makes its chunks appear all at once, but does not
 * stop a second worker from adding its own: its check read a snapshot in which the first worker had
 * not committed, and its UPDATE of the document then waits for that commit and goes on. Measured at
 * READ COMMITTED on both engines, and at REPEATABLE READ on InnoDB, which lets a transaction update
 * a row changed since its snapshot. PostgreSQL's REPEATABLE READ refuses that update ("could not
 * serialize access due to concurrent update"): the second worker ends as a conflict. Under
 * SERIALIZABLE PostgreSQL fails it the same way, and InnoDB's shared lock on the checked row makes
 * the second worker wait and then see COMPLETED, or deadlock.
 * `none` under --isolation is the same: the runner then wraps its whole operation in one transaction.
 */
const safeOnlyWhenSecondWriterFails = safeWhenStaleWritesFail

/** The status and the chunk count in one statement, so they come from one snapshot. */
const READ_DOCUMENT = `SELECT status, version, (SELECT count(*) FROM chunks WHERE document_id = $1) AS chunks FROM documents WHERE id = $1`
const SET_STATUS = `UPDATE documents SET status = $2 WHERE id = $1`
const DELETE_CHUNKS = `DELETE FROM chunks WHERE document_id = $1`
const INSERT_CHUNK = `INSERT INTO chunks (document_id, chunk_index, content) VALUES ($1, $2, $3)`
const CLAIM = `UPDATE documents SET status = 'PROCESSING' WHERE id = $1 AND status = 'PENDING'`
const HAND_BACK = `UPDATE documents SET status = 'PENDING' WHERE id = $1 AND status = 'PROCESSING'`
const COMPLETE_IF_UNCHANGED = `UPDATE documents SET status = 'COMPLETED', version = version + 1 WHERE id = $1 AND version = $2`
/** A random COMPLETED document (the first at or after a random id, wrapping around) and its chunk count, in one snapshot. */
const PICK_COMPLETED = `SELECT d.id, (SELECT count(*) FROM chunks c WHERE c.document_id = d.id) AS chunks
  FROM documents d WHERE d.status = 'COMPLETED' ORDER BY d.id < $1, d.id LIMIT 1`

/**
 * Insert-if-absent: a chunk already there (from another worker or an earlier attempt) is kept, not
 * duplicated. INSERT IGNORE would also turn other errors into warnings (a missing document, a text
 * too long); none can happen here, the document exists and the text is short.
 */
function insertChunkIfAbsent({ engine }: Ctx): string {
  return engine.insertSkippingDuplicate(INSERT_CHUNK, { columns: ['document_id', 'chunk_index'] })
}

async function readDocument({ db, key }: Ctx): Promise<DocumentState> {
  const { rows } = await db.query<DocumentState>(READ_DOCUMENT, [key])
  const document = rows[0]
  if (!document) throw new Error(`document ${key} does not exist`)
  return document
}

async function setStatus({ db, key }: Ctx, status: Status): Promise<void> {
  await db.query(SET_STATUS, [key, status])
}

/** Chunk i (1-based) of the document: what the splitter produced and the embedding service enriched. */
function chunkContent({ key }: Ctx, index: number): string {
  return `document ${key}, chunk ${index}`
}

/** One chunk's embedding call (--think), then its INSERT, chunk after chunk, as the incident's worker streamed them. */
async function embedAndInsertChunks(ctx: Ctx, insertSql: string): Promise<void> {
  for (let index = 1; index <= ctx.params.chunks; index++) {
    await ctx.think()
    await ctx.db.query(insertSql, [ctx.key, index, chunkContent(ctx, index)])
  }
}

/** Every chunk's embedding call (--think) first, writing nothing, so the writes that follow are quick. */
async function embedChunks(ctx: Ctx): Promise<string[]> {
  const contents: string[] = []
  for (let index = 1; index <= ctx.params.chunks; index++) {
    await ctx.think()
    contents.push(chunkContent(ctx, index))
  }
  return contents
}

async function insertChunks({ db, key }: Ctx, contents: readonly string[]): Promise<void> {
  for (const [i, content] of contents.entries()) await db.query(INSERT_CHUNK, [key, i + 1, content])
}

/**
 * The worker from the incident: skip a COMPLETED document, mark it PROCESSING, insert its chunks,
 * mark it COMPLETED. It was written for a queue that hands each job to one worker: a document found
 * PROCESSING with chunks must be the leftovers of a worker that crashed, so it deletes them and starts
 * over. With two live workers on one document, both insert (duplicates), and the second deletes the
 * first one's chunks while the first is about to mark the document COMPLETED (readers see it short).
 */
async function processNaively(ctx: Ctx): Promise<'ok' | 'rejected'> {
  const document = await readDocument(ctx)
  if (document.status === 'COMPLETED') return 'rejected'
  await setStatus(ctx, 'PROCESSING')
  if (document.chunks > 0) await ctx.db.query(DELETE_CHUNKS, [ctx.key])
  await embedAndInsertChunks(ctx, INSERT_CHUNK)
  await setStatus(ctx, 'COMPLETED')
  return 'ok'
}

/**
 * Runs `work` on a document this worker marked PROCESSING; when it fails, hands the document back
 * (PROCESSING → PENDING) for the next worker, or it stays PROCESSING with nobody on it: measured with
 * the chunks locked by another client, where the naive worker strands it after every lock timeout.
 * A worker that dies before this runs (a crash, a lost connection) still strands it: recovering from
 * that needs a lease on PROCESSING, which expires, and a check at completion that the lease is still ours.
 */
async function handingBackOnFailure(ctx: Ctx, work: () => Promise<'ok'>): Promise<'ok'> {
  try {
    return await work()
  } catch (error) {
    await ctx.db.query(HAND_BACK, [ctx.key]).catch(() => {})
    throw error
  }
}

/**
 * The same worker made idempotent by the unique key: a rerun keeps the chunks already there and adds
 * the missing ones, so it needs no cleanup. Each worker marks COMPLETED only after every one of its
 * inserts found its chunk present, so no reader sees a COMPLETED document short of chunks.
 */
async function processIdempotently(ctx: Ctx): Promise<'ok' | 'rejected'> {
  if ((await readDocument(ctx)).status === 'COMPLETED') return 'rejected'
  return handingBackOnFailure(ctx, async () => {
    await setStatus(ctx, 'PROCESSING')
    await embedAndInsertChunks(ctx, insertChunkIfAbsent(ctx))
    await setStatus(ctx, 'COMPLETED')
    return 'ok'
  })
}

/**
 * Claims the document (PENDING → PROCESSING, one row affected wins), embeds its chunks, then marks it
 * COMPLETED and inserts them in one transaction. A lost claim is `rejected`, not a conflict: the
 * document is COMPLETED or another worker is processing it, so this job has nothing left to do, and
 * trying again would only find the same. COMPLETED comes before the chunks because on InnoDB each
 * chunk's foreign-key check takes a shared lock on the document row: upgrading it to the UPDATE's
 * exclusive lock while other workers' claims wait for that row deadlocked (10 a run on MariaDB).
 */
async function processClaimed(ctx: Ctx): Promise<'ok' | 'rejected'> {
  if ((await ctx.db.query(CLAIM, [ctx.key])).rowCount === 0) return 'rejected'
  return handingBackOnFailure(ctx, async () => {
    const contents = await embedChunks(ctx)
    await ctx.transaction(async () => {
      await setStatus(ctx, 'COMPLETED')
      await insertChunks(ctx, contents)
    })
    return 'ok'
  })
}

/**
 * Reads the document's version, embeds its chunks writing nothing, then in one transaction completes
 * the document only if the version is unchanged, and inserts its chunks. A worker that lost the race
 * learns it before inserting anything, rolls back, retries, and finds the document COMPLETED. It never
 * shows PROCESSING, so a failure leaves nothing to hand back. The version check comes first for the
 * same reason as in `claim`: inserting first deadlocked on InnoDB (6 a run, absorbed by retries).
 */
function processOptimistically(ctx: Ctx): Promise<StrategyOutcome> {
  return ctx.retry(async (): Promise<StrategyOutcome> => {
    const document = await readDocument(ctx)
    if (document.status === 'COMPLETED') return 'rejected'
    const contents = await embedChunks(ctx)
    return ctx.transaction(async (): Promise<StrategyOutcome> => {
      const completed = await ctx.db.query(COMPLETE_IF_UNCHANGED, [ctx.key, document.version])
      if (completed.rowCount === 0) throw new Conflict(`document ${ctx.key} changed since it was read`)
      await insertChunks(ctx, contents)
      return 'ok'
    })
  })
}

export default defineScenario({
  name: 'duplicate-chunk-insert',
  summary: 'Workers process the same document at once: mark PROCESSING, insert its chunks, mark COMPLETED (no claim).',
  story:
    'A document-ingestion service stored uploads as PENDING and queued a job for each. A worker marked the document ' +
    'PROCESSING, embedded and inserted its chunks one by one, and marked it COMPLETED. The queue delivers at least once: ' +
    'when embedding took longer than the visibility timeout, a second worker got the same job, took the document for one ' +
    'whose worker had crashed, deleted its chunks and started over while the first worker was still inserting. Search ' +
    'returned passages twice, and some COMPLETED documents came back with chunks missing. One worker must claim the ' +
    'document, or the inserts must be idempotent, and the chunks must appear together with COMPLETED.',
  schema: 'duplicate-chunk-insert.sql',
  params,
  validate: (p) => [
    ...wholeNumberIn('documents', p.documents, 1, 10_000),
    ...wholeNumberIn('chunks', p.chunks, 1, 1_000),
    ...wholeNumberIn('readers', p.readers, 0, 64),
  ],
  pickKey: (rng, p): number => 1 + rng.int(p.documents),
  showKey: (id) => `document ${id}`,

  readers: {
    summary: 'Search requests: count the chunks of a random COMPLETED document; fewer than `chunks` is a partial read.',
    count: (p) => p.readers,
    read: async ({ db, rng, params: p, note }) => {
      const { rows } = await db.query<{ id: number; chunks: number }>(PICK_COMPLETED, [1 + rng.int(p.documents)])
      const seen = rows[0]
      if (seen && seen.chunks < p.chunks) note('partial read', `document ${seen.id} was COMPLETED with ${seen.chunks} of ${p.chunks} chunks`)
    },
  },

  strategies: {
    none: {
      summary: 'Skip COMPLETED, mark PROCESSING, delete leftover chunks, insert chunks one by one, mark COMPLETED: separate statements, no claim.',
      expect: safeOnlyWhenSecondWriterFails,
      run: processNaively,
    },
    transaction: {
      summary: 'The naive worker in one transaction: chunks appear together with COMPLETED, but nothing stops a second worker adding its own.',
      expect: safeOnlyWhenSecondWriterFails,
      ownsTransaction: true,
      run: (ctx) => ctx.transaction(() => processNaively(ctx)),
    },
    claim: {
      summary: "UPDATE … SET status = 'PROCESSING' WHERE status = 'PENDING' (one row affected wins), then chunks + COMPLETED in one transaction.",
      // The claim commits on its own and has no lease: a worker whose connection dies before the chunks
      // commit leaves its document PROCESSING for good (measured under kill-connections:10%/100ms: 5 runs of 8).
      expect: safeUnlessConnectionsDie,
      ownsTransaction: true,
      run: processClaimed,
    },
    unique: {
      summary: 'A unique key on (document_id, chunk_index) and insert-if-absent (ON CONFLICT DO NOTHING / INSERT IGNORE): reruns are idempotent.',
      // Any later operation on the document redoes it, but PROCESSING still has no lease: when the last
      // one dies midway, nobody does (no document left PROCESSING broke in 3 runs of 6 under
      // kill-connections:50%/20ms, in none of 6 at 10%, 25% or 50% every 100 ms).
      expect: safeUnlessConnectionsDie,
      prepare: async ({ db }) => {
        await db.query('CREATE UNIQUE INDEX chunks_once_per_document ON chunks (document_id, chunk_index)')
      },
      run: processIdempotently,
    },
    optimistic: {
      summary: "Read the document's version, embed, then complete it if the version is unchanged and insert its chunks, in one transaction; 0 rows → retry.",
      expect: 'safe',
      ownsTransaction: true,
      run: processOptimistically,
    },
  },

  invariants: {
    'every COMPLETED document has exactly its chunks': async ({ db, params: p }) => {
      const { rows } = await db.query<{ id: number; chunks: number; distinct_chunks: number }>(
        `SELECT d.id, count(c.id) AS chunks, count(DISTINCT c.chunk_index) AS distinct_chunks
         FROM documents d LEFT JOIN chunks c ON c.document_id = d.id
         WHERE d.status = 'COMPLETED'
         GROUP BY d.id HAVING count(c.id) <> $1 OR count(DISTINCT c.chunk_index) <> $1
         ORDER BY chunks DESC, d.id`,
        [p.chunks],
      )
      if (rows.length === 0) {
        const { rows: totals } = await db.query<{ n: number }>(`SELECT count(*) AS n FROM documents WHERE status = 'COMPLETED'`)
        const completed = totals[0]?.n ?? 0
        return { held: true, detail: `${plural(completed, 'document')} COMPLETED, each with exactly its ${plural(p.chunks, 'chunk')}` }
      }
      const worst = rows.slice(0, 3).map((row) => describeWrongChunks(row, p.chunks))
      const more = rows.length > 3 ? ` (${rows.length} documents wrong in all)` : ''
      // In the detail's order, most chunks first: the first broken key is the document the detail names first.
      const broken = rows.map((row) => ({ key: row.id, detail: `COMPLETED with ${plural(row.chunks, 'chunk')} (${wrongChunks(row, p.chunks)})` }))
      return { held: false, detail: worst.join('; ') + more, broken }
    },
    'no document left PROCESSING': async ({ db }) => {
      const { rows } = await db.query<{ status: Status; n: number }>(`SELECT status, count(*) AS n FROM documents GROUP BY status`)
      const count = (status: Status) => rows.find((row) => row.status === status)?.n ?? 0
      const processing = count('PROCESSING')
      if (processing === 0) return { held: true, detail: `none PROCESSING: ${count('COMPLETED')} COMPLETED, ${count('PENDING')} PENDING` }
      const { rows: stuck } = await db.query<{ id: number }>(`SELECT id FROM documents WHERE status = 'PROCESSING' ORDER BY id`)
      const ids = stuck.slice(0, 5).map((row) => row.id).join(', ') + (processing > 5 ? ', …' : '')
      const detail = processing === 1 ? `document ${ids} was left PROCESSING with no worker on it` : `${processing} documents were left PROCESSING with no worker on them (${ids})`
      return { held: false, detail, broken: stuck.map((row) => ({ key: row.id, detail: 'PROCESSING, with no worker on it' })) }
    },
    // Reads only the history (the readers' notes), so `racebench show` can check it again on a history file.
    'no reader saw a COMPLETED document short of chunks': {
      offline: ({ history, params: p }) => {
        const partial = history.observations['partial read']
        const failed = history.readErrors > 0 ? ` (${history.readErrors} failed)` : ''
        if (!partial) {
          return { held: true, detail: `${plural(history.reads, 'read')}${failed}, none saw a COMPLETED document with fewer than its ${plural(p.chunks, 'chunk')}` }
        }
        const detail = `${partial.count} of ${plural(history.reads, 'read')}${failed} saw a COMPLETED document short of chunks, e.g. ${[...new Set(partial.samples)].slice(0, 3).join('; ')}`
        return { held: false, detail, broken: partiallyReadKeys(partial.samples, p.chunks) }
      },
    },
  },
})
