import net from 'node:net'

/** A TCP relay between the workers and the database, inside racebench, that can slow or cut what it carries. */
export interface TcpProxy {
  /** The local port it listens on, at 127.0.0.1. */
  readonly port: number
  /** Delays every chunk, in each direction, by `ms` from now on (0: no delay). Order is always kept. */
  setLatencyMs(ms: number): void
  /** Cuts every open connection with a TCP RST on both sides; returns how many were cut. */
  resetAll(): number
  /** Connections open right now. */
  connectionCount(): number
  /** Stops listening and destroys every connection. */
  close(): Promise<void>
}

/** Bytes waiting in one direction's delay queue before that side is paused (resumed when it drains). */
const QUEUE_HIGH_WATER = 1 << 20

/**
 * Starts a proxy on 127.0.0.1, on a free port, to `upstream`. Each accepted connection opens one to
 * the upstream; a failure on either side ends that pair only, never the process.
 */
export async function startTcpProxy(upstream: { host: string; port: number }): Promise<TcpProxy> {
  let latencyMs = 0
  const pairs = new Set<{ client: net.Socket; server: net.Socket }>()

  const server = net.createServer((client) => {
    const upstreamSocket = net.connect({ host: upstream.host, port: upstream.port })
    const pair = { client, server: upstreamSocket }
    pairs.add(pair)
    let open = 2
    const closed = () => {
      if (--open === 0) pairs.delete(pair)
    }
    client.on('close', closed)
    upstreamSocket.on('close', closed)
    // An error on one side (ECONNRESET, ECONNREFUSED upstream) is passed on as a reset of the other, as a
    // router between them would; handled here, it can never crash the process.
    client.on('error', () => resetOrDestroy(upstreamSocket))
    upstreamSocket.on('error', () => resetOrDestroy(client))
    client.setNoDelay(true)
    upstreamSocket.setNoDelay(true)
    relay(client, upstreamSocket, () => latencyMs)
    relay(upstreamSocket, client, () => latencyMs)
  })
  // A server error after listening (EMFILE on accept) must not crash the run: the workers see refused connections.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      server.on('error', () => {})
      resolve()
    })
  })
  const port = (server.address() as net.AddressInfo).port

  return {
    port,
    setLatencyMs(ms) {
      if (!(Number.isFinite(ms) && ms >= 0)) throw new RangeError(`latency must be a non-negative number of ms, not ${ms}`)
      latencyMs = ms
    },
    resetAll() {
      const cut = [...pairs]
      for (const pair of cut) {
        pairs.delete(pair)
        // RST rather than FIN: the driver sees ECONNRESET at once, as when a server or a middlebox drops it.
        resetOrDestroy(pair.client)
        resetOrDestroy(pair.server)
      }
      return cut.length
    },
    connectionCount: () => pairs.size,
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve())
        for (const pair of pairs) {
          pair.client.destroy()
          pair.server.destroy()
        }
        pairs.clear()
      })
    },
  }
}

/** A socket already closing has no handle to reset: destroying it is all that is left to do. */
function resetOrDestroy(socket: net.Socket): void {
  try {
    socket.resetAndDestroy()
  } catch {
    socket.destroy()
  }
}

/**
 * Copies `from` to `to`, each chunk held back by the latency in force when it arrived. One FIFO queue
 * per direction, and no chunk is sent before the one ahead of it, so lowering the latency never reorders
 * bytes. `from` is paused while `to` cannot keep up or the queue holds more than QUEUE_HIGH_WATER bytes.
 */
function relay(from: net.Socket, to: net.Socket, latency: () => number): void {
  const queue: { chunk: Buffer; due: number }[] = []
  let queued = 0
  let timer: NodeJS.Timeout | undefined
  let ended = false
  let waitingForDrain = false

  const pauseUntilDrain = () => {
    if (waitingForDrain) return
    waitingForDrain = true
    from.pause()
    to.once('drain', () => {
      waitingForDrain = false
      if (queued < QUEUE_HIGH_WATER) from.resume()
    })
  }
  const write = (chunk: Buffer) => {
    if (to.destroyed) return
    if (!to.write(chunk)) pauseUntilDrain()
  }
  const flush = () => {
    timer = undefined
    const now = performance.now()
    while (queue.length > 0 && queue[0]!.due <= now) {
      const { chunk } = queue.shift()!
      queued -= chunk.length
      write(chunk)
    }
    if (queue.length > 0) timer = setTimeout(flush, Math.ceil(queue[0]!.due - now))
    else if (ended && !to.destroyed) to.end()
    if (queued < QUEUE_HIGH_WATER && !waitingForDrain && from.isPaused()) from.resume()
  }

  from.on('data', (chunk: Buffer) => {
    const ms = latency()
    if (ms === 0 && queue.length === 0) return write(chunk)
    // Never earlier than the chunk ahead: a latency lowered meanwhile must not let bytes overtake.
    const due = Math.max(performance.now() + ms, queue.at(-1)?.due ?? 0)
    queue.push({ chunk, due })
    queued += chunk.length
    if (queued >= QUEUE_HIGH_WATER) from.pause()
    if (timer === undefined) timer = setTimeout(flush, Math.ceil(due - performance.now()))
  })
  from.on('end', () => {
    ended = true
    if (queue.length === 0 && !to.destroyed) to.end()
  })
  from.on('close', () => {
    // Closed without a FIN (destroyed, reset): nothing more will come, and what is queued must not be sent
    // as if the stream had ended cleanly. After a FIN, the queue drains and `to` ends in order (flush).
    if (ended) return
    if (timer !== undefined) clearTimeout(timer)
    queue.length = 0
    to.destroy()
  })
}

/**
 * The same PostgreSQL or MySQL URL (user, password, database, parameters), pointed at the proxy on
 * 127.0.0.1:`proxyPort`. A `host` or `port` query parameter (node-postgres reads them and they would
 * win over the URL's host) is removed.
 */
export function rewriteUrlThroughProxy(url: string, proxyPort: number): string {
  const parsed = new URL(url)
  parsed.hostname = '127.0.0.1'
  parsed.port = String(proxyPort)
  parsed.searchParams.delete('host')
  parsed.searchParams.delete('port')
  return parsed.toString()
}
