import { TargetError, UsageError } from '../errors.js'

/**
 * Settles the opening of several nodes (one promise each, in order), all or nothing: when one failed,
 * the ones that opened are closed and the first failure is thrown, its line naming the node
 * (`--db node 2 of 3: …`). A usage error stays one (exit 2); anything else is the target's (exit 3).
 */
export async function allOpened<T>(opening: readonly Promise<T>[], close: (opened: T) => Promise<unknown>, nodeName: (index: number) => string): Promise<T[]> {
  const settled = await Promise.allSettled(opening)
  const failed = settled.findIndex((one) => one.status === 'rejected')
  if (failed < 0) return settled.map((one) => (one as PromiseFulfilledResult<T>).value)
  await Promise.allSettled(settled.flatMap((one) => (one.status === 'fulfilled' ? [close(one.value)] : [])))
  const reason = (settled[failed] as PromiseRejectedResult).reason
  const line = `${nodeName(failed)}: ${reason instanceof Error ? reason.message : String(reason)}`
  throw reason instanceof UsageError ? new UsageError(line, { cause: reason }) : new TargetError(line, { cause: reason })
}
