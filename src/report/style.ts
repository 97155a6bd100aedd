import { Chalk, type ChalkInstance } from 'chalk'

/** Colours for one output stream: none when it is not a terminal or NO_COLOR is set (no-color.org). */
export function styleFor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): ChalkInstance {
  const wanted = Boolean(env.FORCE_COLOR && env.FORCE_COLOR !== '0') || (stream.isTTY === true && !env.NO_COLOR && env.TERM !== 'dumb')
  return new Chalk({ level: wanted ? 1 : 0 })
}

/** A verdict mark: ✔ green, ✘ red. */
export function mark(style: ChalkInstance, held: boolean): string {
  return held ? style.green('✔') : style.red('✘')
}
