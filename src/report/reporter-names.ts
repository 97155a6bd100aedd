/**
 * The reporters `--reporter` takes, without loading them: `--help` and the usage errors list these,
 * and reporters.ts (which imports the renderers) must have exactly these.
 */
export const REPORTER_NAMES = ['table', 'json', 'junit', 'github', 'html'] as const
export type ReporterName = (typeof REPORTER_NAMES)[number]
