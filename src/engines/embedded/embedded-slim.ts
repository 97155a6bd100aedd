import { readdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { PostgresBinaries } from './embedded-binaries.js'
import { connectAsSuperuser, scramVerifier } from './embedded-password.js'
import { freePort } from './embedded-port.js'
import { startServer } from './embedded-server.js'

/** A WAL segment file: timeline, log and segment numbers, 8 hex digits each. */
const WAL_SEGMENT = /^[0-9A-F]{24}$/

/**
 * Makes a fresh cluster a third of its size and file count before it becomes the template, since
 * every run copies it and then removes its copy (31 MB and 970 files → 8.8 MB and 288):
 *
 * - drops `template0` and `template1`, two thirds of the catalogs: racebench never creates a database
 *   (a run works in a schema of `postgres`), and nothing else uses them;
 * - stores the template's password with racebench's cheap SCRAM stretching, as each run's will be;
 * - after a clean shutdown, deletes the WAL segments initdb recycled ahead of the current one, which
 *   PostgreSQL creates again when it needs them, and the catalogs' free space and visibility maps.
 *
 * Every file counts more than its size: creating one in the temporary folder costs far more than
 * copying its bytes (on some machines a millisecond of kernel time).
 *
 * Started with fsync off: a template is rebuilt whenever it fails to start, so it need not be durable.
 */
export async function slimCluster(dataDir: string, binaries: PostgresBinaries, password: string, log: (line: string) => void): Promise<void> {
  const port = await freePort()
  const server = await startServer({ postgres: binaries.postgres, dataDir, port, maxConnections: 20, settings: { fsync: 'off' }, log })
  let current: string | undefined
  try {
    const client = await connectAsSuperuser(port, password)
    try {
      for (const database of ['template0', 'template1']) {
        await client.query(`ALTER DATABASE ${database} IS_TEMPLATE false`)
        await client.query(`DROP DATABASE ${database}`)
      }
      // initdb stretched the password 4096 times; every run logs in with it once (see scramVerifier).
      await client.query(`ALTER ROLE postgres PASSWORD '${scramVerifier(password)}'`)
      current = (await client.query<{ name: string }>('SELECT pg_walfile_name(pg_current_wal_lsn()) AS name')).rows[0]?.name
    } finally {
      await client.end().catch(() => {})
    }
  } finally {
    await server.stop('clean')
  }
  if (current) removeSegmentsAfter(join(dataDir, 'pg_wal'), current)
  for (const folder of [join(dataDir, 'global'), ...readdirSync(join(dataDir, 'base')).map((oid) => join(dataDir, 'base', oid))]) removeOptionalFiles(folder)
}

/**
 * Free space maps (`_fsm`) and visibility maps (`_vm`) are made again as tables are written and vacuumed
 * (until then the catalog is like a table never vacuumed: correct, a little slower to scan), and
 * PostgreSQL deletes the relation cache files (`pg_internal.init`) at every start anyway.
 */
function removeOptionalFiles(folder: string): void {
  for (const name of readdirSync(folder)) {
    if (/^\d+_(fsm|vm)$/.test(name) || name === 'pg_internal.init') rmSync(join(folder, name))
  }
}

/** Keeps the segments up to `current` and the one after it (the shutdown checkpoint may have crossed into it). */
function removeSegmentsAfter(walDir: string, current: string): void {
  const later = readdirSync(walDir)
    .filter((name) => WAL_SEGMENT.test(name) && name > current)
    .sort()
  for (const name of later.slice(1)) rmSync(join(walDir, name))
}
