/**
 * GitHub-flavoured markdown helpers for text that comes from a run (invariant details, error
 * messages, scenario and strategy names from a user's file): it must show as written and never turn
 * into markup, a link, a broken table or a closed code block.
 */

/** Control characters other than tab and newline: they mean nothing in a page and may confuse a parser. */
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g

/**
 * Inline text, shown literally: markdown punctuation is backslash-escaped, `&`, `<` and `>` become
 * entities (GitHub would otherwise render or strip a tag), and a line break becomes a space.
 */
export function mdText(text: string): string {
  return text
    .replace(CONTROL, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/[\\`*_[\]~|#!]/g, (c) => `\\${c}`)
    .replace(/\r\n|[\r\n]/g, ' ')
}

/** A table cell: as mdText (which escapes `|`), but a line break is kept as `<br>`. */
export function mdCell(text: string): string {
  return text.split(/\r\n|[\r\n]/).map(mdText).join('<br>')
}

export type Align = 'left' | 'right' | 'center'

/** A table of plain-text cells, each escaped here: no cell can add a column or break a row. */
export function mdTable(head: readonly string[], align: readonly Align[], rows: readonly (readonly (string | number)[])[]): string {
  const rule = head.map((_, i) => ({ left: ':--', right: '--:', center: ':-:' })[align[i] ?? 'left'])
  const line = (cells: readonly (string | number)[]) => `| ${cells.map((cell) => mdCell(String(cell)) || ' ').join(' | ')} |`
  return [line(head), `| ${rule.join(' | ')} |`, ...rows.map(line)].join('\n')
}

/**
 * A fenced code block that nothing inside can close: the fence is one backtick longer than the
 * longest run of backticks in the text (CommonMark's rule).
 */
export function codeBlock(text: string, info = 'text'): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map((run) => run.length))
  const fence = '`'.repeat(Math.max(3, longest + 1))
  return `${fence}${info}\n${text.replace(CONTROL, '\uFFFD').replace(/\n+$/, '')}\n${fence}`
}

/** At most `chars` characters (code points), with `…` when cut. */
export function cutText(text: string, chars: number): string {
  if (text.length <= chars) return text
  const points = [...text.slice(0, 2 * chars)]
  return points.length <= chars ? text : points.slice(0, Math.max(0, chars - 1)).join('') + '…'
}

export function utf8Bytes(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** The longest start of `text` that is at most `bytes` long in UTF-8, never splitting a character. */
export function cutToBytes(text: string, bytes: number): string {
  const encoded = Buffer.from(text, 'utf8')
  if (encoded.length <= bytes) return text
  let end = Math.max(0, bytes)
  // Back up to the first byte of a character (continuation bytes are 10xxxxxx).
  while (end > 0 && (encoded[end]! & 0xc0) === 0x80) end--
  return encoded.subarray(0, end).toString('utf8')
}
