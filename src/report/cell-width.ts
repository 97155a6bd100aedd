import { stripVTControlCharacters } from 'node:util'

/**
 * Code points a terminal draws two cells wide: CJK, Hangul, full-width forms and most emoji. A short
 * list rather than a dependency: timelines are mostly ASCII and box drawing, and a parameter in
 * Chinese must still not wrap a line.
 */
const WIDE = /[\u1100-\u115f\u2e80-\u303e\u3041-\u33ff\u3400-\u4dbf\u4e00-\u9fff\ua000-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6\u{1f300}-\u{1f64f}\u{1f900}-\u{1f9ff}\u{20000}-\u{3fffd}]/u

/** Marks that take no cell of their own: combining accents, zero-width joiners, variation selectors. */
const ZERO = /[\u0300-\u036f\u200b-\u200f\ufe00-\ufe0f]/u

function widthOf(char: string): number {
  return ZERO.test(char) ? 0 : WIDE.test(char) ? 2 : 1
}

/** How many terminal cells `text` takes, colour codes left out. */
export function cellWidth(text: string): number {
  let width = 0
  for (const char of stripVTControlCharacters(text)) width += widthOf(char)
  return width
}

/** `text` (plain, no colour codes) cut to at most `width` cells, ending in `…` when something was cut. */
export function cutToWidth(text: string, width: number): string {
  if (cellWidth(text) <= width) return text
  if (width <= 0) return ''
  let kept = ''
  let used = 0
  for (const char of text) {
    const w = widthOf(char)
    if (used + w > width - 1) break
    kept += char
    used += w
  }
  return kept.trimEnd() + '…'
}

/**
 * Plain `text` broken at spaces into lines of at most `width` cells, every line after the first
 * starting with `indent`. A word longer than a line is cut, never left to wrap in the terminal.
 */
export function wrapToWidth(text: string, width: number, indent = ''): string[] {
  const [, margin = '', rest = ''] = /^(\s*)(.*)$/s.exec(text) ?? []
  const lines: string[] = []
  let line = margin
  for (const word of rest.split(' ')) {
    const candidate = line.trim() === '' ? line + word : `${line} ${word}`
    if (line.trim() !== '' && cellWidth(candidate) > width) {
      lines.push(line)
      line = indent + word
    } else {
      line = candidate
    }
  }
  lines.push(line)
  return lines.map((l) => cutToWidth(l, width))
}
