#!/usr/bin/env bash
# Independent throwaway Redis servers on loopback, for the Redlock strategy and its tests.
#
#   scripts/redis-nodes.sh start [N]   start N nodes (default 5), wait until each answers PING, print one URL a line
#   scripts/redis-nodes.sh stop        stop every node by the PID in its pid file and remove the folder (idempotent)
#   scripts/redis-nodes.sh urls        the URLs of started nodes, one per line
#
# RACEBENCH_REDIS_NODES_PORT (default 6390): node i (1-based) listens on 127.0.0.1:PORT+i-1.
# RACEBENCH_REDIS_NODES_DIR (default /tmp/racebench-redis-nodes): node i keeps its pid file and log in
# $DIR/node$i; `start` writes the URLs to $DIR/urls.
#
# The nodes are independent masters (Redlock needs no replication), persist nothing and never touch the
# machine's own Redis: ports come only from the settings above (6379 refused), and a PID is signalled only
# when /proc says it is a redis-server listening on the port its folder is for.
set -euo pipefail

DIR=${RACEBENCH_REDIS_NODES_DIR:-/tmp/racebench-redis-nodes}
BASE=${RACEBENCH_REDIS_NODES_PORT:-6390}
PING_TIMEOUT_S=10
STOP_TIMEOUT_S=10
MARKER=.racebench-redis-nodes

fail() { echo "redis-nodes: $*" >&2; exit 1; }

node_dir() { echo "$DIR/node$1"; }
port_of() { echo $((BASE + $1 - 1)); }
url_of() { echo "redis://127.0.0.1:$(port_of "$1")"; }

check_settings() {
  [[ $DIR == /* && $DIR != / ]] || fail "RACEBENCH_REDIS_NODES_DIR must be an absolute folder other than /, got '$DIR'"
  [[ $BASE =~ ^[0-9]+$ ]] || fail "RACEBENCH_REDIS_NODES_PORT must be a port number, got '$BASE'"
}

check_count() {
  if ! [[ $1 =~ ^[0-9]+$ ]] || (($1 < 1 || $1 > 15)); then fail "the number of nodes must be from 1 to 15, got '$1'"; fi
  ((BASE >= 1024 && BASE + $1 - 1 <= 65535)) || fail "ports $BASE..$((BASE + $1 - 1)) are not all from 1024 to 65535"
  if ((BASE <= 6379 && 6379 <= BASE + $1 - 1)); then
    fail "ports $BASE..$((BASE + $1 - 1)) include 6379, the machine's own Redis: pick another RACEBENCH_REDIS_NODES_PORT"
  fi
}

# The node's PID if it is alive and is a redis-server on its own port; nothing otherwise (a stale pid
# file's PID may since belong to anything).
node_pid() {
  local pidfile pid port
  pidfile="$(node_dir "$1")/redis.pid"
  [[ -r $pidfile ]] || return 0
  pid=$(<"$pidfile")
  port=$(<"$(node_dir "$1")/port")
  [[ $pid =~ ^[0-9]+$ && -r /proc/$pid/cmdline ]] || return 0
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qE "^([^ ]*/)?redis-server 127\.0\.0\.1:$port( |\$)" && echo "$pid"
  return 0
}

# Every node folder present, by number.
node_numbers() {
  local d
  for d in "$DIR"/node*; do
    [[ -d $d ]] && echo "${d##*/node}"
  done | sort -n
}

stop_nodes() {
  [[ -d $DIR ]] || return 0
  [[ -e $DIR/$MARKER ]] || fail "$DIR was not made by this script (no $MARKER): not touching it"
  local i pid pids=()
  for i in $(node_numbers); do
    pid=$(node_pid "$i")
    [[ -n $pid ]] && pids+=("$pid")
  done
  if ((${#pids[@]} > 0)); then
    # A node a test stopped with SIGSTOP would not act on SIGTERM until continued.
    kill -CONT "${pids[@]}" 2>/dev/null || true
    kill -TERM "${pids[@]}" 2>/dev/null || true
    local waited=0
    while alive "${pids[@]}" && ((waited < STOP_TIMEOUT_S * 10)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    if alive "${pids[@]}"; then
      kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
  fi
  rm -rf -- "$DIR"
}

# True while one of the PIDs is a live process (a zombie is not).
alive() {
  local pid state
  for pid in "$@"; do
    state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
    [[ -n $state && $state != Z ]] && return 0
  done
  return 1
}

# EXIT trap of `start`: on failure, say why, stop what was started and leave no folder behind.
STARTING=0
on_start_exit() {
  local status=$?
  if ((STARTING == 1)); then
    # The log of a node that died says why (a port taken, a bad setting); live nodes' logs say nothing.
    local i log
    for i in $(node_numbers); do
      log="$(node_dir "$i")/redis.log"
      [[ -z $(node_pid "$i") && -s $log ]] && { echo "redis-nodes: last lines of $log:" >&2; tail -n 5 "$log" >&2; }
    done
    stop_nodes || true
  fi
  exit "$status"
}

start_nodes() {
  local count=${1:-5}
  check_count "$count"
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    fail "redis-server and redis-cli not found: install Debian's redis-server"
  fi
  if [[ -e $DIR ]]; then
    fail "$DIR already exists (nodes already started?): run '$0 stop' first"
  fi
  local i port
  for ((i = 1; i <= count; i++)); do
    port=$(port_of "$i")
    # Anything accepting a connection there (not only a Redis) would make the node fail to bind.
    if timeout 2 bash -c "exec 3<>/dev/tcp/127.0.0.1/$port" 2>/dev/null; then
      fail "something already listens on 127.0.0.1:$port: pick another RACEBENCH_REDIS_NODES_PORT"
    fi
  done

  STARTING=1
  trap on_start_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
  mkdir -p -- "$DIR"
  touch "$DIR/$MARKER"
  for ((i = 1; i <= count; i++)); do
    local dir
    dir=$(node_dir "$i")
    port=$(port_of "$i")
    mkdir -p -- "$dir"
    echo "$port" >"$dir/port"
    # The first argument names the process "redis-server 127.0.0.1:PORT", which node_pid checks.
    redis-server --bind 127.0.0.1 --port "$port" --save "" --appendonly no --dir "$dir" \
      --daemonize yes --pidfile "$dir/redis.pid" --logfile "$dir/redis.log" --protected-mode yes \
      || fail "node $i (port $port) did not start"
  done
  for ((i = 1; i <= count; i++)); do
    wait_for_ping "$i"
  done
  for ((i = 1; i <= count; i++)); do url_of "$i"; done >"$DIR/urls"
  STARTING=0
  trap - EXIT INT TERM
  cat "$DIR/urls"
}

wait_for_ping() {
  local port tries=0
  port=$(port_of "$1")
  until [[ $(timeout 2 redis-cli -h 127.0.0.1 -p "$port" PING 2>/dev/null) == PONG ]]; do
    tries=$((tries + 1))
    # A node that could not bind exits at once: say so instead of waiting out the timeout.
    if ((tries > 10)) && [[ -z $(node_pid "$1") ]]; then fail "node $1 (port $port) exited"; fi
    ((tries <= PING_TIMEOUT_S * 10)) || fail "node $1 (port $port) did not answer PING within ${PING_TIMEOUT_S} s"
    sleep 0.1
  done
  [[ -n $(node_pid "$1") ]] || fail "node $1 (port $port) answers but is not the redis-server this script started"
}

check_settings
case ${1:-} in
  start) start_nodes "${2:-5}" ;;
  stop) stop_nodes ;;
  urls) [[ -r $DIR/urls ]] || fail "no nodes started under $DIR"; cat "$DIR/urls" ;;
  *) fail "usage: $0 start [N] | stop | urls" ;;
esac
