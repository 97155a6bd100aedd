import { verifyMatrix } from '../verify/run-verify.js'
import { showVerifyProgress } from '../verify/verify-progress.js'
import { reportTargets, writeReports } from './reporting.js'
import { commandSession } from './session.js'

/** `racebench verify`'s options, as commander hands them over. */
export interface VerifyCommandOptions {
  db?: string[]
  redis?: string
  scenarios?: string[]
  strategies?: string[]
  repeat?: string
  workers?: string
  iterations?: string
  think?: string
  timeout?: string
  seed?: string
  json?: boolean
  reporter?: string[]
  debug?: boolean
}

/**
 * `racebench verify`: the matrix of every scenario × strategy × isolation level on each engine, in
 * every reporter asked for (the table by default). Exit 0 when every cell behaved as its strategy
 * declares, 1 when one did not.
 */
export async function verifyCommand(options: VerifyCommandOptions, secrets: readonly string[]): Promise<number> {
  const targets = reportTargets(options)
  const verification = await commandSession('verify', { ...options, db: undefined, redis: undefined, param: [] }, secrets, (session) =>
    verifyMatrix({
      dbs: options.db,
      redis: options.redis,
      scenarios: options.scenarios,
      strategies: options.strategies,
      repeat: options.repeat,
      workers: options.workers,
      iterations: options.iterations,
      think: options.think,
      timeout: options.timeout,
      seed: options.seed,
      signal: session.signal,
      progress: showVerifyProgress(process.stderr),
      log: session.log,
      warn: session.warn,
    }),
  )
  await writeReports({ command: 'verify', verification }, targets)
  return verification.mismatches > 0 ? 1 : 0
}
