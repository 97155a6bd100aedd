import { describe, expect, it } from 'vitest'
import { runCli } from '../support/cli.js'
import { MYSQL_URL, probeMysql, probeRedis } from '../support/services.js'

const mariadb = await probeMysql()
const redis = await probeRedis()

describe.skipIf(!mariadb.available)(`run against ${mariadb.name}`, () => {
  const withPassword = (password: string, database = 'test') => {
    const url = new URL(MYSQL_URL)
    url.password = password
    url.pathname = `/${database}`
    return url.toString()
  }

  it('mariadb:// works like mysql://, and --json names the real server', async () => {
    const url = MYSQL_URL.replace(/^mysql:/, 'mariadb:')
    const run = await runCli(['run', 'double-booking', '--strategy', 'unique', '--db', url, '--json', '--iterations', '10'])
    expect(run.stderr).toMatch(/^racebench: running [^\n]+\n$/) // off a terminal: only the start line
    expect(run.code).toBe(0)
    const result = JSON.parse(run.stdout)
    expect(result.db).toMatchObject({ dialect: 'mysql', server: expect.stringMatching(/^(MariaDB|MySQL) \d+\.\d+/), embedded: false })
    expect(result.db.schema).toMatch(/^racebench_double_booking_[0-9a-f]{8}$/)
    expect(result.isolation).toBe('repeatable read')
  })

  it('the table names the server and shows the race', async () => {
    const run = await runCli(['run', 'double-booking', '--db', MYSQL_URL])
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/^double-booking · strategy none \(unsafe\) · (MariaDB|MySQL) [\d.]+ · repeatable read$/m)
    expect(run.stdout).toMatch(/✘ no double booking: room \d+ on night \d+ has \d+ active bookings/)
  })

  it('a wrong password is exit 3, naming host and port, the password masked', async () => {
    const run = await runCli(['run', 'double-booking', '--db', withPassword('wr0ng-pw')])
    expect(run.code).toBe(3)
    expect(run.stdout).toBe('')
    expect(run.stderr.trim().split('\n')).toHaveLength(1)
    expect(run.stderr).toContain(`authentication failed for user 'root' at MySQL at ${new URL(MYSQL_URL).host}`)
    expect(run.stderr).toContain('mysql://root:***@')
    expect(run.stderr).not.toContain('wr0ng-pw')
  })

  it('a database that does not exist is exit 3', async () => {
    const run = await runCli(['run', 'double-booking', '--db', MYSQL_URL.replace(/\/[^/]*$/, '/no_such_db')])
    expect(run.code).toBe(3)
    expect(run.stderr).toContain("database 'no_such_db' does not exist")
  })

  it.skipIf(!redis.available)('redis-lock shows the lock line in the table', async () => {
    const run = await runCli(['run', 'double-booking', '-s', 'redis-lock', '--db', MYSQL_URL, '--redis', 'redis://127.0.0.1:6379', '-n', '10'])
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/ \+ Redis \d[\d.]* · repeatable read$/m)
    expect(run.stdout).toMatch(/^locks: 80 acquired · wait p50 [\d.]+ · p95 [\d.]+ · p99 [\d.]+ · max [\d.]+ ms$/m)
  })
})

if (!mariadb.available) it.skip(`run against MariaDB: ${mariadb.reason}`, () => {})
