import { TargetError, UsageError, messageOf } from '../errors.js'
import { sessionIdOf } from '../schedule/lock-waits.js'
import type { Session } from '../engines/session.js'
import type { Target } from '../engines/target.js'
import { sqlFor, type SpecSession } from './define-spec.js'
import { setSessionIsolation, type SpecIsolation } from './isolation.js'
import type { DrivenSession } from './drive-permutation.js'

/** `SET SESSION name = value`, as both engines take it: numbers bare, words quoted (both take 'ON'). */
function setVariable(name: string, value: string | number): string {
  if (!/^[a-z_][a-z0-9_.]*$/i.test(name)) throw new UsageError(`session variable '${name}' is not a valid name`)
  return `SET SESSION ${name} = ${typeof value === 'number' ? String(value) : `'${String(value).replace(/'/g, "''")}'`}`
}

/**
 * Opens one connection per spec session, each at `isolation` (its default for every transaction it
 * begins), with its variables and its own setup, plus the probe that watches lock waits.
 */
export async function openSpecSessions(
  target: Target,
  sessions: Readonly<Record<string, SpecSession>>,
  isolation: SpecIsolation | undefined,
  /** Set on every session before its own variables (`racebench anomalies` runs a level with one). */
  common: Readonly<Record<string, string | number>> = {},
): Promise<{ sessions: DrivenSession[]; probe: Session; close(): Promise<void> }> {
  const opened: Session[] = []
  const close = async () => {
    // All at once: a session waiting for another's lock is freed when that one's connection closes.
    await Promise.all(opened.map((session) => session.close()))
  }
  try {
    const driven: DrivenSession[] = []
    for (const [name, session] of Object.entries(sessions)) {
      const db = await target.connect()
      opened.push(db)
      const prepare = async (sql: string, what: string) =>
        db.query(sql).catch((error: unknown) => {
          throw new TargetError(`session ${name}: ${what} failed on ${target.server}: ${messageOf(error)}`, { cause: error })
        })
      if (isolation) await prepare(setSessionIsolation(target.dialect, isolation), `setting isolation ${isolation}`)
      for (const [variable, value] of Object.entries({ ...common, ...session.variables })) await prepare(setVariable(variable, value), `SET ${variable}`)
      if (session.setup !== undefined) await prepare(sqlFor(session.setup, target.dialect), 'its setup')
      driven.push({ name, db, serverId: await sessionIdOf(db) })
    }
    const probe = await target.connect()
    opened.push(probe)
    return { sessions: driven, probe, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Empties the run's namespace between permutations, so each starts from the spec's setup alone. */
export async function resetNamespace(target: Target): Promise<void> {
  if (target.dialect === 'postgres') {
    await target.admin.query(`DROP SCHEMA IF EXISTS "${target.namespace}" CASCADE; CREATE SCHEMA "${target.namespace}"`)
  } else {
    await target.admin.query(`DROP DATABASE IF EXISTS \`${target.namespace}\``)
    await target.admin.query(`CREATE DATABASE \`${target.namespace}\``)
    await target.admin.query(`USE \`${target.namespace}\``)
  }
}
