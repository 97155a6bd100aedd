import { UsageError } from '../errors.js'
import type { HistoryStream } from '../history/stream.js'
import { createRng } from '../runner/rng.js'
import { WorkerFaults } from '../runner/worker-faults.js'
import type { RedisTarget } from '../engines/redis/redis.js'
import type { Target } from '../engines/target.js'
import { killWorkerConnections } from './kill-connections.js'
import { pauseRedis } from './pause-redis.js'
import { startNemesis, type NemesisActions, type RunningNemesis } from './scheduler.js'
import { parseNemesis, type NemesisSpec } from './spec.js'
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js'

/** Streams of the run's seed the nemesis draws from: past every worker's and reader's. */
const NEMESIS_STREAM = 3_000_000

/**
 * A run's nemesis, from its `--nemesis` specs to the faults: checked before anything starts (`planNemesis`),
 * its TCP proxies made as worker connections ask for them (`route`), its faults fired during the workload
 * only (`start`), every one recorded in the history as a `nemesis` event.
 */
export class Nemesis {
  /** Faults aimed at workers (`pause-worker`, `crash-saga`), read by their contexts; undefined without them. */
  readonly faults: WorkerFaults | undefined
  readonly #specs: readonly NemesisSpec[]
  readonly #seed: number
  readonly #proxies = new Map<string, Promise<TcpProxy>>()
  #latencyMs = 0
  #running: RunningNemesis | undefined

  constructor(specs: readonly NemesisSpec[], seed: number) {
    this.#specs = specs
    this.#seed = seed
    const aimsAtWorkers = specs.some((spec) => spec.kind === 'pause-worker' || spec.kind === 'crash-saga')
    this.faults = aimsAtWorkers ? new WorkerFaults() : undefined
  }

  /** The kinds of fault this run injects, for strategies' expectations. */
  get kinds(): readonly string[] {
    return [...new Set(this.#specs.map((spec) => spec.kind))]
  }

  /** Whether worker connections must go through racebench's TCP proxy (`latency`, `reset`). */
  get proxied(): boolean {
    return this.#specs.some((spec) => spec.kind === 'latency' || spec.kind === 'reset')
  }

  /** For `TargetOptions.route`: one proxy per server, started on its first worker connection. */
  readonly route = async (server: { readonly host: string; readonly port: number }) => {
    const key = `${server.host}:${server.port}`
    let proxy = this.#proxies.get(key)
    if (!proxy) {
      proxy = startTcpProxy(server).then((started) => {
        started.setLatencyMs(this.#latencyMs)
        return started
      })
      this.#proxies.set(key, proxy)
    }
    return { host: '127.0.0.1', port: (await proxy).port }
  }

  /** Fires the faults from now on (the workload's start), each recorded in `history`. */
  start(run: { readonly nodes: readonly Target[]; readonly redis: RedisTarget | undefined; readonly history: HistoryStream }): void {
    const { history } = run
    // A stall is armed at the start too: a run's first thinks are the ones that find everything free
    // (the first check of each slot), and a fault that only begins at a random time could miss them all.
    const pause = this.#specs.find((spec) => spec.kind === 'pause-worker')
    if (pause && this.faults) this.faults.pauseNextThinker(pause.ms)
    const crash = this.#specs.find((spec) => spec.kind === 'crash-saga')
    // Each crash records itself where it happens (worker-context's checkpoint): counted once each.
    if (crash && this.faults) this.faults.crashShare = crash.share
    const rng = createRng(this.#seed, NEMESIS_STREAM)
    const scheduled = this.#specs.filter((spec) => spec.kind !== 'crash-saga')
    this.#running = startNemesis(scheduled, this.#actions(run, createRng(this.#seed, NEMESIS_STREAM + 1)), {
      rng,
      onFault: (fault) => {
        // A paused worker records its own stall, when it happens: the scheduler only armed it.
        if (fault.kind === 'pause-worker' && fault.phase !== 'fail') return
        history.append({ t: history.micros(), type: 'nemesis', fault: fault.kind, phase: fault.phase, detail: fault.detail })
      },
    })
  }

  /** Fires nothing more and waits for the faults under way; latency goes off. */
  async stop(): Promise<void> {
    await this.#running?.stop()
    if (this.faults) this.faults.crashShare = 0
  }

  /** Closes the proxies (after the workers' connections are closed). */
  async close(): Promise<void> {
    const proxies = await Promise.allSettled(this.#proxies.values())
    await Promise.allSettled(proxies.flatMap((proxy) => (proxy.status === 'fulfilled' ? [proxy.value.close()] : [])))
  }

  #actions(run: { readonly nodes: readonly Target[]; readonly redis: RedisTarget | undefined }, rng: ReturnType<typeof createRng>): NemesisActions {
    const proxies = async () => (await Promise.allSettled(this.#proxies.values())).flatMap((proxy) => (proxy.status === 'fulfilled' ? [proxy.value] : []))
    return {
      killConnections: async (share) => {
        let killed = 0
        let of = 0
        // Each node's own connections, from its own setup connection: a node sees only its clients.
        for (const node of run.nodes) {
          const counted = await killWorkerConnections(node.admin, node.namespace, share, rng)
          killed += counted.killed
          of += counted.of
        }
        return `killed ${killed} of ${of} worker connections`
      },
      pauseRedis: async (ms) => {
        const redis = run.redis
        if (!redis) throw new Error('no Redis in this run')
        const client = await redis.connect()
        try {
          await pauseRedis(client, ms)
        } finally {
          client.disconnect()
        }
        return `Redis paused for ${ms} ms`
      },
      resetConnections: async () => {
        const cut = (await proxies()).reduce((sum, proxy) => sum + proxy.resetAll(), 0)
        return `reset ${cut} worker connections`
      },
      setLatency: async (ms) => {
        this.#latencyMs = ms
        for (const proxy of await proxies()) proxy.setLatencyMs(ms)
        return ms > 0 ? `${ms} ms added each way` : 'latency off'
      },
      pauseWorker: async (ms) => {
        this.faults?.pauseNextThinker(ms)
        return `the next worker to think stalls ${ms} ms`
      },
    }
  }
}

/**
 * The run's nemesis, or undefined without `--nemesis`: every spec parsed, and checked against what the run
 * has, before anything is started (one clear line, exit 2).
 */
export function planNemesis(texts: readonly string[], seed: number, run: { readonly usesRedis: boolean; readonly strategy: string }): Nemesis | undefined {
  if (texts.length === 0) return undefined
  const specs = texts.map(parseNemesis)
  if (specs.some((spec) => spec.kind === 'pause-redis') && !run.usesRedis) {
    throw new UsageError(`--nemesis pause-redis needs Redis, and strategy '${run.strategy}' uses none: pick a Redis strategy (redis-lock, redlock, …)`)
  }
  return new Nemesis(specs, seed)
}
