import type { Dialect } from './session.js'
import type { Engine } from './engine.js'
import { mysqlEngine } from './mysql/engine.js'
import { postgresEngine } from './postgres/engine.js'

const POSTGRES = postgresEngine()
const MYSQL = mysqlEngine()

/**
 * The engine of a dialect on a single server, for what is known before connecting (`list`, the
 * expectation matrix). A connected target knows better: it detects MariaDB, MySQL and a Galera cluster.
 */
export function engineFor(dialect: Dialect): Engine {
  return dialect === 'postgres' ? POSTGRES : MYSQL
}
