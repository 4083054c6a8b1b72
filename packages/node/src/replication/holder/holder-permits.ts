/**
 * Peers that accepted to hold one of this node's files may fetch it whatever its
 * visibility: a private encrypted file's ciphertext goes to its holders (who get no key),
 * as replication needs. Kept in memory and bounded: after a restart a holder still
 * fetching is refused and its fetch fails, freeing its reservation; the keeper asks again.
 */

/** permits remembered at most; past it the oldest go */
export const MAX_HOLDER_PERMITS = 65_536

export class HolderPermits {
  private readonly permits = new Set<string>()

  allow (fileId: string, peer: string): void {
    const key = `${fileId}/${peer}`
    this.permits.delete(key)
    if (this.permits.size >= MAX_HOLDER_PERMITS) this.permits.delete(this.permits.values().next().value as string)
    this.permits.add(key)
  }

  allows (fileId: string, peer: string): boolean {
    return this.permits.has(`${fileId}/${peer}`)
  }
}
