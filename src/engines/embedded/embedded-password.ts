import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto'
import type pg from 'pg'

/** A fresh random password: 24 URL-safe characters, nothing to escape anywhere. */
export function randomPassword(): string {
  return randomBytes(18).toString('base64url')
}

/**
 * SCRAM's key stretching: PostgreSQL's default is 4096 rounds of PBKDF2 on each side of every login,
 * about 2.5 ms of CPU each, which protects a guessable password. These are 144 random bits that never
 * leave the machine: nobody can guess them, with or without stretching, so a handful of rounds does.
 * It matters at scale: 2,000 workers' logins would otherwise cost some 10 s of CPU.
 */
const SCRAM_ITERATIONS = 16

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for `password` (RFC 5803, as `pg_authid.rolpassword`
 * holds it). Sending the verifier instead of the password keeps the password out of the server's
 * memory and logs (an `ALTER ROLE` that fails is logged with its text).
 */
export function scramVerifier(password: string, iterations = SCRAM_ITERATIONS): string {
  const salt = randomBytes(16)
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256')
  const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest()
  const storedKey = createHash('sha256').update(hmac(salted, 'Client Key')).digest()
  const serverKey = hmac(salted, 'Server Key')
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`
}

/**
 * Gives a cluster copied from the template its own password: logs in with the template's and replaces
 * it. Until then only someone who can read the template (its owner) could log in.
 */
export async function changeSuperuserPassword(port: number, from: string, to: string): Promise<void> {
  const client = await connectAsSuperuser(port, from)
  try {
    // Nothing to wait for: a crash loses the whole cluster anyway.
    await client.query(`SET synchronous_commit = off; ALTER ROLE postgres PASSWORD '${scramVerifier(to)}'`)
  } finally {
    await client.end().catch(() => {})
  }
}

/** A connection to an embedded server as its superuser, for racebench's own housekeeping. */
export async function connectAsSuperuser(port: number, password: string): Promise<pg.Client> {
  // Loaded here, not at the top: open-target.ts loads node-postgres while the server starts.
  const { default: driver } = await import('pg')
  const client = new driver.Client({ host: '127.0.0.1', port, user: 'postgres', password, database: 'postgres', connectionTimeoutMillis: 10_000 })
  client.on('error', () => {})
  await client.connect()
  return client
}
