import { describe, expect, it } from 'vitest'
import { TargetError } from '../../src/errors.js'
import { openTarget } from '../../src/engines/open-target.js'
import { MYSQL_URL, probeMysql } from '../support/services.js'

const mysql = await probeMysql()

describe.skipIf(!mysql.available)(`a password given as ?password= on ${mysql.name}`, () => {
  // The machine's root has no password, so a wrong one is refused: proof that racebench sends it.
  it('is sent to the server, and masked in the error when it is wrong', async () => {
    const wrong = 'Wr0ng-S3cret'
    const url = new URL(MYSQL_URL)
    url.searchParams.set('password', wrong)
    const options = { namespace: 'racebench_test_url_password', timeoutMs: 5_000, keep: false, workers: 1, log: () => {}, warn: () => {} }
    const error = await openTarget(url.toString(), options).then(
      async (target) => {
        await target.close()
        return undefined
      },
      (caught: unknown) => caught,
    )
    expect(error).toBeInstanceOf(TargetError)
    const line = (error as TargetError).message
    expect(line).toMatch(/^authentication failed for user 'root' at (MySQL|MariaDB) at .+\?password=\*\*\*\): check the user and password in --db$/)
    expect(line).not.toContain(wrong)
  })
})
if (!mysql.available) it.skip(`?password= on MySQL: ${mysql.reason}`, () => {})
