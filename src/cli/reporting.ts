import { accessSync, appendFileSync, constants, statSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { Chalk } from 'chalk'
import { didYouMean } from '../did-you-mean.js'
import { OutputError, UsageError } from '../errors.js'
import type { Report } from '../report/reporter.js'
import { REPORTER_NAMES, type ReporterName } from '../report/reporter-names.js'
import { renderReport } from '../report/reporters.js'
import { styleFor, widthFor } from '../report/style.js'

/** Where one reporter's text goes: stdout, a file it replaces, or a file it appends to. */
export interface ReportTarget {
  readonly reporter: ReporterName
  /** Absent: stdout. */
  readonly file?: string
  /** `github` appends to $GITHUB_STEP_SUMMARY, as GitHub asks of every step. */
  readonly append?: boolean
}

/**
 * Reads `--reporter NAME[=FILE]` (repeatable) and `--json` into targets, before anything runs, so a
 * typo or an unwritable file costs nothing. No reporter: the table on stdout. At most one reporter may
 * write to stdout (two documents there could not be told apart). `github` with no file goes to
 * $GITHUB_STEP_SUMMARY when it is set (in a GitHub Actions job), else to stdout.
 */
export function reportTargets(options: { readonly json?: boolean | undefined; readonly reporter?: readonly string[] | undefined }, env: NodeJS.ProcessEnv = process.env): ReportTarget[] {
  const targets: ReportTarget[] = []
  const problems: string[] = []
  for (const spec of options.reporter ?? []) {
    const at = spec.indexOf('=')
    const name = (at < 0 ? spec : spec.slice(0, at)).trim().toLowerCase()
    const file = at < 0 ? undefined : spec.slice(at + 1).trim()
    if (!(REPORTER_NAMES as readonly string[]).includes(name)) {
      problems.push(`--reporter '${spec}': unknown reporter '${name}'${didYouMean(name, REPORTER_NAMES)}; reporters: ${REPORTER_NAMES.join(', ')}`)
      continue
    }
    if (file === '') {
      problems.push(`--reporter '${spec}' names no file: give one after '=', or leave out '=' for stdout`)
      continue
    }
    const reporter = name as ReporterName
    const summary = reporter === 'github' && file === undefined ? env.GITHUB_STEP_SUMMARY : undefined
    targets.push(summary ? { reporter, file: summary, append: true } : file === undefined ? { reporter } : { reporter, file })
  }
  if (options.json && !targets.some((target) => target.reporter === 'json' && target.file === undefined)) targets.push({ reporter: 'json' })
  if (!targets.some((target) => target.file === undefined) && !targets.some((target) => target.reporter === 'table')) {
    // Reports all go to files: a person still sees the table.
    targets.push({ reporter: 'table' })
  }
  const onStdout = targets.filter((target) => target.file === undefined)
  if (onStdout.length > 1) {
    problems.push(`only one reporter can write to stdout, got ${onStdout.map((target) => target.reporter).join(' and ')}: send the others to files, e.g. --reporter junit=racebench.xml`)
  }
  for (const target of targets) {
    const problem = target.file === undefined ? undefined : unwritable(target.file)
    if (problem) problems.push(`cannot write the ${target.reporter} report to ${target.file}: ${problem}`)
  }
  if (problems.length > 0) throw new UsageError(problems.join('; '))
  return targets
}

/** Why a report file could not be written, checked before the run; undefined when it can. */
function unwritable(file: string): string | undefined {
  const path = resolve(file)
  try {
    const stat = statSync(path, { throwIfNoEntry: false })
    if (stat?.isDirectory()) return 'it is a folder'
    if (stat) accessSync(path, constants.W_OK)
    else accessSync(dirname(path), constants.W_OK)
    return undefined
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return `the folder ${dirname(path)} does not exist`
    if (code === 'EACCES' || code === 'EPERM') return 'permission denied'
    if (code === 'ENOTDIR') return 'a part of its path is not a folder'
    return (error as Error).message
  }
}

/**
 * Renders the result once per target and writes it. Files get no colour and a fixed width; stdout gets
 * what its terminal can show. A file that cannot be written after all (disk full) is an OutputError
 * (exit 6): the result is lost, and CI must know.
 */
export async function writeReports(report: Report, targets: readonly ReportTarget[]): Promise<void> {
  for (const target of targets) {
    if (target.file === undefined) {
      const text = await renderReport(target.reporter, report, { style: styleFor(process.stdout), width: widthFor(process.stdout) })
      process.stdout.write(text)
      continue
    }
    const text = await renderReport(target.reporter, report, { style: new Chalk({ level: 0 }), width: 100 })
    try {
      if (target.append) appendFileSync(target.file, text.endsWith('\n') ? text : text + '\n')
      else writeFileSync(target.file, text)
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? (error as Error).message
      throw new OutputError(`could not write the ${target.reporter} report to ${target.file} (${reason}): it is lost or incomplete`, { cause: error })
    }
  }
}
