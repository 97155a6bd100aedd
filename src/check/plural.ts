/** `plural(1, 'slot')` → `1 slot`, `plural(3, 'slot')` → `3 slots`: for invariant details a person reads. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
