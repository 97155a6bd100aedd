/** What a masked secret looks like in anything racebench prints. */
export const MASK = '***'

/**
 * Masks the password of a connection URL: `postgres://u:secret@h/db` → `postgres://u:***@h/db`.
 * Text that does not parse as a URL is returned with every `user:password@` masked anyway,
 * so a typo in a URL cannot leak the password it contains.
 */
export function maskUrl(url: string): string {
  try {
    const parsed = new URL(url)
    if (parsed.password) parsed.password = MASK
    return parsed.toString()
  } catch {
    return maskCredentialsIn(url)
  }
}

/** Masks `scheme://user:password@` wherever it appears in free text (error messages, logs). */
export function maskCredentialsIn(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^:/@\s]*:)[^@\s]*@/gi, `$1${MASK}@`)
}

/** Masks URL credentials and every given secret (e.g. a password we know) in free text. */
export function redact(text: string, secrets: readonly string[] = []): string {
  let out = maskCredentialsIn(text)
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join(MASK)
  }
  return out
}

/** The decoded password of a URL, if it has one: the thing `redact` must never let through. */
export function passwordOf(url: string): string | undefined {
  try {
    const password = new URL(url).password
    return password ? decodeURIComponent(password) : undefined
  } catch {
    return undefined
  }
}
