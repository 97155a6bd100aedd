import type { ChalkInstance } from 'chalk'
import type { RunResult } from '../run-result.js'

/** The faults a run's nemesis injected, as one line's text (`kill-connections ×3 · reset ×1 (1 failed)`); undefined without any. */
export function faultsText(faults: RunResult['faults'], style: ChalkInstance): string | undefined {
  if (faults.length === 0) return undefined
  return faults.map(({ fault, injected, failed }) => `${fault} ×${injected}${failed > 0 ? style.red(` (${failed} failed)`) : ''}`).join(' · ')
}
