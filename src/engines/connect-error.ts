import { messageOf } from '../errors.js'
import type { ServerAddress } from './server-address.js'

type Reason = 'auth' | 'needs-password' | 'no-database' | 'too-many' | 'refused' | 'no-socket' | 'no-host'

/** PostgreSQL SQLSTATEs, MySQL error numbers and socket codes of the common ways a connect fails. */
const REASONS: Readonly<Record<string, Reason>> = {
  '28P01': 'auth',
  '28000': 'auth',
  '1045': 'auth', // ER_ACCESS_DENIED_ERROR
  '3D000': 'no-database',
  '1049': 'no-database', // ER_BAD_DB_ERROR
  '53300': 'too-many',
  '1040': 'too-many', // ER_CON_COUNT_ERROR
  ECONNREFUSED: 'refused',
  ENOTFOUND: 'no-host',
  EAI_AGAIN: 'no-host',
  ENOENT: 'no-socket', // a unix:// socket path where no file is
}

/** Redis answers with a message, not a code: WRONGPASS (Redis 6+) or `ERR invalid password` (Redis 5) for a wrong one. */
function redisReason(message: string): Reason | undefined {
  if (/^WRONGPASS\b|^ERR invalid password/.test(message)) return 'auth'
  if (/^NOAUTH\b/.test(message)) return 'needs-password'
  return undefined
}

/** One line that says what went wrong connecting, and what to check. */
export function describeConnectError(error: unknown, where: ServerAddress): string {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown }
  const reason = REASONS[String(code)] ?? (typeof errno === 'number' ? REASONS[String(errno)] : undefined) ?? redisReason(messageOf(error))
  switch (reason) {
    case 'auth':
      return `authentication failed for user '${where.user}' at ${where.label}: check the user and password in ${where.option}`
    case 'needs-password':
      return `${where.label} requires a password: give it in ${where.option}, as the URL's user info or ?password=`
    case 'no-database':
      return `database '${where.database}' does not exist at ${where.label}`
    case 'too-many':
      return `${where.label} has no free connections: lower --workers or raise the server's connection limit`
    case 'refused':
      return `cannot reach ${where.label}: connection refused (is the server running?)`
    case 'no-socket':
      return `cannot reach ${where.label}: no socket at ${where.host} (is the server running?)`
    case 'no-host':
      return `cannot resolve host '${where.host}' of ${where.label}`
  }
  if (/timeout|timed out/i.test(messageOf(error))) return `no answer from ${where.label}: connection timed out`
  return `cannot connect to ${where.label}: ${messageOf(error)}`
}
