import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { ExitCode, TargetError, UsageError } from '../../src/errors.js'
import { openRedis } from '../../src/engines/redis/redis.js'
import { failure } from '../support/failure.js'
import { freePort } from '../../src/engines/embedded/embedded-port.js'
import { probeRedis, REDIS_URL } from '../support/services.js'

const PASSWORD = 'Rd-S3cret/pw'
const ENCODED = encodeURIComponent(PASSWORD)
const quiet = { timeoutMs: 1_000, log: () => {}, warn: () => {} }
const hasRedisServer = spawnSync('redis-server', ['--version']).status === 0
const machineRedis = await probeRedis()



/** A Redis of this test's own, with a password, on loopback and on a socket: gone when the test ends. */
async function startRedisWithPassword(): Promise<{ url: string; socket: string; stop(): void }> {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), 'racebench-redis-test-'))
  const socket = join(dir, 'redis.sock')
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--requirepass', PASSWORD, '--save', '', '--appendonly', 'no', '--unixsocket', socket, '--unixsocketperm', '700']
  const child: ChildProcess = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  await new Promise<void>((resolve, reject) => {
    let output = ''
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      if (output.includes('Ready to accept connections')) resolve()
    })
    child.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)))
  })
  return {
    url: `redis://127.0.0.1:${port}`,
    socket,
    stop() {
      child.kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

describe.skipIf(!hasRedisServer)('--redis with a password (a redis-server of our own)', () => {
  let server: Awaited<ReturnType<typeof startRedisWithPassword>>
  beforeAll(async () => {
    server = await startRedisWithPassword()
  })
  afterAll(() => server?.stop())

  it('connects with the password as user info, as ?password=, and on a unix:// socket, and says nothing', async () => {
    const warn = vi.fn()
    const consoleWarn = vi.spyOn(console, 'warn')
    const host = server.url.replace('redis://', '')
    for (const url of [`redis://:${ENCODED}@${host}`, `redis://${host}?password=${ENCODED}`, `unix://${server.socket}?password=${ENCODED}`]) {
      const target = await openRedis(url, 'racebench_test_input', { ...quiet, warn })
      try {
        expect(target.url).not.toContain(ENCODED)
        const worker = await target.connect()
        expect(await worker.ping()).toBe('PONG')
        worker.disconnect()
      } finally {
        await target.close()
      }
    }
    expect(warn).not.toHaveBeenCalled()
    expect(consoleWarn).not.toHaveBeenCalled()
    consoleWarn.mockRestore()
  })

  it('a wrong password is one masked line, exit 3', async () => {
    const wrong = 'Wr0ng-S3cret'
    const { error, line } = await failure(openRedis(`redis://:${wrong}@${server.url.replace('redis://', '')}`, 'racebench_test_input', quiet))
    expect(error).toBeInstanceOf(TargetError)
    expect((error as TargetError).exitCode).toBe(ExitCode.Target)
    expect(line).toMatch(/^authentication failed for user 'default' at Redis at 127\.0\.0\.1:\d+ \(redis:\/\/:\*\*\*@127\.0\.0\.1:\d+\): check the user and password in --redis$/)
    expect(line).not.toContain(wrong)
  })

  it('no password for a server that needs one says how to give it (exit 3)', async () => {
    const { error, line } = await failure(openRedis(server.url, 'racebench_test_input', quiet))
    expect(error).toBeInstanceOf(TargetError)
    expect(line).toContain('requires a password: give it in --redis')
  })

  it('at the default address, a Redis that needs a password is a usage error saying how to give it (exit 2)', async () => {
    const { error, line } = await failure(openRedis(undefined, 'racebench_test_input', { ...quiet, defaultUrl: server.url }))
    expect(error).toBeInstanceOf(UsageError)
    expect(line).toContain('requires a password: give it with --redis')
  })
})
if (!hasRedisServer) it.skip('--redis with a password: redis-server is not on PATH', () => {})

describe('--redis that cannot be used', () => {
  it('a URL that is not redis://, rediss:// or unix:// is a usage error (exit 2) listing the forms', async () => {
    const { error, line } = await failure(openRedis('http://127.0.0.1:6379', 'racebench_test_input', quiet))
    expect(error).toBeInstanceOf(UsageError)
    expect(line).toContain('is not a Redis URL; use redis://host:6379')
    expect(line).not.toContain('ENOENT')
  })

  it('an explicit --redis nobody answers at is a target error (exit 3), one line', async () => {
    const port = await freePort()
    const { error, line } = await failure(openRedis(`redis://:${ENCODED}@127.0.0.1:${port}`, 'racebench_test_input', quiet))
    expect(error).toBeInstanceOf(TargetError)
    expect(line).toBe(`cannot reach Redis at 127.0.0.1:${port} (redis://:***@127.0.0.1:${port}): connection refused (is the server running?)`)
  })
})

describe.skipIf(!machineRedis.available)('a password for a Redis that needs none', () => {
  it('is left out of every connection, with one warning of ours and none of ioredis', async () => {
    const warn = vi.fn()
    const consoleWarn = vi.spyOn(console, 'warn')
    const url = new URL(REDIS_URL)
    url.password = ENCODED
    const target = await openRedis(url.toString(), 'racebench_test_input', { ...quiet, warn })
    try {
      const workers = await Promise.all([target.connect(), target.connect(), target.connect()])
      for (const worker of workers) worker.disconnect()
    } finally {
      await target.close()
    }
    expect(warn).toHaveBeenCalledTimes(1)
    expect(warn.mock.calls[0]?.[0]).toMatch(/requires no password; the one in --redis is not used$/)
    expect(warn.mock.calls[0]?.[0]).not.toContain(ENCODED)
    expect(consoleWarn).not.toHaveBeenCalled()
    consoleWarn.mockRestore()
  })
})
if (!machineRedis.available) it.skip(`a password for a Redis that needs none: ${machineRedis.reason}`, () => {})
