import { setFlagsFromString } from 'node:v8'

/**
 * V8 settings for the racebench process, set before any run: imported first by main.ts, so that
 * nothing has allocated yet. The library (`runScenario`) sets none: flags are the embedding process's.
 *
 * No allocation-site pretenuring. V8 watches which object literals' objects outlive a young-generation
 * collection and, past a threshold, allocates every later object of that literal straight in the old
 * generation. A run's first seconds fool it: while the per-key rings fill, a collection finds many of
 * the driver's result arrays (node-postgres's `Result#rows`) still alive, and from then on the rows
 * array of every statement is made old, dies at once, and keeps what it points to alive until a full
 * collection: the heap grows by about 6 MB a second and each young collection takes 3–4× as long. It
 * happened in 3 of 5 runs of the benchmark's 200,000 operations, and cost 2–5 µs of CPU per operation
 * when it did (bench/README.md, "History cost"). Without it, long-lived objects (the rings' copies)
 * are copied once more on their way to the old generation, which costs less.
 */
setFlagsFromString('--no-allocation-site-pretenuring')
