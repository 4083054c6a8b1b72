/**
 * Runs stop steps in order, each even when an earlier one fails (so later resources,
 * such as libp2p and the datastore lock, are always released); throws the first
 * failure at the end
 */
export async function stopAll (steps: Array<() => unknown>): Promise<void> {
  let first: unknown
  for (const step of steps) {
    try {
      await step()
    } catch (err) {
      first ??= err
    }
  }
  if (first != null) throw first
}
