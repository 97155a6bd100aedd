import { cellWidth } from './cell-width.js'

/**
 * SQL as a timeline shows it: parameters in place of `$1`/`?`, spaces around operators dropped, and a
 * list of ever shorter forms of the statement, so a narrow lane shows what matters (the table, the key
 * in the WHERE, the values written) instead of the first 40 characters.
 */

/** Where each character of `sql` sits: its parenthesis depth, or -1 inside a quoted string or name. */
function depthsOf(sql: string): number[] {
  const depths = new Array<number>(sql.length)
  let depth = 0
  let quote = ''
  for (let i = 0; i < sql.length; i++) {
    const char = sql[i]!
    if (quote !== '') {
      depths[i] = -1
      if (char === quote) {
        // A doubled quote is an escaped one, inside the string.
        if (sql[i + 1] === quote) depths[++i] = -1
        else quote = ''
      }
    } else if (char === "'" || char === '"' || char === '`') {
      quote = char
      depths[i] = -1
    } else if (char === '(') {
      depths[i] = depth++
    } else if (char === ')') {
      depth = Math.max(0, depth - 1)
      depths[i] = depth
    } else {
      depths[i] = depth
    }
  }
  return depths
}

/** Applies `change` to the parts of `sql` outside quotes, leaving strings and quoted names alone. */
function outsideQuotes(sql: string, change: (part: string) => string): string {
  const depths = depthsOf(sql)
  let out = ''
  let start = 0
  const quoted = (i: number) => depths[i] === -1
  for (let i = 1; i <= sql.length; i++) {
    if (i < sql.length && quoted(i) === quoted(start)) continue
    const part = sql.slice(start, i)
    out += quoted(start) ? part : change(part)
    start = i
  }
  return out
}

/** A parameter as a literal: numbers and booleans bare, text quoted and cut when long. */
function literal(value: string): string {
  if (/^-?\d+(\.\d+)?$/.test(value) || /^(true|false|null)$/i.test(value) || value.startsWith("'")) return value
  return `'${value.length > 20 ? `${value.slice(0, 19)}…` : value}'`
}

/** SQL written with `?` placeholders numbered as `$1`, `$2`…, so a shortened form keeps each value in place. */
function numbered(sql: string): string {
  let dollars = false
  outsideQuotes(sql, (part) => ((dollars ||= /\$\d/.test(part)), part))
  if (dollars) return sql
  let next = 0
  return outsideQuotes(sql, (part) => part.replace(/\?/g, () => `$${++next}`))
}

/** `$1`, `$2` replaced by the parameters' values. */
function withParams(sql: string, params: readonly string[]): string {
  if (params.length === 0) return sql
  return outsideQuotes(sql, (part) => part.replace(/\$(\d+)/g, (placeholder, n: string) => (params[Number(n) - 1] === undefined ? placeholder : literal(params[Number(n) - 1]!))))
}

/** `room_id = 2` → `room_id=2`, `balance - $2` → `balance-$2`: a lane has few cells to spare. */
function tightened(sql: string): string {
  return outsideQuotes(sql, (part) => part.replace(/\s*(<>|!=|>=|<=|=|<|>|\+)\s*/g, '$1').replace(/ - /g, '-'))
}

/** `(SELECT count(*) FROM chunks WHERE …)` → `(SELECT …)`; a subquery cut off by the history runs to the end. */
function withoutSubqueries(sql: string): string {
  const depths = depthsOf(sql)
  for (let i = 0; i < sql.length; i++) {
    if (sql[i] !== '(' || depths[i] === -1 || !/^\(\s*SELECT\b/i.test(sql.slice(i))) continue
    let end = i + 1
    while (end < sql.length && !(sql[end] === ')' && depths[end] === depths[i])) end++
    return sql.slice(0, i) + '(SELECT …)' + withoutSubqueries(sql.slice(end + 1))
  }
  return sql
}

/** One top-level clause of a statement: `WHERE` and `room_id=2 AND night=3`. */
interface Clause {
  readonly keyword: string
  readonly body: string
}

const KEYWORDS = [
  'INSERT IGNORE INTO', 'INSERT INTO', 'REPLACE INTO', 'DELETE FROM', 'ON DUPLICATE KEY UPDATE', 'ON CONFLICT',
  'FOR NO KEY UPDATE', 'FOR UPDATE', 'FOR SHARE', 'GROUP BY', 'ORDER BY', 'SELECT', 'UPDATE', 'FROM', 'WHERE',
  'HAVING', 'LIMIT', 'OFFSET', 'RETURNING', 'VALUES', 'SET',
]
const KEYWORD = new RegExp(`(?:${KEYWORDS.map((k) => k.replace(/ /g, '\\s+')).join('|')})(?![\\w$])`, 'iy')

/** The statement's top-level clauses, and any text before the first (`BEGIN`, `COMMIT`, `CALL f()`). */
function clausesOf(sql: string): { lead: string; clauses: Clause[] } {
  const depths = depthsOf(sql)
  const found: { keyword: string; start: number; end: number }[] = []
  for (let i = 0; i < sql.length; i++) {
    if (depths[i] !== 0 || (i > 0 && /[\w$]/.test(sql[i - 1]!))) continue
    KEYWORD.lastIndex = i
    const match = KEYWORD.exec(sql)
    if (!match) continue
    // What follows ON CONFLICT (DO UPDATE SET …) belongs to it, up to a RETURNING.
    if (found.at(-1)?.keyword.startsWith('ON ') && !/^RETURNING$/i.test(match[0])) continue
    found.push({ keyword: match[0].toUpperCase().replace(/\s+/g, ' '), start: i, end: i + match[0].length })
    i += match[0].length - 1
  }
  const clauses = found.map((k, n) => ({ keyword: k.keyword, body: sql.slice(k.end, found[n + 1]?.start ?? sql.length).trim() }))
  return { lead: sql.slice(0, found[0]?.start ?? sql.length).trim(), clauses }
}

function joined({ lead, clauses }: { lead: string; clauses: readonly Clause[] }): string {
  return [lead, ...clauses.map((c) => (c.body === '' ? c.keyword : `${c.keyword} ${c.body}`))].filter(Boolean).join(' ')
}

/** Splits a clause's body at top-level commas (a list) or ANDs (a condition). */
function itemsOf(body: string, separator: RegExp): string[] {
  const depths = depthsOf(body)
  const items: string[] = []
  let start = 0
  for (const match of body.matchAll(separator)) {
    if (depths[match.index] !== 0) continue
    items.push(body.slice(start, match.index).trim())
    start = match.index + match[0].length
  }
  items.push(body.slice(start).trim())
  return items
}

const LISTS: Readonly<Record<string, { separator: RegExp; joiner: string }>> = {
  WHERE: { separator: /\s+AND\s+/gi, joiner: ' AND ' },
  SET: { separator: /,/g, joiner: ', ' },
  SELECT: { separator: /,/g, joiner: ', ' },
}

/** The first `n` items of a WHERE, SET or SELECT list, then `…` for the rest. */
function firstItems(clause: Clause, n: number): Clause {
  const list = LISTS[clause.keyword]
  if (!list || clause.body === '…') return clause
  const items = itemsOf(clause.body, list.separator)
  if (items.length <= n) return clause
  return { ...clause, body: n === 0 ? '…' : `${items.slice(0, n).join(list.joiner)} …` }
}

/**
 * A read's conditions on parameters (`room_id=$1 AND night=$2`): the key the statement is about.
 * Conditions on constants (`status='active'`) are the same in every operation, and go first. Not a
 * write's: there a constant is often the guard that decides (`WHERE id=$1 AND status='PENDING'`).
 */
function parameterConditions(clause: Clause): Clause {
  if (clause.keyword !== 'WHERE') return clause
  const conditions = itemsOf(clause.body, LISTS.WHERE!.separator)
  const keyed = conditions.filter((condition) => /\$\d/.test(condition))
  if (keyed.length === 0 || keyed.length === conditions.length) return clause
  return { ...clause, body: `${keyed.join(' AND ')} …` }
}

const isInsert = (c: Clause) => /^(INSERT|REPLACE)/.test(c.keyword)
const ESSENTIAL = new Set(['SELECT', 'FROM', 'UPDATE', 'DELETE FROM', 'FOR UPDATE', 'FOR SHARE', 'FOR NO KEY UPDATE', 'ON CONFLICT'])

/** What a shortening knows of the whole statement. */
interface Statement {
  /** A top-level FROM: a SELECT's list is then columns, else it is the statement (`SELECT pg_advisory_xact_lock(7)`). */
  readonly hasFrom: boolean
  /** An INSERT: its SELECT list is values, and its WHERE (`NOT EXISTS (…)`) is what makes it conditional. */
  readonly insert: boolean
}

type Shortening = (clauses: readonly Clause[], statement: Statement) => Clause[]

/**
 * Each step leaves out more, in the order a reader misses it least: paging and subqueries first, then
 * the select list and an INSERT's column names, then a read's conditions on constants, then all but
 * the first two conditions and assignments, then the values and all but the first assignment, then
 * the assignments, then all but the first condition, until only the verb, the table and a locking
 * clause are left.
 */
const SHORTENINGS: readonly Shortening[] = [
  (clauses) =>
    clauses
      .filter((c) => !['ORDER BY', 'LIMIT', 'OFFSET', 'RETURNING'].includes(c.keyword))
      .map((c) => {
        if (c.keyword === 'ON CONFLICT') return { ...c, body: /\bDO\s+(NOTHING|UPDATE)\b/i.exec(c.body)?.[0].toUpperCase() ?? '…' }
        if (c.keyword === 'ON DUPLICATE KEY UPDATE') return { ...c, body: '…' }
        return { ...c, body: withoutSubqueries(c.body) }
      }),
  (clauses, { hasFrom }) =>
    clauses.map((c) => {
      if (c.keyword === 'SELECT' && hasFrom && cellWidth(c.body) > 12) return { ...c, body: '…' }
      if (isInsert(c)) return { ...c, body: c.body.replace(/\s*\(.*$/, '') }
      return c
    }),
  (clauses) => (clauses[0]?.keyword === 'SELECT' ? clauses.map(parameterConditions) : [...clauses]),
  (clauses) => clauses.map((c) => firstItems(c, 2)),
  (clauses, { insert }) =>
    clauses
      .filter((c) => c.keyword !== 'VALUES')
      .map((c) => (c.keyword === 'SET' ? firstItems(c, 1) : c.keyword === 'SELECT' && insert ? { ...c, body: '…' } : c)),
  // A write's guard (`AND version=93`, `AND status='open'`) says more than what it sets, once cut down.
  (clauses) => clauses.map((c) => (c.keyword === 'SET' ? { ...c, body: '…' } : c)),
  (clauses) => clauses.map((c) => firstItems(c, 1)),
  (clauses, { insert }) => clauses.map((c) => (c.keyword === 'WHERE' && !insert ? { ...c, body: '…' } : c)),
  (clauses, { insert }) => clauses.filter((c, n) => n === 0 || ESSENTIAL.has(c.keyword) || (insert && c.keyword === 'WHERE')),
]

/**
 * The statement with its parameters in place, then shorter and shorter forms of it (as many for
 * every statement, some maybe alike): the caller shows the first that fits. `SELECT 1 FROM bookings WHERE room_id=$1
 * AND night=$2 AND status='active' LIMIT 1` becomes, step by step, `… WHERE room_id=2 AND night=3 …`,
 * then `SELECT 1 FROM bookings WHERE …`. Values go in last, so conditions on them can be told apart.
 */
export function sqlForms(sql: string, params: readonly string[] = []): string[] {
  const full = tightened(numbered(sql))
  const { lead, clauses } = clausesOf(full)
  const statement = { hasFrom: clauses.some((c) => c.keyword === 'FROM'), insert: clauses[0] !== undefined && isInsert(clauses[0]) }
  const forms = [full]
  let current: readonly Clause[] = clauses
  for (const shorten of SHORTENINGS) {
    current = shorten(current, statement)
    forms.push(joined({ lead, clauses: current }))
  }
  return forms.map((form) => withParams(form, params))
}

/** `SELECT`, `INSERT`, `BEGIN`…: the statement's first word, upper case. */
export function sqlVerb(sql: string): string {
  return /^\s*\(?\s*([A-Za-z]+)/.exec(sql)?.[1]?.toUpperCase() ?? ''
}

/** A read whose select list is a constant (`SELECT 1 FROM …`): its rows say found or not, its first row nothing. */
export function selectsConstant(sql: string): boolean {
  return /^\s*SELECT\s+(\d+|true|'[^']*')(\s+AS\s+\w+)?\s+FROM\b/i.test(sql)
}
