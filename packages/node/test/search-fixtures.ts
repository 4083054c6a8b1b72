/**
 * Signed offers for search tests: real Ed25519 keys from fixed seeds (stable peer
 * ids), real signed envelopes, and a small in-memory catalog with the CatalogView
 * contract (newest seq per author and content id wins, tombstones remove).
 */
import { createHash } from 'node:crypto'
import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { type Offer, bytesToHex, categoryForMime, fileIdFromManifestBytes, formatFileId } from '@peershare/protocol'
import { type CatalogChange, type CatalogEntry, type CatalogView, openOffer, signOffer } from '../src/catalog/index.js'

export interface Author {
  key: PrivateKey
  peerId: string
}

export async function author (seed: number): Promise<Author> {
  const key = await generateKeyPairFromSeed('Ed25519', new Uint8Array(32).fill(seed))
  return { key, peerId: peerIdFromPrivateKey(key).toString() }
}

/** A stable, valid file id for a label */
export async function fileIdFor (label: string): Promise<string> {
  return formatFileId(await fileIdFromManifestBytes(new TextEncoder().encode(`manifest of ${label}`)))
}

export type OfferFields = Partial<Omit<Offer, 'author' | 'contentId'>> & { name: string }

export async function makeOffer (by: Author, contentId: string, fields: OfferFields): Promise<Offer> {
  const mimeType = fields.mimeType ?? 'application/octet-stream'
  return {
    author: by.peerId,
    seq: 1n,
    contentId,
    removed: false,
    size: 1000,
    mimeType,
    sha256: bytesToHex(createHash('sha256').update(contentId).digest()),
    category: categoryForMime(mimeType),
    tags: [],
    description: '',
    created: 0,
    modified: 0,
    thumbnail: '',
    visibility: 'public',
    ...fields
  }
}

/** The CatalogView contract in memory, for the index's own tests */
export class MemoryCatalog implements CatalogView {
  private readonly held = new Map<string, CatalogEntry>()
  private readonly listeners = new Set<(change: CatalogChange) => void>()

  constructor (private readonly clock: () => number = Date.now) {}

  async * entries (): AsyncIterable<CatalogEntry> {
    yield * [...this.held.values()]
  }

  async offersOf (contentId: string): Promise<CatalogEntry[]> {
    return [...this.held.values()].filter(e => e.signed.offer.contentId === contentId)
  }

  async ingest (envelopes: Uint8Array[], _from: PeerId): Promise<CatalogEntry[]> {
    const out: CatalogEntry[] = []
    for (const bytes of envelopes) {
      const opened = await openOffer(bytes)
      if (opened.result !== 'accept') continue
      const entry = this.store({ signed: opened.signed, receivedAt: this.clock(), own: false })
      if (entry != null) out.push(entry)
    }
    return out
  }

  /** Signs and stores an offer as its author's node would (own) or as received (cached) */
  async add (by: Author, offer: Offer, options: { own?: boolean, receivedAt?: number } = {}): Promise<CatalogEntry | undefined> {
    const signed = await signOffer(offer, by.key)
    return this.store({ signed, receivedAt: options.receivedAt ?? this.clock(), own: options.own ?? false })
  }

  onChange (listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private store (entry: CatalogEntry): CatalogEntry | undefined {
    const { author, contentId, seq, removed } = entry.signed.offer
    const key = `${author}/${contentId}`
    const held = this.held.get(key)
    if (held != null && held.signed.offer.seq >= seq) return held
    if (removed) {
      this.held.delete(key)
      this.emit({ kind: 'remove', author, contentId })
      return undefined
    }
    this.held.set(key, entry)
    this.emit({ kind: 'put', entry })
    return entry
  }

  private emit (change: CatalogChange): void {
    for (const listener of this.listeners) listener(change)
  }
}
