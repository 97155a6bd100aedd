import { html, type Html } from './html.js'
import { at, chartFrame, cut, label, line, linearScale, textWidth, tickLabel } from './svg.js'

export interface Bar {
  readonly label: string
  readonly value: number
  readonly color: string
  /** The value as a person reads it, at the bar's end (default: the number). */
  readonly shown?: string
}

export interface BarChart {
  readonly name: string
  readonly title: string
  /** The axis' unit: `ms`, `ops/s`. */
  readonly unit: string
  readonly bars: readonly Bar[]
  /** Largest value the axis must reach: charts drawn side by side share a scale this way. */
  readonly max?: number
  /** Counts: ticks at whole numbers only. */
  readonly integer?: boolean
}

const WIDTH = 520
const ROW = 24
const TOP = 10
const BOTTOM = 38

/**
 * Horizontal bars, one a row, each with its label on the left and its value at its end, over an
 * axis with round ticks. A bar of 0 is drawn as nothing but its value, so an empty run still reads.
 */
export function barChart({ name, title, unit, bars, max, integer = false }: BarChart): Html {
  const left = Math.min(200, Math.max(60, ...bars.map((bar) => textWidth(cut(bar.label, 30)) + 12)))
  const right = 70
  const plot = WIDTH - left - right
  const height = TOP + Math.max(1, bars.length) * ROW + BOTTOM
  const scale = linearScale(Math.max(max ?? 0, ...bars.map((bar) => (Number.isFinite(bar.value) ? bar.value : 0))), 4, integer)
  const bottom = TOP + Math.max(1, bars.length) * ROW

  const grid = scale.ticks.map((tick) => {
    const x = left + scale.place(tick, plot)
    return html`${line(x, TOP, x, bottom, 'grid')}${label(x, bottom + 14, tickLabel(tick), { anchor: 'middle', cls: 'tick' })}`
  })
  const rows = bars.map((bar, i) => {
    const y = TOP + i * ROW
    const width = scale.place(bar.value, plot)
    const shown = bar.shown ?? formatValue(bar.value)
    const rect = width > 0 ? html`<rect x="${at(left)}" y="${at(y + 4)}" width="${at(Math.max(1, width))}" height="${ROW - 8}" fill="${bar.color}"><title>${bar.label}: ${shown}</title></rect>` : ''
    return html`${label(left - 8, y + ROW / 2 + 4, cut(bar.label, 30), { anchor: 'end' })}${rect}${label(left + width + 6, y + ROW / 2 + 4, shown, { cls: 'value' })}`
  })
  const empty = bars.length === 0 ? label(left + plot / 2, TOP + ROW / 2 + 4, 'nothing to show', { anchor: 'middle', cls: 'value' }) : ''
  const axis = html`${line(left, TOP, left, bottom, 'axis')}${line(left, bottom, left + plot, bottom, 'axis')}${label(left + plot / 2, bottom + 32, unit, { anchor: 'middle', cls: 'axis-label' })}`
  return chartFrame({ name, label: title, width: WIDTH, height, body: [grid, rows, empty, axis] })
}

function formatValue(value: number): string {
  return Number.isFinite(value) ? String(Number(value.toFixed(2))) : '–'
}
