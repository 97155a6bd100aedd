import { allOpened } from './all-opened.js'
import type { EmbeddedServer } from './embedded/embedded.js'
import { workersOnNode } from './node-spread.js'
import { openTarget } from './open-target.js'
import type { Target, TargetOptions } from './target.js'

/**
 * Opens the run's database nodes: the first creates the run's namespace (and later holds the schema,
 * the setup and the invariants), the others join it, each sized for the workers it will get. With no
 * `--db`, or one, this is `openTarget`. All or nothing: a node that cannot be opened closes the others
 * (the first drops its namespace) and fails the run before anything ran, naming the node.
 */
export async function openNodes(dbs: readonly string[], options: TargetOptions, shared?: EmbeddedServer): Promise<Target[]> {
  if (dbs.length <= 1) return [await openTarget(dbs[0], options, shared)]
  const workersOn = (node: number) => workersOnNode(options.workers, dbs.length, node)
  const first = await openTarget(dbs[0], { ...options, workers: workersOn(0) })
  const joining = dbs.slice(1).map((db, index) => openTarget(db, { ...options, join: true, workers: workersOn(index + 1), readers: 0 }))
  const others = await allOpened(joining, (node) => node.close(), (index) => `--db node ${index + 2} of ${dbs.length}`).catch(async (error: unknown) => {
    await first.close()
    throw error
  })
  return [first, ...others]
}

/** Closes every node: the joined ones first, then the first, which drops the namespace. */
export async function closeNodes(nodes: readonly Target[]): Promise<void> {
  await Promise.allSettled(nodes.slice(1).map((node) => node.close()))
  await nodes[0]?.close()
}
