import { maskUrl } from '../redact.js'

/** Where a server is, for messages: never holds the password. */
export interface ServerAddress {
  /** The host name, or the socket's path for a `unix://` URL. */
  readonly host: string
  /** Empty for a socket. */
  readonly port: string
  readonly user: string
  readonly database: string
  /** The option the URL came from (`--db`, `--redis`), so a message can say what to fix. */
  readonly option: string
  /** `PostgreSQL at 127.0.0.1:5432 (postgres://u:***@127.0.0.1:5432/db)`, every secret of the URL masked. */
  readonly label: string
}

/** The address of the server a URL names, with the engine's defaults for what the URL leaves out. */
export function serverAddress(
  url: string,
  engine: string,
  defaults: { port: string; user: string; database: string },
  option = '--db',
): ServerAddress {
  const parsed = new URL(url)
  const socket = parsed.protocol === 'unix:'
  const host = socket ? decodeURIComponent(parsed.pathname) : parsed.hostname || 'localhost'
  const port = socket ? '' : parsed.port || defaults.port
  return {
    host,
    port,
    user: decodeURIComponent(parsed.username) || defaults.user,
    database: socket ? defaults.database : decodeURIComponent(parsed.pathname.slice(1)) || defaults.database,
    option,
    label: `${engine} at ${port ? `${host}:${port}` : host} (${maskUrl(url)})`,
  }
}
