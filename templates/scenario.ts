// __NAME__: a racebench scenario. Run it with
//
//   racebench run ./__NAME__.ts                          # on a throwaway embedded PostgreSQL
//   racebench run ./__NAME__.ts --db postgres://…        # or mysql://…, on a server of yours
//   racebench run ./__NAME__.ts --strategy optimistic    # the fix: every invariant holds
//
// The race: customers claim seats. Each one reads whether its seat is free, thinks a little (`--think`),
// then writes its name on it. Two customers who read "free" before either writes both get a ticket,
// and the second write silently takes the seat from the first.
//
// racebench runs one strategy with many workers (`--workers`), each doing `--iterations` claims on
// seats picked by `pickKey`, then checks the invariants on what the database holds at the end.
// TypeScript runs as written, no build step; types are not checked (run `tsc --noEmit` for that).
import { fileURLToPath } from 'node:url'
import { defineScenario, Conflict } from 'racebench'

export default defineScenario({
  name: '__NAME__',
  summary: 'Customers claim seats: read whether the seat is free, then write their name on it.',
  story: 'Two customers bought the same seat: both saw it free, both were charged, one of them lost it at the door.',

  // The SQL beside this file, run in the run's own schema before the workers start; it is dropped
  // at the end (unless --keep). `{{seats}}` in it is the param below.
  schema: fileURLToPath(new URL('./__NAME__.sql', import.meta.url)),

  // Knobs a run can change with `--param seats=50`. Fewer seats, more collisions.
  params: { seats: 10 },
  validate: (p) => (Number.isInteger(p.seats) && p.seats >= 1 && p.seats <= 1000 ? [] : [`--param seats must be a whole number from 1 to 1000, got ${p.seats}`]),

  // The key of each operation: which seat a customer wants. Use only `rng`, so `--seed` repeats a run.
  pickKey: (rng, p) => 1 + rng.int(p.seats),
  showKey: (seat) => `seat ${seat}`,

  // One way each to do the operation. `run` returns 'ok' (claimed) or 'rejected' (the business said
  // no: seat taken), or throws: a Conflict counts as `conflict`, anything else as `error`.
  strategies: {
    none: {
      summary: 'SELECT the seat, pause, UPDATE it: two customers who read "free" both get it.',
      expect: 'unsafe', // it is meant to break the invariant: that is the race on show
      run: async (ctx) => {
        const { rows } = await ctx.db.query<{ holder: number | null }>('SELECT holder FROM seats WHERE id = $1', [ctx.key])
        if (rows[0]?.holder !== null) return 'rejected'
        await ctx.think() // the window between check and act, widened by --think
        await ctx.db.query('UPDATE seats SET holder = $2, claims = claims + 1 WHERE id = $1', [ctx.key, ctx.worker])
        return 'ok'
      },
    },
    optimistic: {
      summary: 'The same, but the UPDATE only takes a seat that is still free: 0 rows means someone was faster.',
      expect: 'safe',
      run: async (ctx) => {
        const { rows } = await ctx.db.query<{ holder: number | null }>('SELECT holder FROM seats WHERE id = $1', [ctx.key])
        if (rows[0]?.holder !== null) return 'rejected'
        await ctx.think()
        const claimed = await ctx.db.query('UPDATE seats SET holder = $2, claims = claims + 1 WHERE id = $1 AND holder IS NULL', [ctx.key, ctx.worker])
        // The race happened and was caught. Wrap the body in ctx.retry(async () => …) to try again
        // after a backoff; here a retry would only find the seat taken.
        if (claimed.rowCount === 0) throw new Conflict(`seat ${ctx.key} was claimed meanwhile`)
        return 'ok'
      },
    },
    // Other fixes to compare: SELECT … FOR UPDATE inside ctx.transaction(…), or withAdvisoryLock(ctx,
    // ctx.key, …) imported from 'racebench'; `racebench list` shows the built-in scenarios' strategies.
  },

  // Checked once the workers stop. `broken` names the keys that went wrong: the report shows how the
  // race happened on the first of them, operation by operation.
  invariants: {
    'one customer per seat': async ({ db }) => {
      const { rows } = await db.query<{ id: number; claims: number }>('SELECT id, claims FROM seats WHERE claims > 1 ORDER BY claims DESC, id')
      const [worst] = rows
      if (!worst) return { held: true, detail: 'no seat was sold twice' }
      const others = rows.length > 1 ? `, and ${rows.length - 1} other seat(s) more than once` : ''
      const broken = rows.map((seat) => ({ key: seat.id, detail: `sold ${seat.claims} times` }))
      return { held: false, detail: `seat ${worst.id} was sold ${worst.claims} times${others}`, broken }
    },
  },
})
