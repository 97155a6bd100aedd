import { performance } from 'node:perf_hooks'
import type { Redis } from 'ioredis'
import { millis, type HistoryStream } from '../history/stream.js'
import { stepEvent, type CurrentOperation } from './traced-session.js'

/** Arguments longer than this are cut: a Lua script is shown by its first words. */
const MAX_ARGUMENT = 48

/** The part of ioredis's Command the tracer reads. */
interface SentCommand {
  readonly name: string
  readonly args: readonly unknown[]
  readonly promise: Promise<unknown>
}

/**
 * Records every command a worker's Redis connection sends as a `step` of the worker's current
 * operation, as TracedSession does for SQL: `SET lock:slot:7 3:12:9f… PX 10000 NX → OK`. The run's key
 * namespace is left out of the text (every key has it). The client is the worker's own, made for
 * this run, so wrapping its `sendCommand` touches nothing else.
 */
export function traceRedis(client: Redis, history: HistoryStream, current: CurrentOperation, namespace: string, label = ''): Redis {
  const send = client.sendCommand.bind(client) as (command: SentCommand, ...rest: unknown[]) => unknown
  const prefix = `${namespace}:`
  ;(client as unknown as { sendCommand: typeof send }).sendCommand = (command: SentCommand, ...rest: unknown[]) => {
    // Like the SQL session: an operation whose steps no consumer keeps sends its commands unrecorded.
    if (current.untraced === true) return send(command, ...rest)
    const sent = performance.now()
    const text = label + [command.name.toUpperCase(), ...command.args.map((arg) => shownArgument(arg, prefix))].join(' ')
    const record = (reply: unknown, error?: unknown) => {
      const result = error === undefined ? { rows: reply === null || reply === undefined ? [] : [shownReply(reply)], rowCount: reply === null ? 0 : 1 } : undefined
      history.append(stepEvent(history.micros(sent), current, { redis: text }, undefined, result, millis(sent, performance.now()), error))
    }
    command.promise.then(
      (reply) => record(reply),
      (error: unknown) => record(undefined, error),
    )
    return send(command, ...rest)
  }
  return client
}

function shownArgument(arg: unknown, prefix: string): string {
  const text = Buffer.isBuffer(arg) ? `<${arg.length} bytes>` : String(arg)
  const bare = text.startsWith(prefix) ? text.slice(prefix.length) : text
  const oneLine = bare.replace(/\s+/g, ' ')
  return oneLine.length <= MAX_ARGUMENT ? oneLine : `${oneLine.slice(0, MAX_ARGUMENT - 1)}…`
}

/** A reply as the step's first row: `OK`, `1`, `nil`. */
function shownReply(reply: unknown): unknown {
  return Buffer.isBuffer(reply) ? reply.toString() : reply
}
