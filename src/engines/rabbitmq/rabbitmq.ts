import { connect, type Channel, type ChannelModel, type ConfirmChannel } from 'amqplib'
import { messageOf, TargetError, UsageError } from '../../errors.js'
import type { BrokerContext } from '../../scenario/define-scenario.js'
import { maskUrl, passwordOf, redact, rememberSecretsOf, secretsOf } from '../../redact.js'
import { describeConnectError } from '../connect-error.js'
import { serverAddress, type ServerAddress } from '../server-address.js'

/** The `--rabbitmq` forms racebench accepts, worded so that no example looks like a credential (it would be masked). */
export const AMQP_URL_FORMS = 'amqp://host:5672[/vhost] or amqps://host:5671[/vhost], with the user and password as the user info'

/** Where a strategy that requires RabbitMQ looks when --rabbitmq is not given. */
export const DEFAULT_RABBITMQ_URL = 'amqp://guest:guest@127.0.0.1:5672'

/** The run's broker: one queue of its own, named after the run's namespace, deleted at the end. */
export interface BrokerTarget {
  /** `RabbitMQ 3.10.8`: the product and version the broker announced. */
  readonly server: string
  /** The URL, password masked. */
  readonly url: string
  /** What strategies get as `ctx.broker`: publishes to the run's queue and waits for the confirm. */
  readonly context: BrokerContext
  /** Takes every message left in the run's queue, in the order the broker queued them (JSON bodies parsed). */
  drain(): Promise<Record<string, unknown>[]>
  /** Deletes the run's queue, then closes the connection. Never throws: a failure is a warning. */
  close(): Promise<void>
}

interface BrokerOptions {
  readonly timeoutMs: number
  readonly log: (line: string) => void
  readonly warn: (line: string) => void
  /** Where to look without `url` (tests point it at a port where nothing answers). */
  readonly defaultUrl?: string
}

/**
 * Opens RabbitMQ for a strategy that publishes events: at `url`, or, without one, at the default
 * address. As `openRedis` does: a URL that is not an AMQP URL, and no broker at the default address,
 * are usage errors that say what to give (exit 2); an explicit `--rabbitmq` that cannot be reached or
 * logged into is a target error (exit 3). Every message has the password masked.
 */
export async function openBroker(url: string | undefined, namespace: string, options: BrokerOptions): Promise<BrokerTarget> {
  const defaultUrl = options.defaultUrl ?? DEFAULT_RABBITMQ_URL
  const address = url ?? defaultUrl
  // Remembered first: a password with a raw `/` makes the URL unparsable, and the message must mask it anyway.
  // Not RabbitMQ's default password `guest`, on whatever host: a public default is no secret, and
  // remembered it would mask every word holding "guest" in every later output of the process
  // (double-booking's guests, for one). Messages about this broker still mask it.
  const secrets = passwordOf(address) === 'guest' ? secretsOf(address) : rememberSecretsOf(address)
  const problem = amqpUrlProblem(address)
  if (problem) throw new UsageError(redact(problem, secrets))
  const where = serverAddress(address, 'RabbitMQ', { port: address.startsWith('amqps:') ? '5671' : '5672', user: 'guest', database: '/' }, '--rabbitmq')

  let model: ChannelModel
  try {
    // `timeout` bounds the socket's connect; the handshake answers within it too or fails.
    const connecting = connect(address, { timeout: Math.max(options.timeoutMs, 2_000) })
    model = await withinMs(connecting, Math.max(options.timeoutMs, 2_000) + 1_000, 'connection timed out').catch((error: unknown) => {
      // A handshake that answers after we gave up must not leave its connection open.
      connecting.then((late) => late.close()).catch(() => {})
      throw error
    })
  } catch (error) {
    const reason = redact(describeBrokerError(error, where), secrets)
    if (url === undefined) {
      throw new UsageError(`this strategy needs RabbitMQ and none answered at ${maskUrl(defaultUrl)} (${reason}); give one with --rabbitmq amqp://host:5672 (the user and password as the URL's user info)`, { cause: error })
    }
    throw new TargetError(reason, { cause: error })
  }
  // A broker that goes away emits 'error' on the connection: unhandled, that would end the process.
  // The next publish fails with it instead, and the operation records it.
  let lost: unknown
  model.on('error', (error: unknown) => (lost = error))
  try {
    const confirms = await model.createConfirmChannel()
    const reads = await model.createChannel()
    for (const channel of [confirms, reads]) channel.on('error', (error: unknown) => (lost ??= error))
    // Not durable (a run's queue need not survive a broker restart), not auto-deleted (it must
    // outlive the publishers until drained): deleted by close().
    await confirms.assertQueue(namespace, { durable: false, autoDelete: false, exclusive: false })
    const properties = model.connection.serverProperties
    const server = `${String(properties.product ?? 'RabbitMQ')} ${String(properties.version ?? 'unknown')}`
    options.log(`using ${server} at ${maskUrl(address)}, queue ${namespace}`)
    return {
      server,
      url: maskUrl(address),
      context: { publish: (message) => publish(confirms, namespace, message, options.timeoutMs, () => lost) },
      drain: () => drain(reads, namespace),
      close: () => close(model, confirms, namespace, (line) => options.warn(redact(line, secrets))),
    }
  } catch (error) {
    await model.close().catch(() => {})
    throw new TargetError(redact(`could not prepare queue ${namespace} on ${where.label}: ${messageOf(error)}`, secrets), { cause: error })
  }
}

/** Why `url` is not an AMQP URL racebench accepts, or undefined when it is. */
export function amqpUrlProblem(url: string): string | undefined {
  let parsed: URL
  try {
    parsed = new URL(url)
  } catch {
    return `--rabbitmq '${maskUrl(url)}' is not a URL; use ${AMQP_URL_FORMS}`
  }
  if (parsed.protocol !== 'amqp:' && parsed.protocol !== 'amqps:') return `--rabbitmq '${maskUrl(url)}' is not an AMQP URL; use ${AMQP_URL_FORMS}`
  if (parsed.hostname === '') return `--rabbitmq '${maskUrl(url)}' names no host; use ${AMQP_URL_FORMS}`
  return undefined
}

/** Sends one message and waits for the broker's confirm (an ack), at most `timeoutMs`. */
function publish(channel: ConfirmChannel, queue: string, message: Readonly<Record<string, unknown>>, timeoutMs: number, lost: () => unknown): Promise<void> {
  const why = lost()
  if (why !== undefined) return Promise.reject(new Error(`the connection to RabbitMQ was lost: ${messageOf(why)}`))
  const body = Buffer.from(JSON.stringify(message))
  const confirmed = new Promise<void>((resolve, reject) => {
    channel.sendToQueue(queue, body, { contentType: 'application/json' }, (error: unknown) => {
      if (error) reject(new Error(`RabbitMQ did not confirm the message: ${messageOf(error)}`))
      else resolve()
    })
  })
  return withinMs(confirmed, timeoutMs, `RabbitMQ did not confirm the message within ${timeoutMs} ms`)
}

/** Every message in the queue, oldest first: basic.get until it answers empty. */
async function drain(channel: Channel, queue: string): Promise<Record<string, unknown>[]> {
  const messages: Record<string, unknown>[] = []
  for (;;) {
    const message = await channel.get(queue, { noAck: true })
    if (message === false) return messages
    const text = message.content.toString('utf8')
    messages.push(parsed(text))
  }
}

/** A message's JSON body; anything else (published by someone else into the run's queue) kept as text. */
function parsed(text: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(text)
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>
  } catch {
    // not JSON: kept raw below
  }
  return { raw: text }
}

async function close(model: ChannelModel, channel: ConfirmChannel, queue: string, warn: (line: string) => void): Promise<void> {
  try {
    await channel.deleteQueue(queue)
  } catch (error) {
    warn(`could not delete the run's RabbitMQ queue ${queue} (${messageOf(error)})`)
  }
  await model.close().catch(() => {})
}

/** One line for a failed connect: AMQP refusals first, then what every target shares (refused, no host). */
function describeBrokerError(error: unknown, where: ServerAddress): string {
  const message = messageOf(error)
  if (/ACCESS[-_]REFUSED|403/.test(message)) return `authentication failed for user '${where.user}' at ${where.label}: check the user and password in ${where.option}`
  // A missing virtual host (or one the user may not use) closes the connection at connection.open.
  if (/ConnectionOpenOk|NOT_ALLOWED|530/.test(message)) return `${where.label} refused virtual host '${where.database}': does it exist, and may '${where.user}' use it?`
  return describeConnectError(error, where)
}

/** `promise`, or a rejection with `message` once `ms` have passed: no broker call may hang a run. */
function withinMs<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}
