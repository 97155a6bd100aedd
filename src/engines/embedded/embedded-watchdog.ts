import { spawn } from 'node:child_process'
import type { Writable } from 'node:stream'

/**
 * The watchdog, a POSIX shell script: it reads its stdin, a pipe whose only writer is racebench,
 * until end of file. That comes when racebench closes it or when racebench is gone, however it died
 * (kill -9 included): the kernel closes a dead process's pipes. Then it stops the folder's server
 * (immediate shutdown: the cluster is thrown away) and removes the folder.
 *
 * The PID in a stale postmaster.pid may belong to another process by now, so it is signalled only if
 * its command line (from ps, or /proc where ps has no -p, as in busybox) names this folder. Bounded:
 * after 10 s a server that will not stop is killed.
 */
const SCRIPT = `
dir=$RACEBENCH_EMBEDDED_FOLDER
[ -n "$dir" ] || exit 0
while read -r _; do :; done
pidfile="$dir/data/postmaster.pid"
if [ -f "$pidfile" ]; then
  pid=$(head -n 1 "$pidfile")
  args=$(ps -p "$pid" -o args= 2>/dev/null || tr '\\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null)
  case "$args" in
    *"$dir/data"*)
      kill -QUIT "$pid" 2>/dev/null
      i=0
      while kill -0 "$pid" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null ;;
  esac
fi
[ -e "$dir" ] && rm -rf "$dir"
exit 0
`

/** Stands guard over an embedded server's folder for as long as racebench lives. */
export interface Watchdog {
  /** racebench cleaned up itself: the watchdog finds nothing left to do and exits. */
  release(): void
}

/**
 * Starts the watchdog of `dir` (see SCRIPT): Node cannot ask the kernel to signal a child when its
 * parent dies (PR_SET_PDEATHSIG), and PostgreSQL does not watch its parent, so without it a killed
 * racebench would leave its server running and its folder on disk.
 *
 * It runs in its own session, so a terminal's Ctrl-C (sent to racebench's process group) cannot kill
 * it, and holds no handle that keeps racebench alive. A shell costs a millisecond or two at start.
 * Not on Windows, which has no POSIX shell: there the server is stopped only by racebench's exit.
 */
export function startWatchdog(dir: string, log: (line: string) => void): Watchdog {
  if (process.platform === 'win32') return { release() {} }
  // The folder goes in the environment, not the arguments: `ps` then shows only PostgreSQL serving it.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', RACEBENCH_EMBEDDED_FOLDER: dir }
  const child = spawn('/bin/sh', ['-c', SCRIPT, 'racebench-watchdog'], { detached: true, env, stdio: ['pipe', 'ignore', 'ignore'] })
  child.on('error', (error) => log(`the embedded server's watchdog did not start: ${error.message}`))
  child.unref()
  const pipe = child.stdin as Writable & { unref?: () => void }
  // EPIPE if the watchdog is already gone: nothing to do about it.
  pipe.on('error', () => {})
  pipe.unref?.()
  return { release: () => pipe.destroy() }
}
