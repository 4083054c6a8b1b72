/** `fn` of each item, one after another (the next begins when the last settled) */
export async function sequential<T, R> (items: T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = []
  for (const item of items) out.push(await fn(item))
  return out
}
