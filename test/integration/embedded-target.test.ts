import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import pg from 'pg'
import { describe, expect, it } from 'vitest'
import { TargetError } from '../../src/errors.js'
import { EMBEDDED_DIR_PREFIX, startEmbeddedPostgres } from '../../src/engines/embedded/embedded.js'
import { openTarget } from '../../src/engines/open-target.js'
import { namespaceFor } from '../../src/engines/namespace.js'

const warnings: string[] = []
const options = { namespace: namespaceFor('double-booking'), timeoutMs: 5_000, keep: false, workers: 2, log: () => {}, warn: (line: string) => warnings.push(line) }

describe('the embedded PostgreSQL', () => {
  it('checks passwords: a wrong one is a TargetError naming host and port, the password masked', async () => {
    const logged: string[] = []
    const server = await startEmbeddedPostgres({ workers: 2, log: (line) => logged.push(line) })
    const dataDir = /data in (\S+)/.exec(logged.join('\n'))?.[1]
    try {
      expect(dataDir && existsSync(dataDir)).toBe(true)
      const wrong = new URL(server.url)
      wrong.password = 'not-the-password'
      const error = await openTarget(wrong.toString(), options).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(TargetError)
      const message = (error as TargetError).message
      expect(message).toContain(`authentication failed for user 'postgres' at PostgreSQL at 127.0.0.1:${wrong.port}`)
      expect(message).toContain('postgres://postgres:***@127.0.0.1')
      expect(message).not.toContain('not-the-password')
      expect((error as TargetError).exitCode).toBe(3)

      // The right password works, and the server reports what it is.
      const target = await openTarget(server.url, options)
      expect(target.server).toMatch(/^PostgreSQL \d+\.\d+/)
      await target.close()
    } finally {
      await server.stop()
    }
    expect(existsSync(dataDir ?? '/nonexistent')).toBe(false)
    expect(warnings).toEqual([])
  })

  it('makes the cluster template once, safely under concurrent starts, and rebuilds a corrupt one', async () => {
    // A cache of its own, and a temporary folder of its own: tests checking the machine's for leftovers never see ours.
    const cache = mkdtempSync(join(tmpdir(), 'racebench-test-cache-'))
    chmodSync(cache, 0o1777) // like /tmp: as root, the server runs as the OS user postgres and must reach its folder
    const previous = { XDG_CACHE_HOME: process.env.XDG_CACHE_HOME, TMPDIR: process.env.TMPDIR }
    process.env.XDG_CACHE_HOME = cache
    process.env.TMPDIR = cache
    const logged: string[] = []
    const startOne = () => startEmbeddedPostgres({ workers: 2, log: (line) => logged.push(line) })
    const canQuery = async (url: string) => {
      const client = new pg.Client(url)
      await client.connect()
      try {
        return (await client.query('SELECT 1 AS one')).rows[0]?.one === 1
      } finally {
        await client.end()
      }
    }
    try {
      // Two runs find no template and build one at once: both start, one template is kept, nothing half-built.
      const [a, b] = await Promise.all([startOne(), startOne()])
      expect(a.url).not.toBe(b.url) // each its own port and password
      expect(await canQuery(a.url)).toBe(true)
      expect(await canQuery(b.url)).toBe(true)
      await Promise.all([a.stop(), b.stop()])
      expect(readdirSync(cache).filter((name) => name.startsWith(EMBEDDED_DIR_PREFIX))).toEqual([])
      const entries = readdirSync(join(cache, 'racebench'))
      expect(entries).toEqual([expect.stringMatching(/^template-pg[\w.-]+-v\d+$/)])
      const template = join(cache, 'racebench', entries[0]!)

      // A template whose cluster will not start is thrown away and built again; the run does not notice.
      const control = join(template, 'data', 'global', 'pg_control')
      const good = readFileSync(control)
      writeFileSync(control, Buffer.alloc(good.length, 0xff))
      logged.length = 0
      const c = await startOne()
      expect(await canQuery(c.url)).toBe(true)
      expect(logged).toContainEqual(expect.stringContaining('a copy of the cluster template failed'))
      await c.stop()
      expect(readFileSync(control).equals(Buffer.alloc(good.length, 0xff))).toBe(false)
      expect(readdirSync(join(cache, 'racebench'))).toEqual(entries)
    } finally {
      for (const [name, value] of Object.entries(previous)) {
        if (value === undefined) delete process.env[name]
        else process.env[name] = value
      }
      rmSync(cache, { recursive: true, force: true })
    }
  })
})
