import { randomBytes } from 'node:crypto'
import mysql from 'mysql2/promise'
import type { Connection } from 'mysql2/promise'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostOf, probeGalera, queryNode } from '../support/galera.js'

// The engine facts racebench's multi-primary runs rest on (issue 13), checked on the running cluster
// that scripts/galera-cluster.sh starts: writes replicate, but row locks and GET_LOCK are per node.
const galera = await probeGalera()
const [node1 = '', node2 = ''] = galera.urls
const database = `racebench_galera_test_${randomBytes(4).toString('hex')}`
/** A node's host:port for a test's name; there is none to show when the cluster was not found. */
const label = (url: string) => (url === '' ? 'not found' : hostOf(url))

/** The node's URL, pointed at this file's own database. */
function inDatabase(url: string): string {
  const parsed = new URL(url)
  parsed.pathname = `/${database}`
  return parsed.toString()
}

async function connect(url: string): Promise<Connection> {
  const connection = await mysql.createConnection({ uri: inDatabase(url), connectTimeout: 3_000 })
  connection.on('error', () => {})
  // A row lock that does block fails the test in 5 s (errno 1205) instead of hanging for the default 50 s.
  await connection.query('SET SESSION innodb_lock_wait_timeout = 5')
  return connection
}

/** A read that first waits until this node has applied everything committed anywhere before it. */
async function causalCount(url: string, where: string): Promise<number> {
  const connection = await connect(url)
  try {
    // Galera applies other nodes' commits asynchronously: without wsrep_sync_wait a read on node 2 right
    // after a commit on node 1 may not see it yet. With it, the read waits: no sleep, no timing.
    await connection.query('SET SESSION wsrep_sync_wait = 1')
    const [rows] = await connection.query(`SELECT count(*) AS n FROM ${where}`)
    return Number((rows as { n: number }[])[0]?.n)
  } finally {
    await connection.end()
  }
}

function errnoOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'errno' in error ? Number(error.errno) : undefined
}

describe.skipIf(!galera.available)(`Galera multi-primary cluster ${galera.reason}`, () => {
  beforeAll(async () => {
    // DDL replicates to every node before it returns (total order isolation), so node 2 sees the tables.
    await queryNode(node1, `CREATE DATABASE ${database}`)
    await queryNode(inDatabase(node1), 'CREATE TABLE rooms (id INT PRIMARY KEY) ENGINE = InnoDB')
    // The double-booking scenario's shape: a booking's foreign key to its room, no unique slot.
    await queryNode(
      inDatabase(node1),
      `CREATE TABLE bookings (id BIGINT AUTO_INCREMENT PRIMARY KEY, room_id INT NOT NULL, night INT NOT NULL,
         guest VARCHAR(100) NOT NULL, CONSTRAINT bookings_room FOREIGN KEY (room_id) REFERENCES rooms (id)) ENGINE = InnoDB`,
    )
    await queryNode(inDatabase(node1), 'INSERT INTO rooms (id) VALUES (1)')
  })

  afterAll(async () => {
    if (galera.available) await queryNode(node1, `DROP DATABASE IF EXISTS ${database}`)
  })

  it(`a row committed on node 1 (${label(node1)}) is read on node 2 (${label(node2)})`, async () => {
    await queryNode(inDatabase(node1), 'INSERT INTO rooms (id) VALUES (2)')
    expect(await causalCount(node2, 'rooms WHERE id = 2')).toBe(1)
  })

  it('SELECT … FOR UPDATE on node 1 does not block the same row on node 2: both book the slot', async ({ annotate }) => {
    const [first, second] = await Promise.all([connect(node1), connect(node2)])
    try {
      const slot = 'bookings WHERE room_id = 1 AND night = 1'
      await first.query('START TRANSACTION')
      await second.query('START TRANSACTION')
      const [lockedOn1] = await first.query('SELECT id FROM rooms WHERE id = 1 FOR UPDATE')
      // Node 1's transaction holds the row lock and is still open: on one server this statement would wait
      // for it (and fail with 1205 after 5 s). That it answers at all is the fact: the lock is node 1's alone.
      const [lockedOn2] = await second.query('SELECT id FROM rooms WHERE id = 1 FOR UPDATE')
      expect([lockedOn1, lockedOn2]).toEqual([[{ id: 1 }], [{ id: 1 }]])

      // Both check the slot, find it free, and book it: the scenario's pessimistic strategy, on two nodes.
      for (const [connection, guest] of [[first, 'guest on node 1'], [second, 'guest on node 2']] as const) {
        const [free] = await connection.query(`SELECT count(*) AS n FROM ${slot}`)
        expect(Number((free as { n: number }[])[0]?.n)).toBe(0)
        await connection.query('INSERT INTO bookings (room_id, night, guest) VALUES (1, 1, ?)', [guest])
      }
      await first.query('COMMIT')

      // Galera certifies write sets, not row locks: node 2's transaction either is aborted when node 1's
      // booking is applied under its lock (a deadlock error, 1213), or commits too and the slot is booked twice.
      let secondOutcome: 'committed' | 'deadlock'
      try {
        await second.query('COMMIT')
        secondOutcome = 'committed'
      } catch (error) {
        expect(errnoOf(error), String(error)).toBe(1213)
        secondOutcome = 'deadlock'
      }
      await annotate(`node 2's transaction: ${secondOutcome}`)
      expect(await causalCount(node1, slot)).toBe(secondOutcome === 'committed' ? 2 : 1)
    } finally {
      await Promise.all([first.end(), second.end()])
    }
  })

  it('GET_LOCK(name, 0) is granted on two nodes at once: named locks are per node', async () => {
    const name = `${database}_x`
    const [on1, on2, alsoOn1] = await Promise.all([connect(node1), connect(node2), connect(node1)])
    try {
      const getLock = async (connection: Connection) => {
        const [rows] = await connection.query('SELECT GET_LOCK(?, 0) AS got', [name])
        return Number((rows as { got: number }[])[0]?.got)
      }
      expect(await getLock(on1)).toBe(1)
      // The control: on the same node the lock is real, a second session is refused at once.
      expect(await getLock(alsoOn1)).toBe(0)
      expect(await getLock(on2)).toBe(1)
    } finally {
      await Promise.all([on1.end(), on2.end(), alsoOn1.end()])
    }
  })
})
