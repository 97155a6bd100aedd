#!/usr/bin/env bash
# A throwaway 3-node MariaDB Galera cluster (multi-primary) on loopback, for racebench's tests and runs.
#
#   scripts/galera-cluster.sh start    bootstrap node 1, join 2 and 3, wait until all are Synced, print URLs
#   scripts/galera-cluster.sh stop     stop every node by its PID and remove the folder (idempotent)
#   scripts/galera-cluster.sh status   each node's cluster size and state, or "not running" (exit 1 unless all Synced)
#   scripts/galera-cluster.sh urls     the client URLs of a started cluster, one per line
#
# RACEBENCH_GALERA_DIR (default /tmp/racebench-galera): node i lives in $DIR/node$i (datadir, socket, pid, log).
# RACEBENCH_GALERA_PORT (default 4306): node i's client port is PORT+i-1; its group, IST and SST ports are
# PORT+10+i-1, PORT+20+i-1 and PORT+30+i-1. Everything binds 127.0.0.1.
# RACEBENCH_GALERA_TIMEOUT (default 90): seconds `start` may take to reach a synced cluster of 3.
#
# Nodes never run as root: rsync state transfer refuses to, and a server of ours should not either. The
# machine's own MariaDB (:3306) is never touched: nodes are found and stopped only through this folder's
# pid files, and each PID is checked to be a mariadbd started with this folder's config before a signal.
set -euo pipefail

DIR=${RACEBENCH_GALERA_DIR:-/tmp/racebench-galera}
BASE=${RACEBENCH_GALERA_PORT:-4306}
SYNC_TIMEOUT=${RACEBENCH_GALERA_TIMEOUT:-90}
STOP_TIMEOUT=20
NODES=(1 2 3)
PROVIDER=/usr/lib/galera/libgalera_smm.so
MARKER=.racebench-galera
OS_USER=mysql

# State of a `start` in progress: on failure its EXIT trap stops what it started and removes the folder.
STARTING=0
FAILED_NODE=
LAUNCHED=()

fail() { echo "galera-cluster: $*" >&2; exit 1; }

client_port() { echo $((BASE + $1 - 1)); }
group_port() { echo $((BASE + 10 + $1 - 1)); }
ist_port() { echo $((BASE + 20 + $1 - 1)); }
sst_port() { echo $((BASE + 30 + $1 - 1)); }
node_dir() { echo "$DIR/node$1"; }
url_of() { echo "mysql://root@127.0.0.1:$(client_port "$1")/test"; }

check_settings() {
  [[ $DIR == /* && $DIR != / ]] || fail "RACEBENCH_GALERA_DIR must be an absolute folder other than /, got '$DIR'"
  if ! [[ $BASE =~ ^[0-9]+$ ]] || ((BASE < 1024 || BASE + 32 > 65535)); then
    fail "RACEBENCH_GALERA_PORT must be a port from 1024 to 65503, got '$BASE'"
  fi
  if ! [[ $SYNC_TIMEOUT =~ ^[0-9]+$ ]] || ((SYNC_TIMEOUT == 0)); then
    fail "RACEBENCH_GALERA_TIMEOUT must be a whole number of seconds, got '$SYNC_TIMEOUT'"
  fi
}

check_tools() {
  [[ -e $PROVIDER ]] || fail "$PROVIDER not found: install Debian's galera-4 (apt-get install galera-4 rsync)"
  local tool
  for tool in mariadbd mariadb-install-db mariadb rsync wsrep_sst_rsync ss; do
    command -v "$tool" >/dev/null || fail "$tool not found: install Debian's mariadb-server, galera-4, rsync and iproute2"
  done
  if ((EUID == 0)); then
    id -u "$OS_USER" >/dev/null 2>&1 || fail "OS user '$OS_USER' not found: the nodes cannot run as root"
  fi
}

# The command prefix that runs a command as the nodes' OS user. setpriv execs in place (runuser would stay
# as the parent), so the PID of `"${AS_NODE_USER[@]}" mariadbd … &` is the server's own.
if ((EUID == 0)); then
  AS_NODE_USER=(setpriv --reuid="$OS_USER" --regid="$OS_USER" --init-groups --)
else
  AS_NODE_USER=(env)
fi

# The node's PID if it is alive and is a mariadbd reading this node's my.cnf; nothing otherwise. A dead
# node's PID may be reused by anything, and a zombie (our own child, killed) no longer counts.
node_pid() {
  local pidfile pid
  pidfile="$(node_dir "$1")/node.pid"
  [[ -r $pidfile ]] || return 0
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "--defaults-file=$(node_dir "$1")/my.cnf" && echo "$pid"
  return 0
}

# "size state ready" of a node, read over TCP as root (which is also what a client will do), or nothing.
node_state() {
  mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$(client_port "$1")" -u root --connect-timeout=2 -N -B -e \
    "SHOW GLOBAL STATUS WHERE Variable_name IN ('wsrep_cluster_size', 'wsrep_local_state_comment', 'wsrep_ready')" \
    2>/dev/null | awk '{ v[$1] = $2 } END { if (v["wsrep_cluster_size"] != "") print v["wsrep_cluster_size"], v["wsrep_local_state_comment"], v["wsrep_ready"] }' ||
    true
}

node_synced() {
  local expected=$2 state
  state=$(node_state "$1")
  [[ $state == "$expected Synced ON" ]]
}

all_synced() {
  local i
  for i in "${NODES[@]}"; do
    [[ -n $(node_pid "$i") ]] && node_synced "$i" "${#NODES[@]}" || return 1
  done
}

write_config() {
  local i=$1 dir peers="" j
  dir=$(node_dir "$i")
  for j in "${NODES[@]}"; do peers+="${peers:+,}127.0.0.1:$(group_port "$j")"; done
  cat >"$dir/my.cnf" <<EOF
# Written by scripts/galera-cluster.sh: node $i of a throwaway racebench cluster. Removed by \`stop\`.
[mariadbd]
datadir = $dir/data
socket = $dir/mariadbd.sock
pid-file = $dir/mariadbd.pid
log-error = $dir/mariadbd.log
port = $(client_port "$i")
bind-address = 127.0.0.1
skip-name-resolve
# Small: three of these share a 2-core machine with the tests.
innodb_buffer_pool_size = 64M
innodb_log_file_size = 16M
innodb_log_buffer_size = 8M
key_buffer_size = 1M
performance_schema = OFF
# The cluster is thrown away: durability is not what it is here for.
innodb_flush_log_at_trx_commit = 2
# What Galera requires.
binlog_format = ROW
default_storage_engine = InnoDB
innodb_autoinc_lock_mode = 2
wsrep_on = ON
wsrep_provider = $PROVIDER
wsrep_cluster_name = racebench
wsrep_node_name = node$i
wsrep_node_address = 127.0.0.1
wsrep_node_incoming_address = 127.0.0.1:$(client_port "$i")
wsrep_cluster_address = gcomm://$peers
wsrep_provider_options = "base_port=$(group_port "$i");gmcast.listen_addr=tcp://127.0.0.1:$(group_port "$i");ist.recv_addr=127.0.0.1:$(ist_port "$i");gcache.size=32M"
wsrep_sst_method = rsync
wsrep_sst_receive_address = 127.0.0.1:$(sst_port "$i")
wsrep_slave_threads = 2
EOF
}

# Fails, naming the port, when anything already listens on one of the cluster's ports.
check_ports_free() {
  local i port what
  for i in "${NODES[@]}"; do
    for what in client group ist sst; do
      port=$("${what}_port" "$i")
      if [[ -n $(ss -Hltn "sport = :$port") ]]; then
        fail "port $port (node $i, $what) is already in use: free it or set RACEBENCH_GALERA_PORT"
      fi
    done
  done
}

# Removes $DIR, but only if it is ours (marker file) or empty: it is removed with rm -rf.
remove_dir() {
  [[ -e $DIR ]] || return 0
  if [[ -e $DIR/$MARKER || -z $(ls -A "$DIR") ]]; then
    rm -rf -- "$DIR"
  else
    echo "galera-cluster: $DIR was not made by this script: left as it is" >&2
    return 1
  fi
}

launch_node() {
  local i=$1 dir
  shift
  dir=$(node_dir "$i")
  FAILED_NODE=$i
  "${AS_NODE_USER[@]}" mariadbd --defaults-file="$dir/my.cnf" "$@" </dev/null >>"$dir/mariadbd.log" 2>&1 &
  LAUNCHED+=("$!")
  echo $! >"$dir/node.pid"
}

# Waits until node $1 is Synced in a cluster of $2 nodes, failing if it exits or the deadline passes.
wait_synced() {
  local i=$1 size=$2
  FAILED_NODE=$i
  while ! node_synced "$i" "$size"; do
    # By the PID launched, not node_pid: until setpriv has exec'd mariadbd, the command line is not yet its.
    any_alive "$(<"$(node_dir "$i")/node.pid")" || fail "node $i exited while starting"
    ((SECONDS < DEADLINE)) || fail "node $i was not Synced in a cluster of $size after ${SYNC_TIMEOUT}s (now: $(node_state "$i" || true))"
    sleep 0.5
  done
}

# EXIT trap of `start`: on failure, show why, stop what was started and leave no folder behind.
on_start_exit() {
  local rc=$?
  ((STARTING == 1 && rc != 0)) || return 0
  local log
  log="$(node_dir "${FAILED_NODE:-0}")/mariadbd.log"
  if [[ -n $FAILED_NODE && -r $log ]]; then
    # The cause is usually an [ERROR] line well above the shutdown notes that end the log.
    if grep -q '\[ERROR\]' "$log"; then
      echo "galera-cluster: errors in node $FAILED_NODE's log:" >&2
      grep '\[ERROR\]' "$log" | tail -n 8 | sed 's/^/  /' >&2
    fi
    echo "galera-cluster: last lines of node $FAILED_NODE's log ($log):" >&2
    tail -n 15 "$log" | sed 's/^/  /' >&2
  fi
  # Nothing of a failed start is worth a clean shutdown: a node mid-transfer can ignore SIGTERM for long.
  STOP_TIMEOUT=5
  stop_nodes
  remove_dir || true
  echo "galera-cluster: start failed; stopped what it had started and removed $DIR" >&2
}

cmd_start() {
  check_tools
  if all_synced; then
    cmd_urls
    return 0
  fi
  local i pid
  for i in "${NODES[@]}"; do
    pid=$(node_pid "$i")
    [[ -z $pid ]] || fail "a cluster in $DIR is running but not synced (node $i, pid $pid): run '$0 stop' first"
  done
  remove_dir || fail "remove or empty $DIR, or set RACEBENCH_GALERA_DIR"
  check_ports_free

  STARTING=1
  trap on_start_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  DEADLINE=$((SECONDS + SYNC_TIMEOUT))
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  touch "$DIR/$MARKER"
  for i in "${NODES[@]}"; do
    mkdir -p "$(node_dir "$i")/data"
    write_config "$i"
    : >"$(node_dir "$i")/mariadbd.log"
    if ((EUID == 0)); then chown -R "$OS_USER:$OS_USER" "$(node_dir "$i")"; fi
  done

  # Only the first node gets system tables: the others receive node 1's whole datadir by rsync (SST).
  FAILED_NODE=1
  "${AS_NODE_USER[@]}" mariadb-install-db --no-defaults --datadir="$(node_dir 1)/data" --skip-name-resolve \
    --auth-root-authentication-method=normal --skip-test-db >>"$(node_dir 1)/mariadbd.log" 2>&1 ||
    fail "mariadb-install-db failed for node 1"
  launch_node 1 --wsrep-new-cluster
  wait_synced 1 1
  mariadb --no-defaults --protocol=TCP -h 127.0.0.1 -P "$(client_port 1)" -u root -e 'CREATE DATABASE IF NOT EXISTS test' ||
    fail "could not create database test on node 1"
  # One joiner at a time: node 1 donates its state to one joiner at a time anyway.
  for i in "${NODES[@]:1}"; do
    launch_node "$i"
    wait_synced "$i" "$i"
  done
  for i in "${NODES[@]}"; do wait_synced "$i" "${#NODES[@]}"; done

  for i in "${NODES[@]}"; do url_of "$i"; done >"$DIR/urls"
  STARTING=0
  trap - EXIT INT TERM
  echo "galera-cluster: ${#NODES[@]} nodes Synced in ${SECONDS}s ($DIR)" >&2
  cat "$DIR/urls"
}

# SIGTERM every node of this folder (and what it runs: a state transfer's script and rsync daemon), then
# SIGKILL whatever is still alive after STOP_TIMEOUT seconds. Nodes this very process launched count even
# before their exec; others only when their PID is still a mariadbd reading this folder's config.
stop_nodes() {
  local i pid pids=() deadline
  for i in "${NODES[@]}"; do
    pid=$(node_pid "$i")
    [[ -z $pid ]] || pids+=("$pid")
  done
  for pid in "${LAUNCHED[@]}"; do
    if any_alive "$pid"; then pids+=("$pid"); fi
  done
  ((${#pids[@]} > 0)) || return 0
  # Children are listed before the signal: once a node is gone they belong to init and cannot be found.
  mapfile -t pids < <(descendants "${pids[@]}" | sort -un)
  kill -TERM "${pids[@]}" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while ((SECONDS < deadline)) && any_alive "${pids[@]}"; do sleep 0.2; done
  if any_alive "${pids[@]}"; then
    echo "galera-cluster: nodes still running after ${STOP_TIMEOUT}s: SIGKILL" >&2
    kill -KILL "${pids[@]}" 2>/dev/null || true
    while any_alive "${pids[@]}"; do sleep 0.1; done
  fi
}

# The PIDs given and all their descendants, one per line.
descendants() {
  local pid
  for pid in "$@"; do
    echo "$pid"
    # shellcheck disable=SC2046 # one PID per word
    descendants $(ps -o pid= --ppid "$pid" 2>/dev/null || true)
  done
}

# True while one of the PIDs is a live process (a zombie, our own killed child, is not).
any_alive() {
  local pid
  for pid in "$@"; do
    [[ -r /proc/$pid/stat ]] && [[ $(awk '{ print $3 }' "/proc/$pid/stat" 2>/dev/null) != Z ]] && return 0
  done
  return 1
}

cmd_stop() {
  if [[ ! -e $DIR ]]; then
    echo "galera-cluster: nothing to stop ($DIR does not exist)" >&2
    return 0
  fi
  stop_nodes
  remove_dir
  echo "galera-cluster: stopped; removed $DIR" >&2
}

cmd_status() {
  local i pid state size comment ready all=0
  for i in "${NODES[@]}"; do
    pid=$(node_pid "$i")
    if [[ -z $pid ]]; then
      echo "node$i 127.0.0.1:$(client_port "$i"): not running"
      all=1
      continue
    fi
    state=$(node_state "$i")
    if [[ -z $state ]]; then
      echo "node$i 127.0.0.1:$(client_port "$i") pid $pid: not answering"
      all=1
    else
      read -r size comment ready <<<"$state"
      echo "node$i 127.0.0.1:$(client_port "$i") pid $pid: $comment, cluster size $size, ready $ready"
      [[ $comment == Synced && $size == "${#NODES[@]}" && $ready == ON ]] || all=1
    fi
  done
  return $all
}

cmd_urls() {
  [[ -r $DIR/urls ]] || fail "no cluster started in $DIR: run '$0 start'"
  cat "$DIR/urls"
}

check_settings
case "${1:-}" in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  urls) cmd_urls ;;
  *) fail "usage: $0 start|stop|status|urls" ;;
esac
