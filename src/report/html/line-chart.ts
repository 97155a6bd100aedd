import { html, type Html } from './html.js'
import { at, chartFrame, label, legend, line, linearScale, tickLabel } from './svg.js'

export interface Line {
  readonly name: string
  readonly color: string
  /** One value per x; null where there is nothing to draw (an interval in which nothing completed). */
  readonly values: readonly (number | null)[]
  /** Dashed, to tell lines apart without colour. */
  readonly dashed?: boolean
}

export interface LineChart {
  readonly name: string
  readonly title: string
  readonly xLabel: string
  readonly yLabel: string
  /** Where each value sits on the x axis, and how far the axis goes (the run's end). */
  readonly x: readonly number[]
  readonly xMax: number
  readonly lines: readonly Line[]
  /** Each point's tooltip prefix, e.g. `0.2–0.3 s`. */
  readonly pointNames?: readonly string[]
}

const WIDTH = 540
const HEIGHT = 250
const MARGIN = { left: 58, right: 18, top: 30, bottom: 44 }
/** Beyond this many points markers would be a smear: the line alone says it. */
const MAX_MARKERS = 80

/**
 * Lines over time with round ticks on both axes, a legend, and a marker with a tooltip on each point
 * (so a run of one interval still shows its one point). A null value breaks its line.
 */
export function lineChart(chart: LineChart): Html {
  const plotWidth = WIDTH - MARGIN.left - MARGIN.right
  const plotHeight = HEIGHT - MARGIN.top - MARGIN.bottom
  const bottom = MARGIN.top + plotHeight
  const values = chart.lines.flatMap((l) => l.values.filter((v): v is number => v !== null && Number.isFinite(v)))
  const yScale = linearScale(Math.max(0, ...values))
  const xScale = linearScale(chart.xMax, 6)
  const xOf = (x: number) => MARGIN.left + xScale.place(x, plotWidth)
  const yOf = (y: number) => bottom - yScale.place(y, plotHeight)

  const yGrid = yScale.ticks.map((tick) => html`${line(MARGIN.left, yOf(tick), MARGIN.left + plotWidth, yOf(tick), 'grid')}${label(MARGIN.left - 6, yOf(tick) + 4, tickLabel(tick), { anchor: 'end', cls: 'tick' })}`)
  const xTicks = xScale.ticks.map((tick) => html`${line(xOf(tick), bottom, xOf(tick), bottom + 4, 'axis')}${label(xOf(tick), bottom + 16, tickLabel(tick), { anchor: 'middle', cls: 'tick' })}`)
  const axes = html`${line(MARGIN.left, MARGIN.top, MARGIN.left, bottom, 'axis')}${line(MARGIN.left, bottom, MARGIN.left + plotWidth, bottom, 'axis')}`
  const axisLabels = html`${label(MARGIN.left + plotWidth / 2, HEIGHT - 6, chart.xLabel, { anchor: 'middle', cls: 'axis-label' })}${label(14, MARGIN.top + plotHeight / 2, chart.yLabel, { anchor: 'middle', cls: 'axis-label', rotate: true })}`
  const markers = chart.x.length <= MAX_MARKERS
  const drawn = chart.lines.map((l) => {
    const points = l.values.map((v, i) => (v === null || !Number.isFinite(v) ? null : { x: xOf(chart.x[i] ?? 0), y: yOf(v), v, i }))
    const path = pathOf(points)
    const dash = l.dashed ? html` stroke-dasharray="6 4"` : ''
    const stroke = path ? html`<path d="${path}" fill="none" stroke="${l.color}" stroke-width="2"${dash}/>` : ''
    const dots = markers
      ? points.map((p) => (p ? html`<circle cx="${at(p.x)}" cy="${at(p.y)}" r="3" fill="${l.color}"><title>${chart.pointNames?.[p.i] ?? ''} ${l.name}: ${Number(p.v.toFixed(2))}</title></circle>` : ''))
      : ''
    return html`<g class="series">${stroke}${dots}</g>`
  })
  const empty = values.length === 0 ? label(MARGIN.left + plotWidth / 2, MARGIN.top + plotHeight / 2, 'no data', { anchor: 'middle', cls: 'value' }) : ''
  const key = legend(chart.lines.map((l) => ({ name: l.name, color: l.color, dashed: l.dashed === true })), MARGIN.left, 16)
  return chartFrame({ name: chart.name, label: chart.title, width: WIDTH, height: HEIGHT, body: [yGrid, xTicks, axes, axisLabels, drawn, empty, key] })
}

/** `M x y L x y …`, starting again after every gap; empty when no two points touch. */
function pathOf(points: readonly ({ x: number; y: number } | null)[]): string {
  let d = ''
  let previous: { x: number; y: number } | null = null
  for (const point of points) {
    if (point) d += `${previous ? 'L' : 'M'}${at(point.x)} ${at(point.y)} `
    previous = point
  }
  return d.includes('L') ? d.trim() : ''
}
