import { describe, expect, it } from 'vitest'
import { TargetError } from '../../src/errors.js'
import { assertEmbeddedFits, assertOpenFilesAllow, assertRunFits, connectionsAllowed } from '../../src/engines/connection-capacity.js'
import { serverAddress } from '../../src/engines/server-address.js'

const where = serverAddress('postgres://alice:s3cret@db.example:5432/app', 'PostgreSQL', { port: '5432', user: 'postgres', database: 'postgres' })
const failure = (run: () => void): TargetError => {
  try {
    run()
  } catch (error) {
    return error as TargetError
  }
  throw new Error('it did not refuse')
}

describe('whether a run fits a server', () => {
  it('counts the setup connection, readers and what others use, and lets an exact fit through', () => {
    const capacity = { max: 100, reserved: 3, inUseByOthers: 10 }
    expect(connectionsAllowed(capacity)).toBe(87)
    expect(() => assertRunFits(capacity, { workers: 80, readers: 6 }, where)).not.toThrow()
    expect(() => assertRunFits(capacity, { workers: 80, readers: 7 }, where)).toThrow(TargetError)
  })

  it('refuses with one line: what the run needs, what the server allows and why, what to change, password masked', () => {
    const error = failure(() => assertRunFits({ max: 100, reserved: 3, inUseByOthers: 2 }, { workers: 2000, readers: 0 }, where))
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe(
      'the run needs 2,001 connections (2,000 workers, 1 setup) but PostgreSQL at db.example:5432 (postgres://alice:***@db.example:5432/app) ' +
        'allows 95 (max_connections 100, 3 reserved for superusers, 2 in use by others): lower --workers or raise max_connections',
    )
    const withReaders = failure(() => assertRunFits({ max: 151, reserved: 0, inUseByOthers: 0 }, { workers: 600, readers: 4 }, where))
    expect(withReaders.message).toContain('needs 605 connections (600 workers, 4 readers, 1 setup)')
    expect(withReaders.message).toContain('allows 151 (max_connections 151, 0 in use by others)')
  })
})

describe('whether the embedded server fits the machine', () => {
  it('refuses a run whose backends would not fit in the memory available, saying how much each needs', () => {
    expect(() => assertEmbeddedFits(2_001, 16 * 2 ** 30)).not.toThrow()
    const error = failure(() => assertEmbeddedFits(10_001, 8 * 2 ** 30))
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe(
      'the embedded PostgreSQL would need about 19.8 GiB of memory for 10,001 connections (a process of about 2 MiB each) ' +
        'and this machine has 8.0 GiB available: lower --workers, or pass --db with a server sized for the run',
    )
  })
})

describe('whether the run fits the open-file limit (ulimit -n)', () => {
  it('refuses a run whose sockets would not fit, saying the limit and what to raise it to', () => {
    expect(() => assertOpenFilesAllow(2_000, { max: 20_000, open: 30 })).not.toThrow()
    const error = failure(() => assertOpenFilesAllow(4_000, { max: 1_024, open: 30 }))
    expect(error.exitCode).toBe(3)
    expect(error.message).toBe('the run needs 4,000 connections but this process may open only 930 more (ulimit -n is 1,024): lower --workers or raise the limit (ulimit -n 5000)')
  })

  it('checks nothing where the limit cannot be read', () => {
    expect(() => assertOpenFilesAllow(1_000_000, null)).not.toThrow()
  })
})
