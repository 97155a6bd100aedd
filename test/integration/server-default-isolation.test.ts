import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runScenario } from '../../src/index.js'
import { PG_URL, probePostgres, queryOnce } from '../support/services.js'

const postgres = await probePostgres()
/** A login whose sessions default to REPEATABLE READ, as some servers are configured. */
const ROLE = 'racebench_test_repeatable_read'

describe.skipIf(!postgres.available)('a server whose default level is REPEATABLE READ', () => {
  beforeAll(async () => {
    await queryOnce(`DROP ROLE IF EXISTS ${ROLE}`)
    await queryOnce(`CREATE ROLE ${ROLE} LOGIN SUPERUSER`)
    await queryOnce(`ALTER ROLE ${ROLE} SET default_transaction_isolation = 'repeatable read'`)
  })
  afterAll(() => queryOnce(`DROP ROLE IF EXISTS ${ROLE}`))

  it('judges an operation of autocommit statements as what it is, not by the default level', async () => {
    const db = PG_URL.replace(/\/\/[^@/]*@/, `//${ROLE}@`)
    const result = await runScenario({ scenario: 'lost-update', strategy: 'none', db })
    expect(result.isolation).toBe('repeatable read')
    // Each statement is its own transaction: the read-modify-write still loses updates…
    expect(result.violations).toBeGreaterThan(0)
    // …and racebench expected it to (judged at REPEATABLE READ it would have claimed safe).
    expect(result.expect).toBe('unsafe')
    // Wrapped by --isolation into one REPEATABLE READ transaction, PostgreSQL refuses the stale writes.
    const wrapped = await runScenario({ scenario: 'lost-update', strategy: 'none', db, isolation: 'repeatable-read' })
    expect(wrapped.expect).toBe('safe')
    expect(wrapped.violations).toBe(0)
  })
})

if (!postgres.available) it.skip(`server default isolation: ${postgres.reason}`, () => {})
