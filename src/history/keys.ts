import type { KeyPattern } from '../scenario/define-scenario.js'

/** Whole-number keys below this have their text cached: 64 Ki strings at most, a few MB. */
const NUMBER_KEYS_CACHED = 65_536
/**
 * Their texts by key, the array made at full length on first use. Grown by writes at random keys, it
 * went through several element kinds (sparse first, then holey), and V8's lookup at its one read site
 * gave up on them all: the slowest, megamorphic path, on every operation of a run.
 */
let numberKeys: (string | undefined)[] | undefined

/** How a scenario shows its keys: its own `showKey`, else `defaultShowKey`. */
export type ShowKey = (key: unknown) => string

/**
 * A key as a person reads it when the scenario says nothing: an object's fields and values in order
 * (`{ room: 2, night: 3 }` → `room 2 night 3`), anything else as `key 4`.
 */
export function defaultShowKey(key: unknown): string {
  // Called for every operation: a whole-number key's text is made once.
  if (typeof key === 'number' && key >= 0 && key < NUMBER_KEYS_CACHED && Number.isInteger(key)) {
    const texts = (numberKeys ??= new Array<string | undefined>(NUMBER_KEYS_CACHED).fill(undefined))
    return (texts[key] ??= `key ${key}`)
  }
  if (key !== null && typeof key === 'object' && !Array.isArray(key)) {
    const fields = Object.entries(key as Record<string, unknown>).map(([name, value]) => `${name} ${String(value)}`)
    if (fields.length > 0) return fields.join(' ')
  }
  // Called for every operation: numbers and strings need no JSON.
  if (typeof key === 'number' || typeof key === 'string') return `key ${key}`
  return `key ${JSON.stringify(key)}`
}

/**
 * Whether an operation's key is one an invariant named: the same key, or, for an object key, one
 * whose fields include every field of the pattern with the same value (`{ job: 17 }` matches
 * `{ job: 17, request: 35 }`).
 */
export function keyMatches(pattern: KeyPattern<unknown> | unknown, key: unknown): boolean {
  if (pattern === key) return true
  if (pattern === null || key === null || typeof pattern !== 'object' || typeof key !== 'object') return false
  const fields = Object.entries(pattern as Record<string, unknown>)
  return fields.length > 0 && fields.every(([name, value]) => (key as Record<string, unknown>)[name] === value)
}

/**
 * The scenario's own `showKey`, else the default. A `showKey` that throws or answers no text shows that
 * key the default way: how a key reads is never worth failing a run over.
 */
export function showKeyOf(scenario: { readonly showKey?: ((key: never) => string) | undefined }): ShowKey {
  const own = scenario.showKey as ((key: unknown) => unknown) | undefined
  if (!own) return defaultShowKey
  return (key) => {
    try {
      const shown = own(key)
      return typeof shown === 'string' && shown !== '' ? shown : defaultShowKey(key)
    } catch {
      return defaultShowKey(key)
    }
  }
}
