import { UsageError } from '../errors.js'
import { didYouMean } from '../did-you-mean.js'

/** More interleavings than this by default is a usage error: list the ones you mean in `permutations`. */
export const MAX_PERMUTATIONS = 1_000

/** How many interleavings keep each session's order: the multinomial (n1+…+nk)! / (n1!…nk!). */
export function interleavingCount(lengths: readonly number[]): number {
  let count = 1
  let placed = 0
  for (const length of lengths) {
    for (let i = 1; i <= length; i++) count = (count * (placed + i)) / i
    placed += length
  }
  return Math.round(count)
}

/** Every interleaving of the sessions' steps that keeps each session's own order, in a stable order. */
export function allInterleavings(sessions: readonly (readonly string[])[]): string[][] {
  const out: string[][] = []
  const next = sessions.map(() => 0)
  const current: string[] = []
  const total = sessions.reduce((sum, steps) => sum + steps.length, 0)
  const walk = () => {
    if (current.length === total) return void out.push([...current])
    sessions.forEach((steps, i) => {
      const step = steps[next[i]!]
      if (step === undefined) return
      current.push(step)
      next[i]!++
      walk()
      next[i]!--
      current.pop()
    })
  }
  walk()
  return out
}

/**
 * The permutations a spec runs: its own, checked (each names every step once, in each session's
 * order), or every interleaving. `origin` names the spec in messages.
 */
export function permutationsOf(sessions: Readonly<Record<string, readonly string[]>>, given: readonly (string | readonly string[])[] | undefined, origin: string): string[][] {
  const lists = Object.values(sessions)
  if (given === undefined) {
    const count = interleavingCount(lists.map((steps) => steps.length))
    if (count > MAX_PERMUTATIONS) {
      throw new UsageError(`${origin} has ${count} interleavings, more than ${MAX_PERMUTATIONS}: list the ones to run in its permutations`)
    }
    return allInterleavings(lists)
  }
  const sessionOf = new Map(Object.entries(sessions).flatMap(([session, steps]) => steps.map((step) => [step, session] as const)))
  const allSteps = [...sessionOf.keys()]
  return given.map((permutation, index) => {
    const steps = typeof permutation === 'string' ? permutation.trim().split(/[\s,]+/).filter(Boolean) : [...permutation]
    const where = `${origin}: permutation ${index + 1} (${steps.join(' ')})`
    const seen = new Set<string>()
    for (const step of steps) {
      if (!sessionOf.has(step)) throw new UsageError(`${where} names an unknown step '${step}'${didYouMean(step, allSteps)}; steps: ${allSteps.join(', ')}`)
      if (seen.has(step)) throw new UsageError(`${where} names step '${step}' twice`)
      seen.add(step)
    }
    const missing = allSteps.filter((step) => !seen.has(step))
    if (missing.length > 0) throw new UsageError(`${where} leaves out ${missing.length === 1 ? 'step' : 'steps'} ${missing.join(', ')}: a permutation names every step once`)
    for (const [session, own] of Object.entries(sessions)) {
      const order = steps.filter((step) => sessionOf.get(step) === session)
      if (order.join(' ') !== own.join(' ')) throw new UsageError(`${where} runs session ${session}'s steps as ${order.join(' ')}; a session's steps keep their order: ${own.join(' ')}`)
    }
    return steps
  })
}
