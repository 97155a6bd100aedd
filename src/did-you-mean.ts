/**
 * ` (did you mean double-booking?)` for a name one or two typos away from a valid one (the edit
 * distance commander uses for commands and options), else ''. For the one-line usage errors.
 */
export function didYouMean(typed: string, valid: readonly string[]): string {
  const allowed = Math.min(2, Math.floor(typed.length / 3))
  let best: { name: string; distance: number } | undefined
  for (const name of valid) {
    const distance = editDistance(typed.toLowerCase(), name.toLowerCase())
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance }
  }
  return best === undefined ? '' : ` (did you mean ${best.name}?)`
}

/** Levenshtein distance, with a swap of two neighbours counting as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1)
      d[i]![j] = best
    }
  }
  return d[a.length]![b.length]!
}
