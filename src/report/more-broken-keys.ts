import type { ChalkInstance } from 'chalk'
import { plural } from '../check/plural.js'
import { LIMITS } from '../config.js'

/** What the hint reads of an invariant's verdict: whether it held, and the keys it found broken. */
interface Verdict {
  readonly held: boolean
  readonly broken: readonly { readonly key: string }[]
}

/**
 * The line after the timelines when more keys broke than were drawn: how many more, and the `--show`
 * that draws them (`run` and `show` take the same option). Undefined when every broken key was drawn,
 * or none was (`--show 0`, or no kept operation touched one: the caller says so its own way).
 */
export function moreBrokenKeysLine(invariants: readonly Verdict[], drawn: number, style: ChalkInstance): string | undefined {
  if (drawn === 0) return undefined
  const broken = new Set(invariants.filter((i) => !i.held).flatMap((i) => i.broken.map((b) => b.key)))
  const more = broken.size - drawn
  if (more <= 0) return undefined
  const ask = broken.size <= LIMITS.show ? `--show ${broken.size} to draw them all` : `--show ${LIMITS.show} to draw the first ${LIMITS.show}`
  return style.dim(`${plural(more, 'more broken key')}: ${ask}`)
}
