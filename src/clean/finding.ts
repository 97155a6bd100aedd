/** What `racebench clean` looks at: folders and servers on this machine, namespaces on a server. */
export type FindingKind = 'embedded folder' | 'embedded server' | 'schema' | 'database' | 'Redis keys'

/**
 * - `leftover`: left by a run that is no longer running; `remove` takes it away.
 * - `in use`: a live run owns it (or it is being created): never touched.
 * - `unsure`: racebench cannot tell whether a run uses it (e.g. it may not see other users' sessions): kept.
 */
export type FindingState = 'leftover' | 'in use' | 'unsure'

/** One thing `racebench clean` found. */
export interface Finding {
  readonly kind: FindingKind
  /** A folder's path, a server's PID, or a namespace. */
  readonly name: string
  /** The server it lives on (password-free), for namespaces and Redis keys. */
  readonly where?: string
  readonly state: FindingState
  /** Why it is a leftover, or why it is kept: `owner PID 4242 is gone`, `2 connections`. */
  readonly detail: string
  /** Leftovers only: removes it, resolving to a note on how (`stopped its server PID 4250`). */
  readonly remove?: () => Promise<string | undefined>
}

/** A finding after `--yes`: leftovers end `removed` or `failed`. */
export interface CleanItem {
  readonly kind: FindingKind
  readonly name: string
  readonly where?: string
  readonly state: FindingState | 'removed' | 'failed'
  readonly detail: string
  /** How it was removed, or why it could not be. */
  readonly note?: string
}

/** Everything one `racebench clean` found and did: what `--json` prints, and what the text is made from. */
export interface CleanReport {
  readonly dryRun: boolean
  readonly items: readonly CleanItem[]
}

/** A server `clean` looks at, once reached: what it holds (for messages), its findings, and its connection. */
export interface LeftoverSource {
  /** `racebench schemas on PostgreSQL at 127.0.0.1:5432, database postgres` */
  readonly what: string
  survey(): Promise<Finding[]>
  close(): Promise<void>
}
