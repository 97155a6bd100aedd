import { Chalk, type ChalkInstance } from 'chalk'

/** Colours for one output stream: none when it is not a terminal or NO_COLOR is set (no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const wanted = Boolean(env.FORCE_COLOR && env.FORCE_COLOR !== '0') || (stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb')
  return new Chalk({ level: wanted ? 1 : 0 })
}

/** cli-table3 options for racebench's tables: compact (no rule between rows), coloured only with colour on. */
export function tableLook(style: ChalkInstance) {
  const colored = style.level > 0
  return {
    style: { head: colored ? ['cyan'] : [], border: colored ? ['grey'] : [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  }
}

/** A verdict mark: ✔ green, ✘ red. */
export function mark(style: ChalkInstance, held: boolean): string {
  return held ? style.green('✔') : style.red('✘')
}

/**
 * How wide lines may be on this stream: the terminal's width, else 100 columns (piped output mostly
 * ends up in CI logs and files, read in windows wider than 80).
 */
export function widthFor(stream: { isTTY?: boolean; columns?: number }): number {
  return stream.isTTY && stream.columns ? Math.max(40, Math.min(200, stream.columns)) : 100
}
