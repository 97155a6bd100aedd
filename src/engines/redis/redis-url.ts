import { UsageError } from '../../errors.js'
import { maskUrl } from '../../redact.js'

/** The `--redis` forms racebench accepts, as the one line that tells a user about them. */
// Worded so that no example looks like a credential: the printed line is masked like any other.
export const REDIS_URL_FORMS = 'redis://host:6379[/db], rediss://host:6379 (TLS) or unix:///path/to/redis.sock, with a password as the user info or ?password='

/** A `--redis` URL, checked, in the forms ioredis and racebench's messages need. */
export interface RedisUrl {
  /** What ioredis is given: the URL itself, or a socket path with its query for `unix://`. */
  readonly connectTo: string
  /** The same without any password (for a server that needs none). */
  readonly connectToWithoutPassword: string
  /** Whether a password is given without a user name: the case ioredis warns about when the server needs none. */
  readonly passwordOnly: boolean
}

/**
 * Why `url` is not a Redis URL racebench accepts, or undefined when it is. ioredis takes anything
 * else for a socket path (`http://h` becomes "connect ENOENT //h"), so the scheme is checked first.
 */
export function redisUrlProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `--redis '${maskUrl(url)}' is not a URL; use ${REDIS_URL_FORMS}`
  }
  const scheme = parsed.protocol
  if (scheme === 'unix:') {
    if (parsed.host !== '' || parsed.pathname.length <= 1) return `--redis '${maskUrl(url)}' names no socket path; use unix:///path/to/redis.sock`
    if (parsed.username || parsed.password) return `--redis '${maskUrl(url)}': give a socket's password as unix:///path/to/redis.sock?password=`
    return undefined
  }
  if (scheme !== 'redis:' && scheme !== 'rediss:') return `--redis '${maskUrl(url)}' is not a Redis URL; use ${REDIS_URL_FORMS}`
  if (parsed.hostname === '') return `--redis '${maskUrl(url)}' names no host; use ${REDIS_URL_FORMS}`
  return undefined
}

/** Parses a `--redis` URL for connecting: a UsageError (exit 2) when `redisUrlProblem` finds one. */
export function parseRedisUrl(url: string): RedisUrl {
  const problem = redisUrlProblem(url)
  if (problem) throw new UsageError(problem)
  const parsed = new URL(url)
  const password = parsed.password || parsed.searchParams.get('password')
  if (!parsed.password && password && parsed.protocol !== 'unix:') {
    // ioredis ignores ?password= when the URL names a user (`redis://alice@h?password=…`): move it.
    parsed.password = encodeURIComponent(password)
    parsed.searchParams.delete('password')
  }
  const withoutPassword = new URL(url)
  withoutPassword.password = ''
  withoutPassword.searchParams.delete('password')
  const connectTo = (target: URL) =>
    // ioredis reads a string that starts with `/` as a socket path, with the same query parameters.
    target.protocol === 'unix:' ? decodeURIComponent(target.pathname) + target.search : target.toString()
  return {
    connectTo: connectTo(parsed),
    connectToWithoutPassword: connectTo(withoutPassword),
    passwordOnly: Boolean(password) && !parsed.username && !parsed.searchParams.get('username'),
  }
}
