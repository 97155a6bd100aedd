import type { AnomalyContext } from '../spec/define-spec.js'

/**
 * Hermitage's table, created before every test (https://github.com/ept/hermitage, postgres.md and
 * mysql.md: "Setup (before every test case)").
 */
export const HERMITAGE_SETUP = {
  postgres: 'CREATE TABLE test (id int PRIMARY KEY, value int); INSERT INTO test (id, value) VALUES (1, 10), (2, 20);',
  mysql: 'CREATE TABLE test (id int PRIMARY KEY, value int) ENGINE = InnoDB; INSERT INTO test (id, value) VALUES (1, 10), (2, 20);',
} as const

interface Row {
  readonly id: number
  readonly value: number
}

/** The value step `step` read for row `id`, or undefined when it read no such row. */
export function valueIn(ctx: AnomalyContext, step: string, id: number): number | undefined {
  const row = ctx.rows<Row>(step).find((r) => Number(r.id) === id)
  return row === undefined ? undefined : Number(row.value)
}

/** `1 => 10, 2 => 20`, as Hermitage writes rows. */
export function shownRows(rows: readonly object[]): string {
  return rows.length === 0 ? 'nothing' : (rows as readonly Row[]).map((r) => `${r.id} => ${r.value}`).join(', ')
}

/** The committed table, in id order. */
export async function finalRows(ctx: AnomalyContext): Promise<readonly Row[]> {
  return (await ctx.query<Row>('SELECT id, value FROM test ORDER BY id')).map((r) => ({ id: Number(r.id), value: Number(r.value) }))
}

/** What step `step` read, or its error. */
export function readOf(ctx: AnomalyContext, step: string): string {
  const result = ctx.results[step]
  if (!result) return `${step} did not run`
  return result.error ? `${step} failed (${result.error.class})` : `${step} read ${shownRows(result.rows)}`
}
