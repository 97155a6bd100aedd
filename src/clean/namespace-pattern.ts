import { NAMESPACE_PREFIX } from '../engines/namespace.js'

/**
 * Exactly the names `namespaceFor` makes: `racebench_<slug>_<8 hex>`, the slug lower-case letters,
 * digits and underscores (at most 30). Anything else, `racebench_not_ours` included, is not ours.
 */
const NAMESPACE = new RegExp(`^${NAMESPACE_PREFIX}[a-z0-9][a-z0-9_]{0,29}_[0-9a-f]{8}$`)

/** Whether `name` is a namespace a racebench run created (and so one `clean` may drop). */
export function isRunNamespace(name: string): boolean {
  return NAMESPACE.test(name)
}

/**
 * The namespace a connection names: the last word of `racebench <role> <namespace>` (PostgreSQL's
 * application_name), `racebench <namespace>` (MySQL's program_name) or a Redis client name. Undefined
 * for anything else.
 */
export function namespaceNamedBy(connectionName: string | null | undefined): string | undefined {
  const last = connectionName?.trim().split(/[\s:]+/).pop()
  return last !== undefined && isRunNamespace(last) ? last : undefined
}
