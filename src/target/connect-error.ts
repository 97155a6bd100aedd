import { messageOf } from '../errors.js'
import type { ServerAddress } from './server-address.js'

type Reason = 'auth' | 'no-database' | 'too-many' | 'refused' | 'no-host'

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
}

/** One line that says what went wrong connecting, and what to check. */
export function describeConnectError(error: unknown, where: ServerAddress): string {
  const { code, errno } = (error ?? {}) as { code?: unknown; errno?: unknown }
  const reason = REASONS[String(code)] ?? (typeof errno === 'number' ? REASONS[String(errno)] : undefined)
  switch (reason) {
    case 'auth':
      return `authentication failed for user '${where.user}' at ${where.label}: check the user and password in --db`
    case 'no-database':
      return `database '${where.database}' does not exist at ${where.label}`
    case 'too-many':
      return `${where.label} has no free connections: lower --workers or raise the server's connection limit`
    case 'refused':
      return `cannot reach ${where.label}: connection refused (is the server running?)`
    case 'no-host':
      return `cannot resolve host '${where.host}' of ${where.label}`
  }
  if (/timeout|timed out/i.test(messageOf(error))) return `no answer from ${where.label}: connection timed out`
  return `cannot connect to ${where.label}: ${messageOf(error)}`
}
