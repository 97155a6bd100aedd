import { setFlagsFromString } from 'node:v8'

/**
 * V8 settings for the racebench process, set before any run: imported first by main.ts, so that
 * nothing has allocated yet. The library (`runScenario`) sets none: flags are the embedding process's.
 *
 * No allocation-site pretenuring. V8 watches which object literals' objects outlive a young-generation
 * collection and, past a threshold, allocates every later object of that literal straight in the old
 * generation. A run's first second fools it: while the per-key rings fill, collections found many of
 * node-postgres's `Result#rows` arrays alive, and from then on the rows array of every statement was
 * made old, died at once, and kept what it pointed to alive until a full collection: the heap grew by
 * 6–8 MB a second and young collections took about twice as long. That happened in 3 of 5 runs of the
 * benchmark's 200,000 operations; in alternating pairs of such runs, turning the heuristic off saved
 * 2–5 µs of CPU per operation in every pair (bench/README.md, "History cost"). Without it, what lives
 * long (the rings' copies) is copied once more on its way to the old generation, which costs less.
 */
setFlagsFromString('--no-allocation-site-pretenuring')
