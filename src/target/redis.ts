import { Redis } from 'ioredis'
import { DEFAULTS } from '../config.js'
import { messageOf, TargetError, UsageError } from '../errors.js'
import { maskUrl, passwordOf, redact } from '../redact.js'

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
 * No Redis at the default address is a usage error that says how to give one (exit 2); an explicit
 * `--redis` that cannot be reached is a target error (exit 3).
 */
export async function openRedis(
  url: string | undefined,
  namespace: string,
  options: { timeoutMs: number; log: (line: string) => void; warn: (line: string) => void; defaultUrl?: string },
): Promise<RedisTarget> {
  const defaultUrl = options.defaultUrl ?? DEFAULTS.redis
  const address = url ?? defaultUrl
  const secrets = [passwordOf(address) ?? '']
  const connect = async () => {
    const client = new Redis(address, {
      lazyConnect: true,
      connectTimeout: Math.max(options.timeoutMs, 2_000),
      // Fail fast instead of reconnecting and queueing commands forever: no run may hang.
      maxRetriesPerRequest: 1,
      retryStrategy: () => null,
      enableOfflineQueue: false,
      connectionName: `racebench ${namespace}`,
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

  let admin: Redis
  try {
    admin = await connect()
  } catch (error) {
    const reason = redact(messageOf(error), secrets)
    if (url === undefined) {
      throw new UsageError(`this strategy needs Redis and none answered at ${maskUrl(defaultUrl)} (${reason}); give one with --redis redis://host:6379`)
    }
    throw new TargetError(redact(`cannot reach Redis at ${maskUrl(address)}: ${reason}`, secrets), { cause: error })
  }
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
