/** What a failed open threw, for asserting on its class, exit code and line. */
export async function failure(open: Promise<unknown>): Promise<{ error: unknown; line: string }> {
  const error = await open.then(
    () => undefined,
    (caught: unknown) => caught,
  )
  return { error, line: error instanceof Error ? error.message : String(error) }
}
