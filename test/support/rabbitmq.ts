import { connect } from 'amqplib'
import { probe, type ServiceProbe } from './services.js'

/** The machine's RabbitMQ (DEVELOPERS.md); override with RACEBENCH_RABBITMQ_URL. */
export const RABBITMQ_URL = process.env.RACEBENCH_RABBITMQ_URL ?? 'amqp://guest:guest@127.0.0.1:5672'

/** Whether RabbitMQ answers: tests that need it skip visibly without it, or fail under RACEBENCH_REQUIRE_SERVICES=1. */
export function probeRabbitmq(url = RABBITMQ_URL): Promise<ServiceProbe> {
  return probe(`RabbitMQ at ${new URL(url).host}`, async () => {
    const connection = await connect(url, { timeout: 3_000 })
    await connection.close()
  })
}

/** Whether a queue exists, asked on a connection of its own (a failed check closes its channel). */
export async function queueExists(queue: string, url = RABBITMQ_URL): Promise<boolean> {
  const connection = await connect(url, { timeout: 3_000 })
  connection.on('error', () => {})
  try {
    const channel = await connection.createChannel()
    channel.on('error', () => {})
    try {
      await channel.checkQueue(queue)
      return true
    } catch (error) {
      if ((error as { code?: unknown }).code === 404) return false
      throw error
    }
  } finally {
    await connection.close().catch(() => {})
  }
}
