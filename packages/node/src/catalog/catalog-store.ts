/**
 * The catalog store: own offers and verified offers of other authors, one version per
 * (author, content id), persisted in the node's datastore (layout in
 * catalog-records.ts) with a small in-memory index (catalog-index.ts) for staleness,
 * caps, eviction and the log. A newer seq replaces, a tombstone removes (and is kept,
 * bounded, so catalog pulls pass removals on), anything not newer is stale.
 *
 * Changes are serialised: each is written to disk first (one batch: the record, the
 * log's next position, evictions) and then applied in memory and reported to
 * listeners, in order.
 */
import { randomBytes } from 'node:crypto'
import type { Logger, PeerId } from '@libp2p/interface'
import type { Offer } from '@peershare/protocol'
import type { Datastore, Key } from 'interface-datastore'
import { LRUCache } from 'lru-cache'
import { InOrder } from '../in-order.js'
import type { Quarantine } from '../records/index.js'
import { type CatalogLimits, CatalogIndex, type Slot } from './catalog-index.js'
import {
  FLOORS_PREFIX,
  META_KEY,
  type Meta,
  OFFERS_PREFIX,
  decodeFloor,
  decodeMeta,
  decodeHeldRecord,
  decodeOfferRecord,
  encodeFloor,
  encodeMeta,
  encodeOfferRecord,
  floorKey,
  heldSlot,
  offerKey,
  storedOffer
} from './catalog-records.js'
import type { CatalogChange, CatalogEntry, CatalogLog, CatalogView } from './index.js'
import { type SignedOffer, openOffer } from './signed-offer.js'

export interface CatalogStoreComponents {
  datastore: Datastore
  quarantine: Quarantine
  limits: CatalogLimits
  /** this node's peer id: its offers are own, never evicted */
  self: string
  log: Logger
  /** unix ms; injectable for tests of tombstone age */
  now?: () => number
}

/**
 * Memory for the offers kept decoded (below), counted as twice each envelope (its bytes
 * and the decoded offer) and ENTRY_BYTES: about a thousand offers of a usual size
 */
const RECENT_OFFER_BYTES = 2 * 1024 * 1024
/** What one kept offer costs besides its envelope and its decoded fields: key, position, objects */
const ENTRY_BYTES = 256

export class CatalogStore implements CatalogView, CatalogLog {
  private readonly index: CatalogIndex
  /**
   * Offers lately read, decoded, by author and content id, with the log position of
   * the version read. A catalog pull reads every offer of its page (the server's
   * `since`) and the puller reads back each one it already held (`add`): every peer
   * that connects pulls, so in a swarm of nodes holding the same offers these reads
   * and decodes were the largest part of a node's CPU after the start (a profile of
   * the DHT bench, 2026-12-06). A catalog larger than this is read from disk by a
   * first pull as before (a pull reads it in log order, which no recent-first cache
   * keeps)
   */
  private readonly recent = new LRUCache<string, { pos: bigint, signed: SignedOffer }>({
    maxSize: RECENT_OFFER_BYTES,
    sizeCalculation: ({ signed }) => 2 * signed.envelope.byteLength + ENTRY_BYTES
  })
  private readonly listeners = new Set<(change: CatalogChange) => void>()
  /** changes one at a time, in the order asked */
  private readonly changes = new InOrder()
  private meta: Meta = { epoch: '', nextPos: 1n }
  private readonly now: () => number

  private constructor (private readonly components: CatalogStoreComponents) {
    this.index = new CatalogIndex(components.limits, components.self)
    this.now = components.now ?? Date.now
  }

  /** Opens the store: reads its meta (or creates it with a new epoch), floors and offers */
  static async open (components: CatalogStoreComponents): Promise<CatalogStore> {
    const store = new CatalogStore(components)
    await store.load()
    return store
  }

  get epoch (): string {
    return this.meta.epoch
  }

  /** Held versions: live offers, tombstones, authors known */
  get size (): { entries: number, tombstones: number, authors: number } {
    return this.index.size
  }

  /** Whether a version is not newer than what the store holds for its author and content id */
  isStale (author: string, contentId: string, seq: bigint): boolean {
    return this.index.isStale(author, contentId, seq)
  }

  /** Live offers held of one author */
  heldBy (author: string): number {
    return this.index.heldBy(author)
  }

  /** The highest seq the store knows of an author */
  highWater (author: string): bigint {
    return this.index.highWater(author)
  }

  onChange (listener: (change: CatalogChange) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  async * entries (): AsyncIterable<CatalogEntry> {
    for await (const { key, value } of this.components.datastore.query({ prefix: OFFERS_PREFIX })) {
      const entry = await this.readRecord(key, value)
      if (entry != null) yield entry
    }
  }

  async offersOf (contentId: string): Promise<CatalogEntry[]> {
    const out: CatalogEntry[] = []
    for (const slot of [...this.index.ofContent(contentId)]) {
      if (slot.removed) continue
      const entry = await this.read(slot)
      if (entry != null) out.push(entry)
    }
    return out
  }

  /** This node's own live offer of a content id */
  async ownOffer (contentId: string): Promise<CatalogEntry | undefined> {
    const slot = this.index.get(this.components.self, contentId)
    return slot == null || slot.removed ? undefined : this.read(slot)
  }

  /** This node's own held version of a content id, an offer or a tombstone (what gossip announces) */
  async ownVersion (contentId: string): Promise<SignedOffer | undefined> {
    const slot = this.index.get(this.components.self, contentId)
    return slot == null ? undefined : this.readSigned(slot)
  }

  /**
   * The name offers give a content id, for a download that was given none: this
   * node's own offer first, else the one received first: the name the user most likely
   * saw, and one that does not change as more peers offering the same content are met
   * (names are sanitised on decoding)
   */
  async offeredName (contentId: string): Promise<string | undefined> {
    const slots = this.index.ofContent(contentId).filter(s => !s.removed)
      .sort((a, b) => Number(b.own) - Number(a.own) || a.receivedAt - b.receivedAt)
    for (const slot of slots) {
      const entry = await this.read(slot)
      if (entry != null) return entry.signed.offer.name
    }
    return undefined
  }

  async ingest (envelopes: Uint8Array[], from: PeerId): Promise<CatalogEntry[]> {
    const opened: SignedOffer[] = []
    for (const bytes of envelopes) {
      const verdict = await openOffer(bytes)
      if (verdict.result === 'accept') opened.push(verdict.signed)
      else this.components.log('offer from %p not stored: %s %s', from, verdict.result, verdict.reason)
    }
    return this.addOpened(opened, from)
  }

  async addOpened (offers: SignedOffer[], _from: PeerId): Promise<CatalogEntry[]> {
    const out: CatalogEntry[] = []
    for (const signed of offers) {
      const entry = await this.add(signed, false)
      if (entry != null) out.push(entry)
    }
    return out
  }

  /**
   * Stores a verified signed offer (or tombstone) unless it is stale; returns the live
   * entry held for its author and content id afterwards (undefined when removed)
   */
  async add (signed: SignedOffer, own: boolean): Promise<CatalogEntry | undefined> {
    return this.changes.run(async () => {
      const { offer } = signed
      const fresh = !this.index.isStale(offer.author, offer.contentId, offer.seq)
      if (fresh) await this.store(signed, own)
      const held = this.index.get(offer.author, offer.contentId)
      if (held == null || held.removed) return undefined
      // just stored (not evicted at once): no need to read it back
      if (fresh && held.seq === offer.seq) return { signed, receivedAt: held.receivedAt, own: held.own }
      return this.read(held)
    })
  }

  async since (since: bigint, limit: number, show?: (offer: Offer) => boolean): Promise<{ envelopes: Uint8Array[], next: bigint, more: boolean }> {
    const { slots, last, more } = this.index.after(since, Math.max(1, limit))
    const envelopes: Uint8Array[] = []
    for (const slot of slots) {
      // undefined: replaced meanwhile (the newer version sits further on in the log)
      const signed = await this.readSigned(slot)
      if (signed != null && (show == null || show(signed.offer))) envelopes.push(signed.envelope)
    }
    return { envelopes, next: last, more }
  }

  private async store (signed: SignedOffer, own: boolean): Promise<void> {
    const { offer, envelope } = signed
    const now = this.now()
    const slot: Slot = {
      author: offer.author,
      contentId: offer.contentId,
      seq: offer.seq,
      pos: this.meta.nextPos,
      receivedAt: now,
      bytes: envelope.byteLength,
      own,
      removed: offer.removed,
      dead: false
    }
    const plan = this.index.plan(slot, now)
    const meta = { ...this.meta, nextPos: slot.pos + 1n }
    const batch = this.components.datastore.batch()
    batch.put(offerKey(slot.author, slot.contentId), encodeOfferRecord(slot, envelope))
    batch.put(META_KEY, encodeMeta(meta))
    for (const victim of plan.evicted) {
      if (victim.author !== slot.author || victim.contentId !== slot.contentId) batch.delete(offerKey(victim.author, victim.contentId))
    }
    for (const [author, floor] of plan.floors) batch.put(floorKey(author), encodeFloor(floor, now))
    await batch.commit()
    this.meta = meta
    this.index.apply(plan)
    // replaced or evicted versions leave memory too (a read checks the position anyway)
    for (const gone of [slot, ...plan.evicted]) this.recent.delete(recentKey(gone))
    await this.forgetAuthors()
    const wasLive = plan.replaced != null && !plan.replaced.removed
    for (const victim of plan.evicted) if (!victim.removed) this.emit({ kind: 'remove', author: victim.author, contentId: victim.contentId })
    if (!slot.removed) this.emit({ kind: 'put', entry: { signed: { offer, envelope }, receivedAt: now, own } })
    else if (wasLive) this.emit({ kind: 'remove', author: slot.author, contentId: slot.contentId })
  }

  /** Floor records of authors the index forgot (idle past its cap) */
  private async forgetAuthors (): Promise<void> {
    const forgotten = this.index.forgotten.splice(0)
    if (forgotten.length === 0) return
    const batch = this.components.datastore.batch()
    for (const author of forgotten) batch.delete(floorKey(author))
    await batch.commit()
  }

  private emit (change: CatalogChange): void {
    for (const listener of this.listeners) {
      try {
        listener(change)
      } catch (err: any) {
        this.components.log.error('catalog listener failed: %s', err?.message ?? err)
      }
    }
  }

  private async read (slot: Slot): Promise<CatalogEntry | undefined> {
    const signed = await this.readSigned(slot)
    return signed == null ? undefined : { signed, receivedAt: slot.receivedAt, own: slot.own }
  }

  private async readSigned (slot: Slot): Promise<SignedOffer | undefined> {
    const recent = this.recent.get(recentKey(slot))
    if (recent?.pos === slot.pos) return recent.signed
    const read = await this.readSlot(slot)
    if (read == null) return undefined
    try {
      const envelope = ownBuffer(read.envelope)
      const signed = { offer: storedOffer(slot, envelope), envelope }
      // kept only while it is the version held: a change may have landed during the read
      if (this.index.get(slot.author, slot.contentId)?.pos === slot.pos) this.recent.set(recentKey(slot), { pos: slot.pos, signed })
      return signed
    } catch (err: any) {
      await this.setAside(slot, err.message)
      return undefined
    }
  }

  /** A slot's record from disk, if it is still the version held */
  private async readSlot (slot: Slot): Promise<{ envelope: Uint8Array } | undefined> {
    const key = offerKey(slot.author, slot.contentId)
    let bytes: Uint8Array
    try {
      bytes = await this.components.datastore.get(key)
    } catch {
      return undefined
    }
    try {
      const record = decodeOfferRecord(key, bytes)
      return record.slot.pos === slot.pos ? { envelope: record.envelope } : undefined
    } catch (err: any) {
      await this.setAside(slot, err.message)
      return undefined
    }
  }

  /**
   * An entry from a record met while listing the datastore, if it is the version held
   * and live. Read once: the key names a slot the index holds only if it passed the
   * checks at load, so only the value is decoded here (and its envelope checked
   * against the slot, as any read is).
   */
  private async readRecord (key: Key, bytes: Uint8Array): Promise<CatalogEntry | undefined> {
    const held = heldSlot(this.index, key)
    if (held == null || held.removed) return undefined
    let envelope: Uint8Array
    let offer: Offer
    try {
      const record = decodeHeldRecord(held, bytes)
      if (record == null) return undefined
      envelope = record.envelope
      offer = storedOffer(held, envelope)
    } catch (err: any) {
      await this.setAside(held, err.message)
      return undefined
    }
    return { signed: { offer, envelope }, receivedAt: held.receivedAt, own: held.own }
  }

  /** A record that does not decode: quarantined, forgotten, reported as removed */
  private async setAside (slot: Slot, reason: string): Promise<void> {
    this.recent.delete(recentKey(slot))
    await this.components.quarantine.setAside([offerKey(slot.author, slot.contentId)], `catalog offer: ${reason}`)
    if (this.index.drop(slot) && !slot.removed) this.emit({ kind: 'remove', author: slot.author, contentId: slot.contentId })
  }

  private async load (): Promise<void> {
    const { datastore, quarantine } = this.components
    try {
      this.meta = decodeMeta(await datastore.get(META_KEY))
    } catch (err: any) {
      if (err?.name !== 'NotFoundError') await quarantine.setAside([META_KEY], `catalog meta: ${err?.message ?? err}`)
      // a new log: peers' cursors of another epoch start again at 0
      this.meta = { epoch: randomBytes(12).toString('base64url'), nextPos: 1n }
      await datastore.put(META_KEY, encodeMeta(this.meta))
    }
    for await (const { key, value } of datastore.query({ prefix: FLOORS_PREFIX })) {
      try {
        const { author, floor, at } = decodeFloor(key, value)
        this.index.restoreFloor(author, floor, at)
      } catch (err: any) {
        await quarantine.setAside([key], `catalog floor: ${err?.message ?? err}`)
      }
    }
    let maxPos = 0n
    const bad: Array<{ key: Key, reason: string }> = []
    for await (const { key, value } of datastore.query({ prefix: OFFERS_PREFIX })) {
      try {
        const { slot } = decodeOfferRecord(key, value)
        this.index.restore(slot)
        if (slot.pos > maxPos) maxPos = slot.pos
      } catch (err: any) {
        bad.push({ key, reason: err?.message ?? String(err) })
      }
    }
    for (const { key, reason } of bad) await quarantine.setAside([key], `catalog offer: ${reason}`)
    this.index.loaded()
    // positions never go back, even if the meta record was lost
    if (maxPos >= this.meta.nextPos) this.meta = { ...this.meta, nextPos: maxPos + 1n }
    await this.forgetAuthors()
  }
}

/** Bytes in a buffer of their own: an offer kept decoded from a view of a larger buffer would keep all of that buffer in memory */
function ownBuffer (bytes: Uint8Array): Uint8Array {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : bytes.slice()
}

/** A slot's key in the store's recent offers: one version per author and content id */
function recentKey ({ author, contentId }: Pick<Slot, 'author' | 'contentId'>): string {
  return `${author}/${contentId}`
}
