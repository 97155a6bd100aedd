import { describe, expect, it } from 'vitest'
import { runCli, type CliRun, expectOneLine } from '../support/cli.js'
import { PG_URL, probePostgres, probeRedis, REDIS_URL } from '../support/services.js'

const postgres = await probePostgres()
const redis = await probeRedis()

/** A secret with characters that URL encoding changes, so both its typed and decoded forms are checked. */
const SECRET = 'S3cret/pw&x'
const ENCODED = encodeURIComponent(SECRET)

function expectNoSecret(run: CliRun) {
  for (const form of [SECRET, ENCODED, 'S3cret']) {
    expect(run.stdout).not.toContain(form)
    expect(run.stderr).not.toContain(form)
  }
}


describe('secrets in URL parameters never reach the output', () => {
  it('PostgreSQL: ?password= and ?sslpassword= in the error line, under --debug, given as --db=URL', async () => {
    const run = await runCli(['run', 'double-booking', '--debug', `--db=postgres://u@127.0.0.1:1/db?password=${ENCODED}&sslpassword=${ENCODED}`])
    expect(run.code).toBe(3)
    expect(run.stderr).toContain('(postgres://u@127.0.0.1:1/db?password=***&sslpassword=***): connection refused')
    expectNoSecret(run)
  })

  it('MySQL: ?password=, ?password2= and ?passphrase= in the error line', async () => {
    const run = await runCli(['run', 'double-booking', '--db', `mysql://root@127.0.0.1:1/test?PASSWORD=${ENCODED}&password2=${ENCODED}&passphrase=${ENCODED}`])
    expect(run.code).toBe(3)
    expectOneLine(run)
    expect(run.stderr).toContain('(mysql://root@127.0.0.1:1/test?PASSWORD=***&password2=***&passphrase=***): connection refused')
    expectNoSecret(run)
  })

  it.skipIf(!postgres.available || !redis.available)(
    'a successful run: --json db.url and redis.url, --debug logs, and one warning for a password Redis does not need',
    async () => {
      const db = new URL(PG_URL)
      db.searchParams.set('password', SECRET) // the machine's server trusts: the password is sent and not checked
      db.searchParams.set('sslpassword', SECRET)
      const redisUrl = `${REDIS_URL}?password=${ENCODED}`
      const run = await runCli(['run', 'double-booking', '-s', 'redis-lock', '-n', '2', '--json', '--debug', '--db', db.toString(), '--redis', redisUrl])
      expect(run.code).toBe(0)
      const result = JSON.parse(run.stdout)
      expect(result.db.url).toMatch(/\?password=\*\*\*&sslpassword=\*\*\*$/)
      expect(result.redis.url).toMatch(/\?password=\*\*\*$/)
      expect(run.stderr).toContain('created schema') // the --debug log, masked
      expect(run.stderr.match(/requires no password; the one in --redis is not used/g)).toHaveLength(1)
      expect(run.stderr).not.toContain('[WARN]')
      expectNoSecret(run)
    },
  )

  it('--redis that is not a Redis URL is one line, exit 2, listing the forms', async () => {
    const run = await runCli(['run', 'double-booking', '-s', 'redis-lock', '--redis', `http://u:${ENCODED}@127.0.0.1:6379`])
    expect(run.code).toBe(2)
    expectOneLine(run)
    expect(run.stderr).toContain('is not a Redis URL; use redis://host:6379[/db], rediss://host:6379 (TLS) or unix:///path/to/redis.sock')
    expectNoSecret(run)
  })
})
