import { cleanLeftovers } from '../clean/clean-leftovers.js'
import { countsOf, failureLine, renderCleanJson, renderCleanText } from '../clean/render.js'
import { ExitCode } from '../errors.js'
import { redact } from '../redact.js'
import { styleFor } from '../report/style.js'

export interface CleanCommandOptions {
  db?: string
  redis?: string
  yes?: boolean
  json?: boolean
}

/**
 * `racebench clean [--db url] [--redis url] [--yes] [--json]`: lists what runs that are no longer
 * running left behind, and removes it with --yes. Exit 0 when done (or nothing to clean); 3 when a
 * server is unreachable (nothing removed) or some leftover could not be removed (the others were).
 */
export async function cleanCommand(options: CleanCommandOptions, secrets: readonly string[]): Promise<number> {
  const report = await cleanLeftovers({ db: options.db, redis: options.redis, yes: options.yes === true })
  for (const item of report.items) {
    if (item.state === 'failed') process.stderr.write(redact(`racebench: warning: ${failureLine(item)}`, secrets) + '\n')
  }
  process.stdout.write(redact(options.json ? renderCleanJson(report) : renderCleanText(report, styleFor(process.stdout)), secrets))
  return countsOf(report).failed > 0 ? ExitCode.Target : ExitCode.Ok
}
