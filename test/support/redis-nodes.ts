import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { Redis } from 'ioredis'
import { probe, type ServiceProbe } from './services.js'

const run = promisify(execFile)
const SCRIPT = join(import.meta.dirname, '..', '..', 'scripts', 'redis-nodes.sh')

/** The folder scripts/redis-nodes.sh works in (its default, unless RACEBENCH_REDIS_NODES_DIR says otherwise). */
export const REDIS_NODES_DIR = process.env.RACEBENCH_REDIS_NODES_DIR ?? '/tmp/racebench-redis-nodes'

/** A probe of N independent Redis nodes, with their URLs (empty when none could be found). */
export type RedisNodesProbe = ServiceProbe & { readonly urls: string[] }

/**
 * Finds N running nodes (RACEBENCH_REDIS_NODES, a comma list, or else the `urls` file that
 * `scripts/redis-nodes.sh start` writes in `dir`) and checks that each answers PING. Like every probe
 * here: skips visibly on a laptop, fails under RACEBENCH_REQUIRE_SERVICES=1.
 */
export async function probeRedisNodes(n: number, dir = REDIS_NODES_DIR): Promise<RedisNodesProbe> {
  let urls: string[] = []
  const result = await probe(`${n} Redis nodes`, async () => {
    urls = await nodeUrls(n, dir)
    await Promise.all(urls.map((url) => ping(url)))
  })
  return { ...result, urls }
}

/** Nodes a test file uses: started by it (then `stop` stops them) or given by RACEBENCH_REDIS_NODES. */
export interface TestRedisNodes {
  readonly probe: RedisNodesProbe
  /** Stops the nodes if this file started them; nothing for nodes given from outside. */
  stop(): Promise<void>
}

/**
 * For a test file's beforeAll: the nodes of RACEBENCH_REDIS_NODES if set, else N nodes of its own,
 * started with scripts/redis-nodes.sh on ports basePort.. in a folder of that port (give each test
 * file its own base port, so files running in parallel never share a node). A start that fails
 * (no redis-server, a port taken) is a probe failure: skipped visibly, or fatal under
 * RACEBENCH_REQUIRE_SERVICES=1.
 */
export async function redisNodesForTest(n: number, basePort: number): Promise<TestRedisNodes> {
  if (nodesFromEnv() !== undefined) return { probe: await probeRedisNodes(n), stop: async () => {} }
  let started = false
  const result = await probe(`${n} Redis nodes started by scripts/redis-nodes.sh`, async () => {
    await startRedisNodes(n, basePort)
    started = true
  })
  if (!result.available) return { probe: { ...result, urls: [] }, stop: async () => {} }
  return { probe: await probeRedisNodes(n, nodesDir(basePort)), stop: () => (started ? stopRedisNodes(basePort) : Promise.resolve()) }
}

/** Runs `scripts/redis-nodes.sh start n` on ports basePort.. and returns the nodes' URLs. */
export async function startRedisNodes(n: number, basePort: number): Promise<string[]> {
  // Nodes a killed earlier run of the same file left behind on these ports go first.
  await stopRedisNodes(basePort)
  const { stdout } = await script(['start', String(n)], basePort)
  return lines(stdout)
}

/** Runs `scripts/redis-nodes.sh stop` for the nodes started on basePort: stops them and removes their folder. */
export async function stopRedisNodes(basePort: number): Promise<void> {
  await script(['stop'], basePort)
}

/**
 * Pauses a node's writes (`CLIENT PAUSE ms WRITE`): SET and EVAL wait, unanswered, until
 * `unpauseNode` or `ms` runs out, as with a node stalled by a GC or a slow disk. WRITE, not ALL:
 * under ALL even the pausing connection's CLIENT UNPAUSE would wait (measured), so a test could only
 * wait the pause out, and would depend on timing.
 */
export async function pauseNode(url: string, ms: number): Promise<void> {
  await onNode(url, (client) => client.call('CLIENT', 'PAUSE', String(ms), 'WRITE'))
}

/** Ends a node's `CLIENT PAUSE`: the writes it held run now, in each connection's order. */
export async function unpauseNode(url: string): Promise<void> {
  await onNode(url, (client) => client.call('CLIENT', 'UNPAUSE'))
}

/** The node's server PID (INFO's process_id), for a test that wants SIGSTOP/SIGCONT instead of a pause. */
export async function nodePid(url: string): Promise<number> {
  const info = await onNode(url, (client) => client.info('server'))
  const pid = /process_id:(\d+)/.exec(info)?.[1]
  if (pid === undefined) throw new Error(`${new URL(url).host} did not report its process_id`)
  return Number(pid)
}

/** A connection to one node that fails fast instead of reconnecting: a dead node is an error, never a hang. */
export async function connectNode(url: string): Promise<Redis> {
  const client = new Redis(url, { lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 1, connectTimeout: 3_000, enableOfflineQueue: false })
  client.on('error', () => {})
  await client.connect()
  return client
}

function nodesDir(basePort: number): string {
  return `${REDIS_NODES_DIR}-${basePort}`
}

function script(args: string[], basePort: number): Promise<{ stdout: string }> {
  const env = { ...process.env, RACEBENCH_REDIS_NODES_PORT: String(basePort), RACEBENCH_REDIS_NODES_DIR: nodesDir(basePort) }
  return run('bash', [SCRIPT, ...args], { env, timeout: 30_000 }).catch((error: { stderr?: string; message: string }) => {
    throw new Error(error.stderr?.trim() || error.message)
  })
}

function nodesFromEnv(): string | undefined {
  const fromEnv = process.env.RACEBENCH_REDIS_NODES
  return fromEnv !== undefined && fromEnv.trim() !== '' ? fromEnv : undefined
}

async function nodeUrls(n: number, dir: string): Promise<string[]> {
  const fromEnv = nodesFromEnv()
  let urls: string[]
  if (fromEnv !== undefined) {
    urls = lines(fromEnv.replaceAll(',', '\n'))
  } else {
    const file = join(dir, 'urls')
    try {
      urls = lines(await readFile(file, 'utf8'))
    } catch {
      throw new Error(`RACEBENCH_REDIS_NODES is unset and ${file} does not exist: start nodes with scripts/redis-nodes.sh start ${n}`)
    }
  }
  if (urls.length < n) throw new Error(`${n} Redis nodes needed, ${urls.length} given`)
  return urls.slice(0, n)
}

function lines(text: string): string[] {
  return text.split('\n').map((line) => line.trim()).filter((line) => line !== '')
}

async function ping(url: string): Promise<void> {
  await onNode(url, (client) => client.ping())
}

async function onNode<T>(url: string, fn: (client: Redis) => Promise<T>): Promise<T> {
  const client = await connectNode(url)
  try {
    return await fn(client)
  } finally {
    client.disconnect()
  }
}
