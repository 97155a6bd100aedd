import { describe, expect, it } from 'vitest'
import { ExitCode, TargetError, UsageError } from '../../src/errors.js'
import { AMQP_URL_FORMS, openBroker } from '../../src/engines/rabbitmq/rabbitmq.js'
import { failure } from '../support/failure.js'
import { holdsSecret } from '../../src/redact.js'
import { freePort } from '../../src/engines/embedded/embedded-port.js'
import { probeRabbitmq, queueExists, RABBITMQ_URL } from '../support/rabbitmq.js'

const rabbitmq = await probeRabbitmq()
const quiet = { timeoutMs: 2_000, log: () => {}, warn: () => {} }
const PASSWORD = 'Rb-S3cret/pw'

/** A namespace of this test's own, as a run's would be. */
const namespace = (what: string) => `racebench_broker_test_${what}_${process.pid}`



describe('openBroker: the run cannot reach a broker', () => {
  it('without --rabbitmq and nothing at the default address: a usage error saying what to give', async () => {
    const defaultUrl = `amqp://guest:guest@127.0.0.1:${await freePort()}`
    const { error, line } = await failure(openBroker(undefined, namespace('nodefault'), { ...quiet, defaultUrl }))
    expect(error).toBeInstanceOf(UsageError)
    expect((error as UsageError).exitCode).toBe(ExitCode.Usage)
    expect(line).toMatch(/^this strategy needs RabbitMQ and none answered at amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+ \(cannot reach RabbitMQ at .*connection refused.*\); give one with --rabbitmq /)
    expect(line).not.toContain('guest:guest')
    expect(line).not.toContain('\n')
    // RabbitMQ's public default password is masked in the message, but not remembered: the process's
    // later output (double-booking's `guest-3`) must not turn every "guest" into ***.
    expect(holdsSecret('guest-3')).toBe(false)
  })

  it('an explicit URL that does not answer: a target error, its password masked', async () => {
    const url = `amqp://app:${encodeURIComponent(PASSWORD)}@127.0.0.1:${await freePort()}`
    const { error, line } = await failure(openBroker(url, namespace('refused'), quiet))
    expect(error).toBeInstanceOf(TargetError)
    expect((error as TargetError).exitCode).toBe(ExitCode.Target)
    expect(line).toMatch(/^cannot reach RabbitMQ at 127\.0\.0\.1:\d+ \(amqp:\/\/app:\*\*\*@127\.0\.0\.1:\d+\): connection refused/)
    expect(line).not.toContain(PASSWORD)
    expect(line).not.toContain(encodeURIComponent(PASSWORD))
  })

  it('a URL that is not an AMQP URL: a usage error naming the forms', async () => {
    const { error, line } = await failure(openBroker(`http://u:${encodeURIComponent(PASSWORD)}@127.0.0.1:5672`, namespace('scheme'), quiet))
    expect(error).toBeInstanceOf(UsageError)
    expect(line).toBe(`--rabbitmq 'http://u:***@127.0.0.1:5672/' is not an AMQP URL; use ${AMQP_URL_FORMS}`)
  })

  it('a URL that does not parse, its password with a raw slash: still masked', async () => {
    const { error, line } = await failure(openBroker(`amqp://u:${PASSWORD}@127.0.0.1:5672`, namespace('unparsable'), quiet))
    expect(error).toBeInstanceOf(UsageError)
    expect(line).toMatch(/^--rabbitmq '.*' is not a URL; use amqp:\/\/host:5672/)
    expect(line).not.toContain(PASSWORD)
    expect(line).not.toContain('S3cret')
  })
})

describe.skipIf(!rabbitmq.available)('openBroker: the run queue on RabbitMQ', () => {
  it('publishes with confirms, drains every message in order, and deletes the queue at close', async () => {
    const queue = namespace('roundtrip')
    const broker = await openBroker(RABBITMQ_URL, queue, quiet)
    try {
      expect(broker.server).toMatch(/^RabbitMQ \d+\.\d+/)
      expect(broker.url).toBe(RABBITMQ_URL.replace(/:[^:@/]+@/, ':***@'))
      expect(await queueExists(queue)).toBe(true)
      // Concurrent publishers, as workers are: each waits for its own confirm.
      await Promise.all([1, 2, 3].map((n) => broker.context.publish({ type: 'PaymentCompleted', paymentId: `p${n}`, jobId: n })))
      await broker.context.publish({ type: 'PaymentCompleted', paymentId: 'p4', jobId: 4 })
      const drained = await broker.drain()
      expect(drained.map((message) => message.paymentId).sort()).toEqual(['p1', 'p2', 'p3', 'p4'])
      expect(drained[3]).toEqual({ type: 'PaymentCompleted', paymentId: 'p4', jobId: 4 })
      expect(await broker.drain()).toEqual([])
    } finally {
      await broker.close()
    }
    expect(await queueExists(queue)).toBe(false)
  })

  it('keeps the order messages were published in', async () => {
    const broker = await openBroker(RABBITMQ_URL, namespace('order'), quiet)
    try {
      for (let n = 0; n < 20; n++) await broker.context.publish({ n })
      expect((await broker.drain()).map((message) => message.n)).toEqual([...Array(20).keys()])
    } finally {
      await broker.close()
    }
  })

  it('a wrong password: a target error that names the user and masks the password', async () => {
    // A user of its own: the machine's guest:guest makes `guest` a remembered secret, masked everywhere.
    const url = new URL(RABBITMQ_URL)
    url.username = 'racebench_nobody'
    url.password = encodeURIComponent(PASSWORD)
    const { error, line } = await failure(openBroker(url.toString(), namespace('auth'), quiet))
    expect(error).toBeInstanceOf(TargetError)
    expect(line).toMatch(new RegExp(`^authentication failed for user '${url.username}' at RabbitMQ at ${url.host.replace(/\./g, '\\.')} .*: check the user and password in --rabbitmq$`))
    expect(line).not.toContain(PASSWORD)
    expect(line).not.toContain(encodeURIComponent(PASSWORD))
  })
})

if (!rabbitmq.available) it.skip(`openBroker on RabbitMQ: ${rabbitmq.reason}`, () => {})
