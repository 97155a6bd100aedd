import { describe, expect, it } from 'vitest'
import { resolveConfig } from '../../src/config.js'
import { UsageError } from '../../src/errors.js'
import { describeConnectError } from '../../src/engines/connect-error.js'
import { dialectOf } from '../../src/engines/db-url.js'
import { parseRedisUrl, redisUrlProblem } from '../../src/engines/redis/redis-url.js'
import { serverAddress } from '../../src/engines/server-address.js'

const SECRET = 'S3cret-Param'

describe('secrets in the messages about a URL', () => {
  it('"not a database URL" masks secret parameters', () => {
    const error = (() => {
      try {
        return dialectOf(`oracle://scott@db:1521/x?password=${SECRET}`)
      } catch (caught) {
        return caught
      }
    })()
    expect(error).toBeInstanceOf(UsageError)
    expect(String(error)).toContain('oracle://scott@db:1521/x?password=***')
    expect(String(error)).not.toContain(SECRET)
  })

  it("a server's label masks every secret of its URL, for each engine", () => {
    const defaults = { port: '1', user: 'u', database: 'd' }
    for (const url of [
      `postgres://u@h:1/db?password=${SECRET}&sslpassword=${SECRET}`,
      `mysql://root@h:1/test?password=${SECRET}&password2=${SECRET}`,
      `mariadb://root:${SECRET}@h:1/test`,
      `redis://h:1?password=${SECRET}`,
      `unix:///tmp/redis.sock?password=${SECRET}`,
    ]) {
      expect(serverAddress(url, 'X', defaults).label).not.toContain(SECRET)
    }
  })

  it('names a socket by its path', () => {
    expect(serverAddress('unix:///tmp/redis.sock', 'Redis', { port: '6379', user: 'default', database: '0' }, '--redis').label).toBe(
      'Redis at /tmp/redis.sock (unix:///tmp/redis.sock)',
    )
  })
})

describe('Redis connect errors, one line each', () => {
  const where = serverAddress('redis://:pw@h:6390', 'Redis', { port: '6379', user: 'default', database: '0' }, '--redis')

  it('a wrong password is an authentication failure that points at --redis', () => {
    const line = describeConnectError(new Error('WRONGPASS invalid username-password pair or user is disabled.'), where)
    expect(line).toBe("authentication failed for user 'default' at Redis at h:6390 (redis://:***@h:6390): check the user and password in --redis")
  })

  it('no password for a server that needs one says how to give it', () => {
    expect(describeConnectError(new Error('NOAUTH Authentication required.'), where)).toContain('requires a password: give it in --redis')
  })
})

describe('--redis URLs', () => {
  it('accepts redis://, rediss:// and unix://', () => {
    for (const url of ['redis://127.0.0.1:6379', 'REDIS://h', 'rediss://:pw@h:6380/2', 'unix:///tmp/redis.sock?password=x']) {
      expect(redisUrlProblem(url)).toBeUndefined()
    }
  })

  it('refuses anything else with the accepted forms, secrets masked', () => {
    for (const url of ['http://127.0.0.1:6379', `http://u:${SECRET}@h`, '127.0.0.1:6379', 'redis://', 'unix://', 'unix://host/tmp/x']) {
      const problem = redisUrlProblem(url)
      expect(problem).toMatch(/^--redis '/)
      expect(problem).not.toContain(SECRET)
    }
    expect(redisUrlProblem('http://127.0.0.1:6379')).toContain('redis://host:6379[/db], rediss://host:6379 (TLS) or unix:///path/to/redis.sock')
  })

  it('is checked with the other options, before anything starts (exit 2)', () => {
    expect(() => resolveConfig({ redis: 'http://127.0.0.1:6379' })).toThrow(UsageError)
    expect(() => resolveConfig({ redis: 'redis://127.0.0.1:6379' })).not.toThrow()
  })

  it('tells ioredis a socket by its path, and can leave the password out', () => {
    const socket = parseRedisUrl('unix:///tmp/redis.sock?password=x&db=2')
    expect(socket.connectTo).toBe('/tmp/redis.sock?password=x&db=2')
    expect(socket.connectToWithoutPassword).toBe('/tmp/redis.sock?db=2')
    expect(socket.passwordOnly).toBe(true)
    const withUser = parseRedisUrl('redis://alice:pw@h:6379')
    expect(withUser.passwordOnly).toBe(false)
    expect(parseRedisUrl('redis://:pw@h:6379').connectToWithoutPassword).toBe('redis://h:6379')
    // ioredis would drop a ?password= next to a user name: it moves into the user info.
    expect(parseRedisUrl('redis://alice@h:6379?password=p%2Fw&db=1').connectTo).toBe('redis://alice:p%2Fw@h:6379?db=1')
  })
})
