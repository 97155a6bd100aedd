import { accessSync, constants } from 'node:fs'
import { SERVICES_REQUIRED } from './services.js'

/**
 * Where a Chromium may be: RACEBENCH_CHROMIUM first, then Debian's chromium-headless-shell (the real
 * binary before /usr/bin's wrapper script, which does not exec and so would outlive a browser.close()),
 * then a full Chromium or Chrome.
 */
const CANDIDATES = [
  process.env.RACEBENCH_CHROMIUM,
  '/usr/lib/chromium/chromium-headless-shell',
  '/usr/bin/chromium-headless-shell',
  '/usr/lib/chromium/chromium',
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
].filter((path): path is string => Boolean(path))

/** Headless, no sandbox (CI runs as root), and none of Chromium's own calls home. */
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run']

export interface ChromiumProbe {
  readonly available: boolean
  /** The binary to launch, when available. */
  readonly executablePath: string
  /** Why it is not available: shown as the name of the skipped test. */
  readonly reason: string
}

/**
 * Finds a Chromium binary for the browser tests. None on a developer's laptop: those tests skip with
 * the reason visible. None under RACEBENCH_REQUIRE_SERVICES=1: this throws and the file fails, so CI
 * cannot go green by skipping (.ci/run installs chromium-headless-shell).
 */
export function findChromium(): ChromiumProbe {
  const found = CANDIDATES.find(isExecutable)
  if (found) return { available: true, executablePath: found, reason: '' }
  const reason = `no Chromium binary found (looked at ${CANDIDATES.join(', ')}; install chromium-headless-shell or set RACEBENCH_CHROMIUM)`
  if (SERVICES_REQUIRED) throw new Error(`${reason}, and RACEBENCH_REQUIRE_SERVICES=1`)
  return { available: false, executablePath: '', reason }
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}
