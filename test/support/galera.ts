import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import mysql from 'mysql2/promise'
import { probe, type ServiceProbe } from './services.js'

/** Nodes that scripts/galera-cluster.sh starts; a probe wants every node to see all of them. */
export const GALERA_CLUSTER_SIZE = 3

/** The folder scripts/galera-cluster.sh works in (its default, unless RACEBENCH_GALERA_DIR says otherwise). */
export const GALERA_DIR = process.env.RACEBENCH_GALERA_DIR ?? '/tmp/racebench-galera'

/** A probe of the cluster, with the client URL of each node (empty when none could be found). */
export type GaleraProbe = ServiceProbe & { readonly urls: string[] }

/**
 * Finds the cluster's nodes (RACEBENCH_GALERA_URLS, a comma list, or else the `urls` file that
 * `scripts/galera-cluster.sh start` writes) and checks that each answers, sees a cluster of 3 and is
 * Synced. Like every probe here: skips visibly on a laptop, fails under RACEBENCH_REQUIRE_SERVICES=1.
 */
export async function probeGalera(): Promise<GaleraProbe> {
  let urls: string[] = []
  const result = await probe('Galera cluster', async () => {
    urls = await galeraUrls()
    for (const url of urls) await checkNode(url)
  })
  return { ...result, urls }
}

async function galeraUrls(): Promise<string[]> {
  const fromEnv = process.env.RACEBENCH_GALERA_URLS
  if (fromEnv !== undefined && fromEnv.trim() !== '') return splitUrls(fromEnv.split(','))
  const file = join(GALERA_DIR, 'urls')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    throw new Error(`RACEBENCH_GALERA_URLS is unset and ${file} does not exist: start one with scripts/galera-cluster.sh start`)
  }
  return splitUrls(text.split('\n'))
}

function splitUrls(items: string[]): string[] {
  const urls = items.map((item) => item.trim()).filter((item) => item !== '')
  if (urls.length < 2) throw new Error(`a multi-primary cluster needs at least 2 node URLs, got ${urls.length}`)
  return urls
}

/** A node answers, over the URL a test will use, and is a Synced member of the full cluster. */
async function checkNode(url: string): Promise<void> {
  const status = await galeraStatus(url)
  const state = status.wsrep_local_state_comment
  // A server with wsrep off still shows some wsrep_ variables (a cluster size of 0), but not this one.
  if (state === undefined) throw new Error(`${hostOf(url)} is not a Galera node (wsrep is off)`)
  const size = Number(status.wsrep_cluster_size)
  if (size !== GALERA_CLUSTER_SIZE || state !== 'Synced') {
    throw new Error(`node ${hostOf(url)} is ${state} in a cluster of ${size}, not Synced in one of ${GALERA_CLUSTER_SIZE}`)
  }
}

/** The node's wsrep status variables (wsrep_cluster_size, wsrep_local_state_comment, …) by name. */
export async function galeraStatus(url: string): Promise<Record<string, string>> {
  const rows = await queryNode<{ Variable_name: string; Value: string }>(url, "SHOW GLOBAL STATUS LIKE 'wsrep\\_%'")
  return Object.fromEntries(rows.map((row) => [row.Variable_name, row.Value]))
}

/** Runs one SQL statement on one node, on a connection of its own, and returns its rows. */
export async function queryNode<Row>(url: string, sql: string, params: unknown[] = []): Promise<Row[]> {
  const connection = await mysql.createConnection({ uri: url, connectTimeout: 3_000 })
  try {
    return (await connection.query(sql, params))[0] as Row[]
  } finally {
    await connection.end().catch(() => connection.destroy())
  }
}

/** `host:port` of a URL: names a node in messages without its password. */
export function hostOf(url: string): string {
  return new URL(url).host
}
