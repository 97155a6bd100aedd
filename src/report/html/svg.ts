import { html, type Html, type Interpolation } from './html.js'

/**
 * The pieces every chart shares: an accessible `<svg>` frame, a 0-based linear scale with round
 * ticks, and coordinates that are always finite numbers (an empty run must never put `NaN` in the
 * markup, where a browser would silently drop the element).
 */

export interface ChartFrame {
  /** `data-chart`: what the chart is, for tests and for a reader's find-in-page. */
  readonly name: string
  /** The `<title>` and `aria-label`: what it shows, in words. */
  readonly label: string
  readonly width: number
  readonly height: number
  readonly body: Interpolation
}

export function chartFrame({ name, label, width, height, body }: ChartFrame): Html {
  return html`<svg class="chart" role="img" data-chart="${name}" aria-label="${label}" viewBox="0 0 ${at(width)} ${at(height)}" width="${at(width)}" height="${at(height)}" xmlns="http://www.w3.org/2000/svg"><title>${label}</title>${body}</svg>`
}

/** A coordinate rounded to 0.1, and 0 for anything that is not a finite number. */
export function at(value: number): number {
  return Number.isFinite(value) ? Math.round(value * 10) / 10 : 0
}

export interface Scale {
  /** The top of the axis: a round number at or above the largest value (1 when every value is 0). */
  readonly max: number
  readonly ticks: readonly number[]
  /** A value's position from 0 to `length`. */
  readonly place: (value: number, length: number) => number
}

/** 0 to a round maximum (1, 2, 2.5, 5 or 10 times a power of ten) in about `count` steps; whole steps for counts. */
export function linearScale(largest: number, count = 4, integer = false): Scale {
  const top = Number.isFinite(largest) && largest > 0 ? largest : 1
  const rough = top / count
  const power = 10 ** Math.floor(Math.log10(rough))
  const nice = ([1, 2, 2.5, 5, 10].find((m) => m * power >= rough) ?? 10) * power
  const step = integer ? Math.max(1, Math.ceil(nice)) : nice
  const max = Math.ceil(top / step - 1e-9) * step
  const ticks = Array.from({ length: Math.round(max / step) + 1 }, (_, i) => round(i * step))
  return { max, ticks, place: (value, length) => (Number.isFinite(value) ? (Math.max(0, Math.min(value, max)) / max) * length : 0) }
}

/** A tick's label: `0`, `2.5`, `1.2k`, `40k`. */
export function tickLabel(value: number): string {
  if (Math.abs(value) >= 10_000) return `${round(value / 1000)}k`
  return String(round(value))
}

function round(value: number): number {
  return Number(value.toPrecision(6))
}

/** Text at a point; `anchor` start, middle or end. */
export function label(x: number, y: number, text: string, { anchor = 'start', cls = '', rotate = false }: { anchor?: 'start' | 'middle' | 'end'; cls?: string; rotate?: boolean } = {}): Html {
  const turn = rotate ? html` transform="rotate(-90 ${at(x)} ${at(y)})"` : ''
  return html`<text x="${at(x)}" y="${at(y)}" text-anchor="${anchor}"${turn}${cls ? html` class="${cls}"` : ''}>${text}</text>`
}

export function line(x1: number, y1: number, x2: number, y2: number, cls: string): Html {
  return html`<line x1="${at(x1)}" y1="${at(y1)}" x2="${at(x2)}" y2="${at(y2)}" class="${cls}"/>`
}

export interface LegendItem {
  readonly name: string
  readonly color: string
  readonly dashed?: boolean
}

/** A row of line samples (dashed like their line) and names, from (x, y), about 7 px a character. */
export function legend(items: readonly LegendItem[], x: number, y: number): Html {
  let offset = 0
  const drawn = items.map(({ name, color, dashed }) => {
    const dash = dashed ? html` stroke-dasharray="5 3"` : ''
    const item = html`<line x1="${at(x + offset)}" y1="${at(y - 4)}" x2="${at(x + offset + 18)}" y2="${at(y - 4)}" stroke="${color}" stroke-width="3"${dash}/>${label(x + offset + 22, y, name, { cls: 'legend' })}`
    offset += 22 + textWidth(name) + 16
    return item
  })
  return html`<g class="legend">${drawn}</g>`
}

/** Roughly how wide a label is at the charts' 12 px font (no font metrics without a browser). */
export function textWidth(text: string): number {
  return [...text].length * 7
}

/** At most `length` characters, ending in `…` when cut: a label never runs over its neighbour. */
export function cut(text: string, length: number): string {
  const chars = [...text]
  return chars.length <= length ? text : chars.slice(0, length - 1).join('').trimEnd() + '…'
}
