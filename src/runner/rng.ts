/** A seeded pseudo-random generator: the same seed gives the same keys, so a run can be repeated. */
export interface Rng {
  /** A float in [0, 1). */
  next(): number
  /** A whole number in [0, n). */
  int(n: number): number
}

/**
 * sfc32 seeded through splitmix32: tiny, fast, and good enough for choosing keys and jitter.
 * `stream` separates independent sequences from one seed (worker 3's keys, worker 3's jitter),
 * so a retry's jitter never shifts the keys a worker draws next.
 */
export function createRng(seed: number, stream = 0): Rng {
  let state = (seed ^ Math.imul(stream + 1, 0x9e3779b9)) >>> 0
  const splitmix = () => {
    state = (state + 0x9e3779b9) >>> 0
    let z = state
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b)
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35)
    return (z ^ (z >>> 16)) >>> 0
  }
  let a = splitmix()
  let b = splitmix()
  let c = splitmix()
  let d = splitmix()
  const next = () => {
    const t = (((a + b) >>> 0) + d) >>> 0
    d = (d + 1) >>> 0
    a = b ^ (b >>> 9)
    b = (c + (c << 3)) >>> 0
    c = (c << 21) | (c >>> 11)
    c = (c + t) >>> 0
    return t / 4_294_967_296
  }
  return { next, int: (n) => Math.floor(next() * n) }
}
