import { plural } from '../../src/scenario/building-blocks.js'

/* What duplicate-chunk-insert's invariants say of a document, in words and as broken keys. */

export type ChunkCount = { readonly id: number; readonly chunks: number; readonly distinct_chunks: number }

/** `3 duplicates`, `2 missing`, or both: what is wrong with a COMPLETED document's chunks. */
export function wrongChunks(row: ChunkCount, expected: number): string {
  const duplicates = row.chunks - row.distinct_chunks
  const missing = expected - row.distinct_chunks
  return [duplicates > 0 ? plural(duplicates, 'duplicate') : '', missing > 0 ? `${missing} missing` : ''].filter(Boolean).join(', ')
}

/** `document 3 has 8 chunks instead of 5 (3 duplicates)`. */
export function describeWrongChunks(row: ChunkCount, expected: number): string {
  return `document ${row.id} has ${plural(row.chunks, 'chunk')} instead of ${expected} (${wrongChunks(row, expected)})`
}

/** What a reader's `partial read` note says (the reader below writes it): document id, chunks seen. */
const PARTIAL_READ = /^document (\d+) was COMPLETED with (\d+) of \d+ chunks$/

/**
 * The documents readers saw COMPLETED short of chunks, the fewest chunks seen first. Only as many as
 * the history kept samples of: it keeps the first few distinct notes, not every one.
 */
export function partiallyReadKeys(samples: readonly string[], expected: number): { key: number; detail: string }[] {
  const fewest = new Map<number, number>()
  for (const [, id, seen] of samples.map((sample) => PARTIAL_READ.exec(sample) ?? [])) {
    if (id !== undefined) fewest.set(Number(id), Math.min(Number(seen), fewest.get(Number(id)) ?? Infinity))
  }
  return [...fewest]
    .sort(([idA, a], [idB, b]) => a - b || idA - idB)
    .map(([id, seen]) => ({ key: id, detail: `read COMPLETED with ${seen} of ${plural(expected, 'chunk')}` }))
}
