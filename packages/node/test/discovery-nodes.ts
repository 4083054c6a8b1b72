/** Helpers for catalog-sync and remote-search tests: nodes with offers, connected over 127.0.0.1 */
import { multiaddr } from '@multiformats/multiaddr'
import type { Libp2p } from '@libp2p/interface'
import type { CatalogEntry } from '../src/catalog/index.js'
import type { PullResult } from '../src/catalog/catalog-sync.js'
import type { PeershareNode } from '../src/index.js'
import type { QueryAnswerer, SearchQuery } from '../src/search/index.js'
import { dialAddress, until } from './fixtures.js'
import type { Author } from './offers.js'
import { signedOffer } from './offers.js'
import type { SignedOffer } from '../src/catalog/index.js'

/** `count` offers of `author` (seq 1..count), named `<prefix>-<n>.bin` */
export async function makeOffers (author: Author, count: number, prefix = 'file', firstSeq = 1n): Promise<SignedOffer[]> {
  const out: SignedOffer[] = []
  for (let i = 0; i < count; i++) out.push(await signedOffer(author, firstSeq + BigInt(i), undefined, { name: `${prefix}-${i}.bin` }))
  return out
}

/** Stores offers in a node's catalog as if received from their author */
export async function holdOffers (node: PeershareNode, offers: SignedOffer[]): Promise<void> {
  for (const offer of offers) await node.catalog.add(offer, false)
}

/** `author/contentId/seq` of every live entry, sorted */
export async function catalogKeys (node: PeershareNode): Promise<string[]> {
  const out: string[] = []
  for await (const e of node.catalog.entries()) out.push(`${e.signed.offer.author}/${e.signed.offer.contentId}/${e.signed.offer.seq}`)
  return out.sort()
}

export function keysOf (offers: SignedOffer[]): string[] {
  return offers.map(o => `${o.offer.author}/${o.offer.contentId}/${o.offer.seq}`).sort()
}

/** Collects every pull result of a node, from now on */
export function pullLog (node: PeershareNode): PullResult[] {
  const results: PullResult[] = []
  node.catalogSync.onPull(r => results.push(r))
  return results
}

/** Waits until a pull from `peer` ended (complete or failed) and returns it */
export async function pulled (results: PullResult[], peer: string, predicate: (r: PullResult) => boolean = () => true, timeoutMs = 30_000): Promise<PullResult> {
  await until(() => results.some(r => r.peer === peer && predicate(r)), timeoutMs)
  return results.find(r => r.peer === peer && predicate(r)) as PullResult
}

export async function connect (from: PeershareNode, to: PeershareNode | Libp2p): Promise<void> {
  const addr = 'getMultiaddrs' in to && !('catalog' in to) ? to.getMultiaddrs()[0] : multiaddr(dialAddress(to as PeershareNode))
  await from.connect(addr)
}

/**
 * TEST CODE ONLY: a query answerer that filters the node's real catalog by a
 * substring of the name (i9d's local search index replaces it in the node).
 * Counts the queries it answered.
 */
export function substringAnswerer (node: PeershareNode): QueryAnswerer & { calls: number } {
  const answerer = {
    calls: 0,
    async answer (query: SearchQuery, limit: number): Promise<CatalogEntry[]> {
      answerer.calls++
      const out: CatalogEntry[] = []
      for await (const entry of node.catalog.entries()) {
        if (entry.signed.offer.name.includes(query.text)) out.push(entry)
        if (out.length >= limit) break
      }
      return out
    }
  }
  return answerer
}
