import { maskUrl } from '../redact.js'

/** Where a server is, for messages: never holds the password. */
export interface ServerAddress {
  readonly host: string
  readonly port: string
  readonly user: string
  readonly database: string
  /** `PostgreSQL at 127.0.0.1:5432 (postgres://u:***@127.0.0.1:5432/db)` */
  readonly label: string
}

export function serverAddress(url: string, engine: string, defaults: { port: string; user: string; database: string }): ServerAddress {
  const parsed = new URL(url)
  const host = parsed.hostname || 'localhost'
  const port = parsed.port || defaults.port
  return {
    host,
    port,
    user: decodeURIComponent(parsed.username) || defaults.user,
    database: decodeURIComponent(parsed.pathname.slice(1)) || defaults.database,
    label: `${engine} at ${host}:${port} (${maskUrl(url)})`,
  }
}
