import { describeWork } from '../config.js'
import type { RunResult } from '../run-result.js'

/** What a run was asked to do, as the parts of a header line: `8 workers × 50 iterations`, `think 10ms`, `seed 42`, `rooms=5`. */
export function runSettings(r: RunResult): string[] {
  const stop = r.iterations !== null ? { iterations: r.iterations } : { durationMs: r.durationLimitMs ?? 0 }
  const params = Object.entries(r.params).map(([name, value]) => `${name}=${value}`)
  return [describeWork(r.workers, stop), `think ${r.thinkMs}ms`, `seed ${r.seed}`, ...params]
}
