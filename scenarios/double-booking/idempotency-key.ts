// The idempotency-key strategy: each booking request is sent, and then re-sent by its client under
// the same key; the copy gets the stored answer instead of being run again.
import { Conflict, classifyError } from '../../src/scenario/building-blocks.js'
import { book, guestOf, slotTaken, type Ctx } from './bookings.js'

const CLAIM_KEY = {
  postgres: 'INSERT INTO idempotency_keys (request_key, room_id, night) VALUES ($1, $2, $3) ON CONFLICT (request_key) DO NOTHING',
  mysql: 'INSERT IGNORE INTO idempotency_keys (request_key, room_id, night) VALUES ($1, $2, $3)',
} as const
const STORE_RESPONSE = 'UPDATE idempotency_keys SET outcome = $2, response = $3 WHERE request_key = $1'
const STORED_RESPONSE = 'SELECT outcome, response FROM idempotency_keys WHERE request_key = $1'

interface Answer {
  readonly outcome: 'ok' | 'rejected'
  readonly response: string
}

/**
 * Claims the request's key, books or refuses, and stores the answer, all in one transaction: a key
 * exists exactly when its request's answer does. Undefined when the key was already taken (answer
 * from the store). The key only tells copies of one request apart; two guests' requests for one slot
 * have two keys, so the slot is guarded by the unique index the strategy adds (see `prepare`). Its
 * duplicate-key error rolls the claim back and is retried as a conflict: the retry finds the slot
 * taken and stores a refusal.
 */
async function answerOnceUnderKey(ctx: Ctx): Promise<'ok' | 'rejected' | undefined> {
  const { db, dialect, key } = ctx
  const requestKey = guestOf(ctx)
  if ((await db.query(CLAIM_KEY[dialect], [requestKey, key.room, key.night])).rowCount === 0) return undefined
  const answer = await bookIfFree(ctx)
  await db.query(STORE_RESPONSE, [requestKey, answer.outcome, answer.response])
  return answer.outcome
}

async function bookIfFree(ctx: Ctx): Promise<Answer> {
  const slot = `room ${ctx.key.room} night ${ctx.key.night}`
  if (await slotTaken(ctx)) return { outcome: 'rejected', response: `${slot} is already booked` }
  await ctx.think()
  try {
    await book(ctx)
  } catch (error) {
    if (classifyError(error) === 'unique') throw new Conflict(`${slot} was booked by another request meanwhile`)
    throw error
  }
  return { outcome: 'ok', response: `${slot} booked for ${guestOf(ctx)}` }
}

/** A copy gets its original's answer, as an idempotent API gives it; noted, so the timeline shows it. */
async function storedAnswer(ctx: Ctx): Promise<'ok' | 'rejected'> {
  const requestKey = guestOf(ctx)
  const { rows } = await ctx.db.query<Answer>(STORED_RESPONSE, [requestKey])
  const answer = rows[0]
  if (!answer) throw new Error(`request ${requestKey}'s key was taken but holds no answer`)
  ctx.note('stored response replayed', `request ${requestKey} was answered from its stored response: ${answer.response}`)
  return answer.outcome
}

/** One sending of the request: run it under its key, or answer from the store. */
function send(ctx: Ctx): Promise<'ok' | 'rejected'> {
  return ctx.retry(async () => (await ctx.transaction(() => answerOnceUnderKey(ctx))) ?? storedAnswer(ctx))
}

/**
 * The client sends the request, loses the answer (a timeout), waits (--think) and re-sends it with the
 * same key. The operation's outcome is the answer the client finally gets: the copy's. Without the key
 * the copy would run again and, finding the slot taken by its own original, answer `rejected` to the
 * guest who has the room (the `active bookings = ok outcomes` invariant catches that).
 */
export async function sendAndResend(ctx: Ctx): Promise<'ok' | 'rejected'> {
  await send(ctx)
  await ctx.think()
  return send(ctx)
}
