/**
 * Times a search as its updates pass: the local results come first (scope `local`),
 * the peers' answers until the search ends (scope `remote`; a local-only search has
 * none). A search its caller abandoned is not timed past the local part.
 */
import type { MetricsEvents } from './index.js'

export async function * timedSearch<T> (updates: AsyncGenerator<T>, metrics: Pick<MetricsEvents, 'searched'>, localOnly: boolean, now: () => number = Date.now): AsyncGenerator<T> {
  const start = now()
  let first = true
  for await (const update of updates) {
    if (first) metrics.searched('local', now() - start)
    first = false
    yield update
  }
  if (!localOnly) metrics.searched('remote', now() - start)
}
