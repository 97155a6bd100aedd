/** What a masked secret looks like in anything racebench prints. */
export const MASK = '***'

/**
 * URL query parameters that hold a secret, by name, case-insensitively. Drivers read secrets from
 * the query: node-postgres `password` (and `sslpassword`, `sslkey`), mysql2 `password1`…`password3`
 * and `passwordSha1`, ioredis `password` and `sentinelPassword`; TLS options name a `passphrase`
 * or `key`. Matched generously: masking a parameter that was no secret costs nothing.
 */
const SECRET_NAME = /pass|pwd|secret|token|key|auth|cred/i

/** A JSON value with a secret inside (mysql2 parses `?ssl={"passphrase":"…"}` as JSON). */
const SECRET_IN_JSON = /"[^"]*(?:pass|pwd|secret|token|key|auth|cred)[^"]*"\s*:/i

/**
 * `scheme://user:password@`, also mistyped (`scheme:/user:password@`, `user:password@host`): the
 * password runs to the last `@` before a space or a `/`.
 */
const USER_INFO = /((?:\b[a-z][a-z0-9+.-]*:\/*)?[^\s:/@'"()]*:)([^\s/]*)@/gi

/** `name=value`: a query parameter, or a libpq-style keyword in free text. The value runs to `&`, `#` or a space. */
const PARAMETER = /(^|[^\w.%-])([\w.%-]+)=([^&#\s]*)/g

/**
 * Secrets of every URL racebench has been given in this process. Everything printed goes through
 * `redact`, so remembering them here masks them in every message, including a driver's, without
 * threading them through every module that might print one.
 */
const remembered = new Set<string>()

/**
 * Masks every secret of a connection URL: the password of its user info and every secret query
 * parameter. `postgres://u:secret@h/db?sslpassword=x` → `postgres://u:***@h/db?sslpassword=***`.
 * Text that does not parse as a URL is masked all the same, so a typo cannot leak a password.
 */
export function maskUrl(url: string): string {
  let text = url
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = MASK
    text = parsed.toString()
  } catch {
    // not a URL: the patterns below still find `user:password@` and `password=…`
  }
  return maskCredentialsIn(text)
}

/** Masks `scheme://user:password@` and every secret `name=value` wherever they appear in free text. */
export function maskCredentialsIn(text: string): string {
  return text
    .replace(USER_INFO, `$1${MASK}@`)
    .replace(PARAMETER, (match: string, before: string, name: string, value: string) =>
      // Already masked (`password=***`, maybe followed by more text): leave it as it is.
      value !== '' && !value.startsWith(MASK) && isSecretParameter(name, value) ? `${before}${name}=${MASK}` : match,
    )
}

/** Masks every secret racebench was given, every given secret and any URL credentials in free text. */
export function redact(text: string, secrets: readonly string[] = []): string {
  // Longest first: a secret that contains another must go whole, not leave its remainder behind.
  const all = [...new Set([...remembered, ...secrets])].filter((secret) => secret.length > 0).sort((a, b) => b.length - a.length)
  let out = text
  for (const secret of all) out = out.split(secret).join(MASK)
  return maskCredentialsIn(out)
}

/**
 * Every secret in a connection URL, in each form a message may show it: as typed, decoded and
 * re-encoded (a driver may print any of them). Works on text that is not a valid URL too.
 */
export function secretsOf(url: string): string[] {
  const raw: string[] = []
  for (const [, , password] of url.matchAll(USER_INFO)) if (password) raw.push(password)
  // The whole text is one URL here, so its password may run to the last `@`, spaces and all.
  const whole = /^[a-z][a-z0-9+.-]*:\/\/[^:@\s/]*:(.*)@/is.exec(url.trim())?.[1]
  if (whole) raw.push(whole)
  try {
    const password = new URL(url).password
    if (password) raw.push(password)
  } catch {
    // not a URL: the user info found above is all there is
  }
  for (const [, , name, value] of url.matchAll(PARAMETER)) {
    if (name && value && isSecretParameter(name, value)) raw.push(value)
  }
  return [...new Set(raw.flatMap(formsOf))].filter((secret) => secret.length > 0 && secret !== MASK)
}

/** Collects the secrets of a URL (see `secretsOf`) and makes every later `redact` mask them. */
export function rememberSecretsOf(url: string): string[] {
  const secrets = secretsOf(url)
  for (const secret of secrets) remembered.add(secret)
  return secrets
}

/** The decoded password of a URL's user info, if it has one. */
export function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password
    return password ? decode(password) : undefined
  } catch {
    return undefined
  }
}

function isSecretParameter(name: string, value: string): boolean {
  return SECRET_NAME.test(decode(name)) || SECRET_IN_JSON.test(decode(value))
}

/** `a%20b+c` → itself, `a b+c` (URI decoding), `a b c` (form decoding), and `a%20b%2Bc` (re-encoded). */
function formsOf(raw: string): string[] {
  const decoded = decode(raw)
  const formDecoded = decode(raw.replace(/\+/g, ' '))
  return [raw, decoded, formDecoded, encodeURIComponent(decoded), encodeURIComponent(formDecoded)]
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}

/**
 * Whether text holds a secret racebench was given, or a URL's credentials: cheap enough to ask of
 * every statement parameter a history records.
 */
export function holdsSecret(text: string): boolean {
  if (remembered.size > 0) for (const secret of remembered) if (text.includes(secret)) return true
  return text.includes('@') && maskCredentialsIn(text) !== text
}
