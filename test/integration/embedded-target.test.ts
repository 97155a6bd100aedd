import { existsSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { TargetError } from '../../src/errors.js'
import { startEmbeddedPostgres } from '../../src/target/embedded.js'
import { openTarget } from '../../src/target/open-target.js'
import { namespaceFor } from '../../src/target/namespace.js'

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
})
