import { Redis } from 'ioredis'
import { DEFAULTS } from '../../config.js'
import { messageOf, TargetError, UsageError } from '../../errors.js'
import { maskUrl, redact, rememberSecretsOf } from '../../redact.js'
import { describeConnectError } from '../connect-error.js'
import { parseRedisUrl, type RedisUrl } from './redis-url.js'
import { serverAddress } from '../server-address.js'

/** The run's Redis: one connection per worker, every key under the run's namespace. */
export interface RedisTarget {
  readonly server: string
  readonly url: string
  /** A new connection for a worker. */
  connect(): Promise<Redis>
  /** `lock:3` → `<namespace>:lock:3` */
  key(name: string): string
  /** Deletes every key of the run, then disconnects. */
  close(): Promise<void>
}

/** Whether a Redis answers at `url` (for `compare`, deciding whether to include Redis strategies). */
export async function redisAnswers(url: string, timeoutMs: number): Promise<boolean> {
  try {
    const target = await openRedis(url, 'racebench_probe', { timeoutMs, log: () => {}, warn: () => {} })
    await target.close()
    return true
  } catch {
    return false
  }
}

/**
 * Opens Redis for a strategy that needs it: at `url`, or, without one, at the default address.
 * A `url` that is not a Redis URL, and no Redis at the default address, are usage errors that say
 * what to give (exit 2); an explicit `--redis` that cannot be reached or logged into is a target
 * error (exit 3), as an unreachable `--db` is.
 */
export async function openRedis(
  url: string | undefined,
  namespace: string,
  options: { timeoutMs: number; log: (line: string) => void; warn: (line: string) => void; defaultUrl?: string },
): Promise<RedisTarget> {
  const defaultUrl = options.defaultUrl ?? DEFAULTS.redis
  const address = url ?? defaultUrl
  const redisUrl = parseRedisUrl(address)
  const where = serverAddress(address, 'Redis', { port: '6379', user: 'default', database: '0' }, '--redis')
  const secrets = rememberSecretsOf(address)
  const open = (connectTo: string) => connectRedis(connectTo, namespace, options.timeoutMs)

  let opened: { admin: Redis; connectTo: string }
  try {
    opened = await openAdmin(redisUrl, open, () => options.warn(`${where.label} requires no password; the one in --redis is not used`))
  } catch (error) {
    if (url === undefined) {
      const reason = redact(messageOf(error), secrets)
      if (/^NOAUTH\b/.test(reason)) {
        throw new UsageError(`this strategy needs Redis, and the one at ${maskUrl(defaultUrl)} requires a password: give it with --redis, as the URL's user info or ?password=`)
      }
      throw new UsageError(`this strategy needs Redis and none answered at ${maskUrl(defaultUrl)} (${reason}); give one with --redis redis://host:6379`)
    }
    throw new TargetError(redact(describeConnectError(error, where), secrets), { cause: error })
  }
  const { admin } = opened
  const connect = () => open(opened.connectTo)
  const version = /redis_version:(\S+)/.exec(await admin.info('server'))?.[1] ?? 'unknown'
  options.log(`using Redis ${version} at ${maskUrl(address)}, keys under ${namespace}:`)

  return {
    server: `Redis ${version}`,
    url: maskUrl(address),
    connect,
    key: (name) => `${namespace}:${name}`,
    async close() {
      try {
        // SCAN, never KEYS: a shared Redis must not block while we clean up.
        for await (const keys of admin.scanStream({ match: `${namespace}:*`, count: 500 }) as AsyncIterable<string[]>) {
          if (keys.length > 0) await admin.del(...keys)
        }
      } catch (error) {
        options.warn(redact(`could not delete the run's Redis keys ${namespace}:* (${messageOf(error)})`, secrets))
      } finally {
        admin.disconnect()
      }
    },
  }
}

/**
 * Opens the first connection and decides how every later one connects. ioredis prints a raw
 * "[WARN] … does not require a password" on each connection that sends a password the server does
 * not need, so a password without a user name is first left out: a server that answers needs none
 * (the caller warns once, and no connection sends it); one that says NOAUTH gets it.
 */
async function openAdmin(
  url: RedisUrl,
  open: (connectTo: string) => Promise<Redis>,
  warnPasswordNotNeeded: () => void,
): Promise<{ admin: Redis; connectTo: string }> {
  if (url.passwordOnly) {
    try {
      const admin = await open(url.connectToWithoutPassword)
      warnPasswordNotNeeded()
      return { admin, connectTo: url.connectToWithoutPassword }
    } catch (error) {
      if (!/^NOAUTH\b/.test(messageOf(error))) throw error
    }
  }
  return { admin: await open(url.connectTo), connectTo: url.connectTo }
}

/** One Redis connection that never reconnects or queues: a failure is reported, never waited out. */
async function connectRedis(connectTo: string, namespace: string, timeoutMs: number): Promise<Redis> {
  const client = new Redis(connectTo, {
    lazyConnect: true,
    connectTimeout: Math.max(timeoutMs, 2_000),
    // Fail fast instead of reconnecting and queueing commands forever: no run may hang.
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    // Redis refuses a client name with a space (and ioredis ignores the refusal): the namespace alone
    // names the run, so `racebench clean` can tell its keys are in use (CLIENT LIST name=…).
    connectionName: namespace,
  })
  // Reported by the command that fails; ioredis then only says "Connection is closed", so keep the cause.
  let cause: unknown
  client.on('error', (error: unknown) => (cause = error))
  try {
    await client.connect()
  } catch (error) {
    client.disconnect()
    throw cause ?? error
  }
  return client
}
