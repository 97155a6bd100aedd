/**
 * Characters XML 1.0 cannot hold at all, not even as `&#…;` references: control characters other than
 * tab, newline and carriage return, lone surrogates, U+FFFE and U+FFFF. With the `u` flag a lone
 * surrogate is one code point of its own, outside every allowed range, so this one class catches it.
 */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu

/** A string any XML parser accepts: each character XML 1.0 forbids becomes U+FFFD (�), as a decoder would show it. */
export function xmlSafe(text: string): string {
  return text.replace(NOT_XML, '\uFFFD')
}

/**
 * Text content. `>` is escaped too, so `]]>` (which may not appear in text) never survives, and the
 * output never needs CDATA, whose own `]]>` would end it early.
 */
export function xmlText(text: string): string {
  return xmlSafe(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * An attribute value, for double quotes (both quotes escaped all the same). Tab, newline and carriage
 * return become character references: a parser turns them into spaces otherwise (attribute-value
 * normalization), and a failure message's line breaks would be lost.
 */
export function xmlAttr(text: string): string {
  return xmlText(text).replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\t/g, '&#9;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;')
}

/** `name="value" …` for an element's start tag, in the given order; undefined values are left out. */
export function xmlAttrs(attributes: Readonly<Record<string, string | number | undefined>>): string {
  return Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([name, value]) => ` ${name}="${xmlAttr(String(value))}"`)
    .join('')
}

/**
 * One element, indented by `depth` two-space steps: self-closing when it has no children and no text;
 * children are already-rendered lines; `text` is escaped here.
 */
export function xmlElement(depth: number, name: string, attributes: Readonly<Record<string, string | number | undefined>>, content: { readonly children?: readonly string[]; readonly text?: string } = {}): string {
  const pad = '  '.repeat(depth)
  const open = `${pad}<${name}${xmlAttrs(attributes)}`
  if (content.text !== undefined && content.text !== '') return `${open}>${xmlText(content.text)}</${name}>`
  if (!content.children || content.children.length === 0) return `${open}/>`
  return [`${open}>`, ...content.children, `${pad}</${name}>`].join('\n')
}
