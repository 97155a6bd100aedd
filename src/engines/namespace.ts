import { randomBytes } from 'node:crypto'

/** Every schema or database racebench creates starts with this, and it never touches any other. */
export const NAMESPACE_PREFIX = 'racebench_'

/** `double-booking` → `racebench_double_booking_3f9a0c1e`: unique per run, a valid bare identifier. */
export function namespaceFor(scenario: string): string {
  const slug = scenario.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_+|_+$/g, '').slice(0, 30)
  return `${NAMESPACE_PREFIX}${slug || 'scenario'}_${randomBytes(4).toString('hex')}`
}
