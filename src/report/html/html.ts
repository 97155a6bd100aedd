/**
 * HTML built by a tagged template that escapes every value it is given, unless the value is already
 * `Html` (made by this template or by `trusted`). Scenario names, SQL, keys and error messages come
 * from users and databases and can hold `<`, `&` and quotes: escaping by default means a forgotten
 * call cannot open a hole (lit-html's rule).
 */
export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text
  }
}

/** What a template may hold: text (escaped), numbers, HTML, nothing, or a list of these. */
export type Interpolation = Html | string | number | boolean | null | undefined | readonly Interpolation[]

export function html(strings: TemplateStringsArray, ...values: readonly Interpolation[]): Html {
  let out = strings[0] ?? ''
  values.forEach((value, i) => {
    out += render(value) + (strings[i + 1] ?? '')
  })
  return new Html(out)
}

/** Markup written in this folder (the style sheet), never anything from a result. */
export function trusted(text: string): Html {
  return new Html(text)
}

/** Pieces of HTML one after the other. */
export function join(parts: readonly Interpolation[], separator = ''): Html {
  return new Html(parts.map(render).join(separator))
}

function render(value: Interpolation): string {
  if (value instanceof Html) return value.text
  if (Array.isArray(value)) return value.map(render).join('')
  if (value === null || value === undefined || value === false || value === true) return ''
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '–'
  return escapeHtml(String(value))
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }

/**
 * Text safe in element content and in a quoted attribute. Control characters (a NUL in a message,
 * an escape code) become spaces: HTML has no way to show them and parsers choke on some.
 */
export function escapeHtml(text: string): string {
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, ' ').replace(/[&<>"']/g, (char) => ENTITIES[char]!)
}
