import { Redis } from 'ioredis'
import { plural } from '../check/plural.js'
import { messageOf, TargetError } from '../errors.js'
import { redact, secretsOf } from '../redact.js'
import { describeConnectError } from '../engines/connect-error.js'
import { parseRedisUrl } from '../engines/redis/redis-url.js'
import { serverAddress } from '../engines/server-address.js'
import type { Finding, LeftoverSource } from './finding.js'
import { isRunNamespace, namespaceNamedBy } from './namespace-pattern.js'
import { CLEAN_TIMEOUTS } from './namespace-leftovers.js'

/** Keys per SCAN step and per DEL: small enough never to block a shared Redis for long. */
const BATCH = 500

/**
 * A connection for `clean`: the URL checked as `run` checks it (exit 2), an unreachable server one
 * line (exit 3, password masked). It fails fast, never queues or reconnects, and is named so it is
 * never mistaken for a run's.
 */
export async function connectRedisForClean(url: string): Promise<Redis> {
  const { connectTo } = parseRedisUrl(url)
  const client = new Redis(connectTo, {
    lazyConnect: true,
    connectTimeout: CLEAN_TIMEOUTS.connectMs,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    connectionName: 'racebench-clean',
  })
  // ioredis then only says "Connection is closed": keep the cause.
  let cause: unknown
  client.on('error', (error: unknown) => (cause = error))
  try {
    await client.connect()
    return client
  } catch (error) {
    client.disconnect()
    throw new TargetError(redact(describeConnectError(cause ?? error, addressOf(url)), secretsOf(url)), { cause: cause ?? error })
  }
}

/** The Redis at `url` as a place `clean` looks: a UsageError for a URL that is not Redis's, a TargetError when unreachable. */
export async function openRedisSource(url: string): Promise<LeftoverSource> {
  const redis = await connectRedisForClean(url)
  const where = redisWhere(url)
  return { what: `racebench keys on ${where}`, survey: () => findRedisLeftovers(redis, where), close: async () => redis.disconnect() }
}

/** `Redis at 127.0.0.1:6379, db 2`: where the keys live, without the password. */
export function redisWhere(url: string): string {
  const { host, port, database } = addressOf(url)
  return `Redis at ${port ? `${host}:${port}` : host}${Number(database) > 0 ? `, db ${database}` : ''}`
}

function addressOf(url: string) {
  return serverAddress(url, 'Redis', { port: '6379', user: 'default', database: '0' }, '--redis')
}

/**
 * Keys `<namespace>:*` of run namespaces that no client uses: every run names its Redis connections
 * after its namespace (CLIENT LIST name=…). Keys are found with SCAN and deleted with DEL, never KEYS,
 * so a shared Redis is never blocked. When CLIENT LIST is refused (ACL), nothing is deleted.
 */
export async function findRedisLeftovers(redis: Redis, where: string): Promise<Finding[]> {
  const keys = new Map<string, number>()
  for await (const batch of redis.scanStream({ match: 'racebench_*:*', count: BATCH }) as AsyncIterable<string[]>) {
    for (const key of batch) {
      const namespace = key.slice(0, key.indexOf(':'))
      if (isRunNamespace(namespace)) keys.set(namespace, (keys.get(namespace) ?? 0) + 1)
    }
  }
  const clients = await clientsByNamespace(redis)
  return [...keys].sort(([a], [b]) => a.localeCompare(b)).map(([namespace, count]): Finding => {
    const found = { kind: 'Redis keys', name: `${namespace}:*`, where } as const
    if (!(clients instanceof Map)) return { ...found, state: 'unsure', detail: clients.unknown }
    const open = clients.get(namespace) ?? 0
    if (open > 0) return { ...found, state: 'in use', detail: plural(open, 'client') }
    return {
      ...found,
      state: 'leftover',
      detail: `${plural(count, 'key')}, no client`,
      remove: async () => {
        const now = await clientsByNamespace(redis)
        if (!(now instanceof Map)) throw new Error(now.unknown)
        if ((now.get(namespace) ?? 0) > 0) throw new Error('a run connected since: kept')
        return `deleted ${plural(await deleteKeys(redis, namespace), 'key')}`
      },
    }
  })
}

async function clientsByNamespace(redis: Redis): Promise<Map<string, number> | { unknown: string }> {
  let list: string
  try {
    list = String(await redis.client('LIST'))
  } catch (error) {
    return { unknown: `cannot tell whether a run uses them: CLIENT LIST was refused (${messageOf(error)})` }
  }
  const open = new Map<string, number>()
  for (const line of list.split('\n')) {
    const namespace = namespaceNamedBy(/(?:^| )name=(\S*)/.exec(line)?.[1])
    if (namespace) open.set(namespace, (open.get(namespace) ?? 0) + 1)
  }
  return open
}

async function deleteKeys(redis: Redis, namespace: string): Promise<number> {
  let deleted = 0
  for await (const batch of redis.scanStream({ match: `${namespace}:*`, count: BATCH }) as AsyncIterable<string[]>) {
    if (batch.length > 0) deleted += await redis.del(...batch)
  }
  return deleted
}
