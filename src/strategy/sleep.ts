import { setTimeout as delay } from 'node:timers/promises'

/** Sleeps `ms` (nothing at all for 0, so a think time of 0 costs no timer). */
export function sleep(ms: number): Promise<void> {
  return ms > 0 ? delay(ms) : Promise.resolve()
}
