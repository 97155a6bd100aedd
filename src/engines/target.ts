import type { IsolationLevel } from '../config.js'
import type { Engine } from './engine.js'
import type { Dialect, Session } from './session.js'

/**
 * A database racebench may write to, confined to the run's own namespace (a PostgreSQL schema).
 * Created by `openTarget`, closed exactly once by its owner.
 */
export interface Target {
  readonly dialect: Dialect
  /** What scenarios may ask of the engine: its guarantees per isolation level, and the SQL that differs. */
  readonly engine: Engine
  /** Set when the server is a node of a multi-primary cluster (Galera). */
  readonly cluster: ClusterInfo | undefined
  /** The real server and version, e.g. `PostgreSQL 15.19`. */
  readonly server: string
  /** The URL with its password masked: safe to print. */
  readonly url: string
  /** True when racebench started the server itself. */
  readonly embedded: boolean
  /** The run's schema, e.g. `racebench_double_booking_3f9a0c1e`. */
  readonly namespace: string
  /** The level a plain BEGIN gets on this server. */
  readonly defaultIsolation: IsolationLevel
  /** A connection for setup and for checking invariants. */
  readonly admin: Session
  /** Opens one more connection inside the namespace, for a worker. */
  connect(): Promise<Session>
  /**
   * Makes `db`'s reads see every transaction committed on any node of the cluster before them (Galera:
   * `wsrep_sync_wait`); nothing on a single server. For the invariants, which run on the first node.
   */
  readCommittedEverywhere(db: Session): Promise<void>
  /**
   * For a node that joined another node's namespace (`TargetOptions.join`): waits until the namespace,
   * created and filled on the first node, is there, or fails with a TargetError saying the nodes are
   * not one cluster.
   */
  awaitNamespace(): Promise<void>
  /**
   * Opens another namespace on the same server, with the same settings (a scenario's second database,
   * when no `--db2` is given). Closing it drops that namespace only; the server stays up.
   */
  sibling(namespace: string): Promise<Target>
  /** Runs a multi-statement SQL script (the scenario's schema) inside the namespace. */
  runScript(sql: string): Promise<void>
  /** Drops the namespace (unless kept), closes the admin connection, stops an embedded server. */
  close(): Promise<void>
}

/** A node of a multi-primary cluster, as the node reports itself. */
export interface ClusterInfo {
  readonly kind: 'galera'
  /** Nodes in the cluster (`wsrep_cluster_size`). */
  readonly size: number
  /** The node's state, e.g. `Synced` (`wsrep_local_state_comment`). */
  readonly state: string
}

/** What every target needs to know from the run. */
export interface TargetOptions {
  /** The run's schema or database name, from `namespaceFor(scenario)`. */
  readonly namespace: string
  /** lock and statement timeout on every connection. */
  readonly timeoutMs: number
  readonly keep: boolean
  /**
   * A node of a cluster whose first node creates the namespace: this one only connects to it, and
   * neither creates nor drops it.
   */
  readonly join?: boolean
  /**
   * Where worker connections go instead of the server's own address: the nemesis's TCP proxy
   * (`latency`, `reset`), asked for the server's host and port at each connect. Setup connections go
   * straight to the server.
   */
  readonly route?: (server: { readonly host: string; readonly port: number }) => Promise<{ readonly host: string; readonly port: number }>
  readonly workers: number
  /** Connections the scenario's readers open besides the workers' (none when absent). */
  readonly readers?: number
  /** Diagnostic lines (stderr under --debug). */
  readonly log: (line: string) => void
  /** Something the user must know even without --debug, e.g. a namespace that could not be dropped. */
  readonly warn: (line: string) => void
}
