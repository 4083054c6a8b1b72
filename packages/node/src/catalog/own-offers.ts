/**
 * This node's own offers: what the user shares becomes a signed offer in the catalog,
 * announced on gossip. Only content the user shared gets one: files kept as blobs
 * that are neither a collection's listing nor a thumbnail, and collections; downloads
 * do not (their node is a provider, not an author). Sharing again publishes an
 * update only when the offer would say something else; removing publishes a tombstone.
 */
import type { Logger, PrivateKey } from '@libp2p/interface'
import { type Category, type Offer, categoryForMime, decodeOffer, encodeOffer, tombstone } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { offerVisibility } from '../access/index.js'
import type { CollectionRecord } from '../collection/collection-store.js'
import type { FileRecord, OfferDetails } from '../store/file-record.js'
import type { AuthorSequence } from './author-sequence.js'
import type { CatalogStore } from './catalog-store.js'
import { signOffer } from './signed-offer.js'

export interface OwnOffersComponents {
  catalog: CatalogStore
  sequence: AuthorSequence
  privateKey: PrivateKey
  /** this node's peer id */
  self: string
  /**
   * queues an own offer (or tombstone) of a content id for gossip (a contacts one is
   * never gossiped); `envelope`: gossip this version even if a newer one replaces it first
   */
  announce(contentId: string, envelope?: Uint8Array): Promise<void>
  log: Logger
}

export type SharedRecord = FileRecord | CollectionRecord

/** Whether a record is content the user shared (and so has an offer) */
export function isOffered (record: SharedRecord): boolean {
  if ('collectionId' in record) return record.path == null
  // a copy in the repo, or a file shared in place (it has offer details) not found changed since
  const shared = record.location.kind === 'blob' || (record.details != null && record.changed == null)
  return shared && record.listingOf == null && record.thumbnailOf == null
}

/** What an offer of `record` says (seq 0: numbered when published); private content gets none (`publish` checks first) */
export function offerOf (record: SharedRecord, author: string): Offer {
  // collections take offer details once their records keep them
  const details = (record as { details?: OfferDetails }).details
  const collection = 'collectionId' in record
  const mimeType = collection ? '' : record.metadata.mimeType
  const base = collection ? record : record.metadata
  const category: Category = details?.category ?? (collection ? 'other' : categoryForMime(mimeType))
  return {
    author,
    seq: 0n,
    contentId: collection ? record.collectionId : record.fileId,
    removed: false,
    name: base.name,
    size: record.size,
    mimeType,
    sha256: collection ? '' : record.sha256,
    category,
    tags: base.tags,
    description: base.description,
    created: Math.max(0, Math.floor(base.created)),
    modified: Math.max(0, Math.floor(details?.modified ?? 0)),
    thumbnail: details?.thumbnail ?? '',
    // collections stay public (their records have no visibility)
    visibility: ('collectionId' in record ? undefined : offerVisibility(record)) ?? 'public'
  }
}

export class OwnOffers {
  constructor (private readonly components: OwnOffersComponents) {}

  /**
   * Publishes the offer of a shared file or collection: signed, stored, announced.
   * Does nothing for content that is not offered, or when the offer held says the
   * same. Never throws (sharing succeeded; a failure is logged): returns whether it published.
   */
  async publish (record: SharedRecord): Promise<boolean> {
    if (!isOffered(record)) return false
    const { catalog, self } = this.components
    try {
      const offer = offerOf(record, self)
      // private content is never announced: an offer it had is withdrawn
      if (!('collectionId' in record) && offerVisibility(record) == null) return await this.withdraw(offer.contentId)
      const held = await catalog.ownOffer(offer.contentId)
      if (held != null && sameOffer(held.signed.offer, offer)) return false
      // public to contacts: peers that saw the public offer learn it is gone (gossiped before the contacts one replaces it)
      if (held?.signed.offer.visibility === 'public' && offer.visibility === 'contacts') await this.sign(tombstone(self, 0n, offer.contentId), true)
      await this.sign(offer)
      return true
    } catch (err: any) {
      this.components.log.error('offer of %s not published: %s', 'collectionId' in record ? record.collectionId : record.fileId, err?.message ?? err)
      return false
    }
  }

  /** Publishes a tombstone for content this node offered; returns whether there was an offer */
  async withdraw (contentId: string): Promise<boolean> {
    const { catalog, self } = this.components
    try {
      const held = await catalog.ownOffer(contentId)
      if (held == null) return false
      // the removal of a contacts offer reaches contacts only
      await this.sign(tombstone(self, 0n, contentId, held.signed.offer.visibility))
      return true
    } catch (err: any) {
      this.components.log.error('offer of %s not withdrawn: %s', contentId, err?.message ?? err)
      return false
    }
  }

  /** Numbers (the seq is persisted first), signs, stores and queues for gossip (`pinned`: this very version) */
  private async sign (offer: Offer, pinned = false): Promise<void> {
    const { catalog, sequence, privateKey, announce } = this.components
    const signed = await signOffer({ ...offer, seq: await sequence.next() }, privateKey)
    await catalog.add(signed, true)
    await announce(offer.contentId, pinned ? signed.envelope : undefined)
  }
}

/** Same offer but for its number: compared as a receiver reads it (names sanitised) */
function sameOffer (held: Offer, wanted: Offer): boolean {
  const normal = decodeOffer(encodeOffer({ ...wanted, seq: held.seq }))
  return equals(encodeOffer(normal), encodeOffer(held))
}
