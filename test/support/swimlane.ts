/**
 * A drawn timeline's rows: each one's lane (named on its `┌` row, found by the column of its marker)
 * and its text from the marker on. Lets tests assert the order of steps per lane, never their times.
 */
export function swimlane(text: string): { lane: string; cell: string }[] {
  const rows = text.split('\n')
  const heads = rows.flatMap((row) => {
    const head = /^(.*?)┌ (\S+)$/.exec(row)
    return head ? [{ column: head[1]!.length, name: head[2]! }] : []
  })
  return rows.flatMap((row) => {
    const marked = /^(.*?)([┌├└] .*)$/.exec(row)
    const head = marked && heads.find((h) => h.column === marked[1]!.length)
    return head ? [{ lane: head.name, cell: marked[2]! }] : []
  })
}
