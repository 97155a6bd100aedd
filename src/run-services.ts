import type { RunConfig } from './config.js'
import type { RedisTarget } from './engines/redis/redis.js'
import type { Session } from './engines/session.js'
import type { Target, TargetOptions } from './engines/target.js'
import { openTarget } from './engines/open-target.js'
import { UsageError } from './errors.js'
import { namespaceFor } from './engines/namespace.js'
import { onOwnConnection, onOwnSecond } from './own-connection.js'
import { allOpened } from './engines/all-opened.js'
import type { Watchdog } from './runner/watchdog.js'
import { scenarioCallFailed } from './scenario/code-fault.js'
import type { BrokerContext, Params, Scenario, Strategy } from './scenario/define-scenario.js'

// What a run opens and calls around its database: Redis nodes, a second database, a strategy's recovery.

/**
 * The run's Redis nodes, in `--redis` order (the default address without one): one for a lease lock,
 * several independent ones for Redlock. All or nothing: a node that cannot be opened closes the others.
 */
export async function openRedisNodes(urls: readonly string[], namespace: string, options: { timeoutMs: number; log: (line: string) => void; warn: (line: string) => void }): Promise<RedisTarget[]> {
  // ioredis is loaded only by runs that use it: it takes a tenth of a second to load (cold start).
  const { openRedis } = await import('./engines/redis/redis.js')
  if (urls.length <= 1) return [await openRedis(urls[0], namespace, options)]
  return allOpened(
    urls.map((url) => openRedis(url, namespace, options)),
    (node) => node.close(),
    (index) => `--redis node ${index + 1} of ${urls.length}`,
  )
}

/**
 * The scenario's second database, another service's: a namespace of its own on `--db2`, or, without it,
 * on the first node's server. Undefined for scenarios with one database.
 */
export async function openSecond(scenario: Scenario<Params, unknown>, config: RunConfig, first: Target, options: TargetOptions): Promise<Target | undefined> {
  const second = scenario.secondDatabase
  if (!second) return undefined
  const namespace = namespaceFor(`${scenario.name}-${second.name}`)
  return config.db2 === undefined ? first.sibling(namespace) : openTarget(config.db2, { ...options, namespace })
}

/**
 * A strategy's recovery, once the workers stopped: on connections of its own to both databases, bounded
 * by the watchdog like any scenario code. What it throws is the scenario's fault, or the target's when a
 * connection broke.
 */
export async function recoverAfterRun(
  strategy: Strategy<Params, unknown>,
  run: { readonly target: Target; readonly second: Target | undefined; readonly broker: BrokerContext | undefined; readonly watchdog: Watchdog; readonly site: string; readonly params: Params },
): Promise<void> {
  const { target, second, broker, watchdog, site, params } = run
  const recover = strategy.recover!
  const call = (db: Session, db2: Session | undefined) =>
    watchdog.call(site, db, (own) => recover({ dialect: target.dialect, engine: target.engine, db: own, db2, params, broker }))
  await onOwnConnection(target, watchdog, (db) => onOwnSecond(second, watchdog, (db2) => call(db, db2))).catch(scenarioCallFailed(site, target.server))
}

/** A strategy resting on a capability the server lacks (advisory locks on CockroachDB) is refused, with why. */
export function assertEngineHas(strategy: Strategy<Params, unknown>, name: string, target: Target): void {
  for (const capability of strategy.needs ?? []) {
    const reason = target.engine.lacks[capability]
    if (reason) throw new UsageError(`strategy '${name}' cannot run on ${target.server}: ${reason}`)
  }
}
