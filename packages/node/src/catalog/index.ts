/**
 * The catalog: this node's own offers and the verified offers of other authors it has
 * seen (gossip announcements, catalog pulls, search answers), one per author and
 * content id, persisted, bounded per author and in total. It is what local search and
 * browse index, what `/peershare/catalog/1.0.0` serves to peers catching up, and where
 * the downloader finds the name a signed offer gives a file.
 *
 * Catalog entries are hints: a get from a catalog or search result still verifies
 * everything against the content id.
 */
import type { PeerId } from '@libp2p/interface'
import type { Offer } from '@peershare/protocol'
import type { SignedOffer } from './signed-offer.js'

export { AuthorSequence } from './author-sequence.js'
export type { CatalogLimits } from './catalog-index.js'
export { CatalogStore, type CatalogStoreComponents } from './catalog-store.js'
export { OFFER_DOMAIN, OFFER_PAYLOAD_TYPE, type OpenedOffer, type SignedOffer, openOffer, signOffer } from './signed-offer.js'

export interface CatalogEntry {
  signed: SignedOffer
  /** unix ms, this node's clock, when it stored this version (freshness never trusts the author's clock) */
  receivedAt: number
  /** this node wrote it */
  own: boolean
}

export type CatalogChange =
  /** a new live offer, or a newer version of one (same author and content id) */
  | { kind: 'put', entry: CatalogEntry }
  /** an offer withdrawn by a tombstone, or evicted at a cap */
  | { kind: 'remove', author: string, contentId: string }

/** What search, browse and the downloader read of the catalog */
export interface CatalogView {
  /** every live offer, own and cached */
  entries(): AsyncIterable<CatalogEntry>
  /** live offers of one content id, one per author */
  offersOf(contentId: string): Promise<CatalogEntry[]>
  /**
   * Verifies signed offers a peer sent (a search answer, a catalog page) and stores
   * each newer than the author's high-water mark; returns the live entries the
   * catalog holds for them afterwards (stale ones included as held, rejected ones out)
   */
  ingest(envelopes: Uint8Array[], from: PeerId): Promise<CatalogEntry[]>
  /** `ingest` for offers already opened (`openOffer` accepted them): a peer's answer screened whole */
  addOpened(offers: SignedOffer[], from: PeerId): Promise<CatalogEntry[]>
  /** called after each change, in order; returns the unsubscribe function */
  onChange(listener: (change: CatalogChange) => void): () => void
}

/** What `/peershare/catalog/1.0.0` serves: the catalog as a log of stored versions */
export interface CatalogLog {
  /** names this store's log; a cursor from another epoch (the repo was recreated) starts again at 0 */
  readonly epoch: string
  /**
   * Signed offers (live offers and tombstones) stored after log position `since`,
   * oldest first, at most `limit`; `next` is the position to ask from next time.
   * `show`: only the offers it accepts (the others are skipped, `next` passes them)
   */
  since(since: bigint, limit: number, show?: (offer: Offer) => boolean): Promise<{ envelopes: Uint8Array[], next: bigint, more: boolean }>
}
