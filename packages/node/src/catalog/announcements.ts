/**
 * Announcements: own offers (adds, updates, tombstones) go out on the gossipsub topic
 * `peershare/announce/1`; offers from peers come in through one validator that says
 * accept, reject or ignore and never throws (a throwing validator counts as ignore in
 * gossipsub 17, so a forger would go unpunished):
 *
 * - more than MAX_SIGNED_OFFER_BYTES: reject, before parsing anything
 * - `openOffer`: reject (forged, malformed, wrong key or domain) or ignore (newer format)
 * - not newer than what the catalog holds for that author and content id, or at or
 *   below the author's floor: ignore (a replay, or an honest relay of an old offer)
 * - past the author's rate limit: ignore, and the relaying peer's app score goes down
 * - MAX_QUEUED_CATALOG_WRITES accepted offers still waiting for the catalog's disk: ignore, and
 *   nobody is penalised (the disk is slower than signature checks; a flood of many
 *   authors would otherwise queue without bound; catalog sync brings what was missed)
 *
 * An accepted offer goes into the catalog. Own offers are announced in order at a
 * pace peers accept (half their per-author limit); an offer shared while no peer
 * listens waits, persisted, until one subscribes. Nothing else is announced again at
 * start: peers that missed announcements catch up by pulling catalogs.
 */
import { type GossipSub, type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import type { Logger, PeerId } from '@libp2p/interface'
import { MAX_SIGNED_OFFER_BYTES } from '@peershare/protocol'
import { Key, type Datastore } from 'interface-datastore'
import { InOrder } from '../in-order.js'
import { type AppScores, AuthorRateLimit, type AuthorRateSettings } from './announce-limits.js'
import { CATALOG_PREFIX } from './catalog-records.js'
import type { CatalogStore } from './catalog-store.js'
import { ANNOUNCE_TOPIC } from './gossip-config.js'
import { openOffer } from './signed-offer.js'

const UNANNOUNCED_PREFIX = `${CATALOG_PREFIX}/unannounced`
/** How often to look again while the stream to a subscribed peer is still opening */
const STREAM_WAIT_MS = 200

/**
 * Whether a publish would reach anyone: a peer subscribed and our outbound stream to
 * it open. gossipsub 17 drops a message for a peer whose stream is not open yet (and
 * then refuses the same message as a duplicate), and a peer's subscription arrives on
 * its stream to us, often before ours to it is open. The open streams are not in
 * gossipsub's interface: read from the implementation when it has them.
 */
function listeners (pubsub: GossipSub): 'none' | 'opening' | 'open' {
  const subscribers = pubsub.getSubscribers(ANNOUNCE_TOPIC)
  if (subscribers.length === 0) return 'none'
  const streams = (pubsub as unknown as { streamsOutbound?: Map<string, unknown> }).streamsOutbound
  if (streams == null) return 'open'
  return subscribers.some(p => streams.has(p.toString())) ? 'open' : 'opening'
}
const unannouncedKey = (contentId: string): Key => new Key(`${UNANNOUNCED_PREFIX}/${contentId}`)

export interface AnnouncementsComponents {
  pubsub: GossipSub
  catalog: CatalogStore
  datastore: Datastore
  scores: AppScores
  /** the per-author limit on offers from peers */
  rate: AuthorRateSettings
  /** this node's peer id */
  self: string
  /** gossipsub's seen-cache time (ms): a message that reached nobody can be sent again after it */
  seenTtl: number
  log: Logger
}

/** Accepted offers waiting for the catalog's write at most; past it, new ones are ignored */
export const MAX_QUEUED_CATALOG_WRITES = 1024

/** What the validator decided, for tests and logs */
export interface Verdict { result: TopicValidatorResult, reason: string }

export class Announcements {
  private readonly rate: AuthorRateLimit
  /** own announcements: half the pace peers accept, so network jitter never pushes them over */
  private readonly pace: AuthorRateLimit
  /** content ids whose own offer is still to announce, in order */
  private readonly queue = new Set<string>()
  /** versions to gossip although the catalog holds a newer, contacts-only one (announce's `envelope`) */
  private readonly pinned = new Map<string, Uint8Array>()
  /** the unannounced markers' puts and deletes land in the order made (in-order.ts) */
  private readonly markers = new InOrder()
  private timer: ReturnType<typeof setTimeout> | undefined
  private draining = false
  private stopped = true
  /** accepted offers the catalog has not written yet */
  private writing = 0
  /** the last verdicts, newest last (a few, for tests and debugging) */
  readonly verdicts: Verdict[] = []
  /** verdicts since start, by kind */
  readonly counts = { accepted: 0, rejected: 0, stale: 0, rateLimited: 0, ignored: 0 }

  constructor (private readonly components: AnnouncementsComponents) {
    this.rate = new AuthorRateLimit(components.rate)
    this.pace = new AuthorRateLimit({ burst: Math.max(1, Math.floor(components.rate.burst / 2)), perSecond: components.rate.perSecond / 2 })
  }

  /** Installs the validator, subscribes, and queues what was never announced */
  async start (): Promise<void> {
    const { pubsub, datastore } = this.components
    this.stopped = false
    pubsub.topicValidators.set(ANNOUNCE_TOPIC, this.validate)
    pubsub.addEventListener('subscription-change', this.onSubscriptions)
    pubsub.subscribe(ANNOUNCE_TOPIC)
    for await (const key of datastore.queryKeys({ prefix: UNANNOUNCED_PREFIX })) {
      this.queue.add(key.toString().slice(UNANNOUNCED_PREFIX.length + 1))
    }
    this.drain()
  }

  stop (): void {
    this.stopped = true
    clearTimeout(this.timer)
    const { pubsub } = this.components
    pubsub.removeEventListener('subscription-change', this.onSubscriptions)
    pubsub.topicValidators.delete(ANNOUNCE_TOPIC)
  }

  /**
   * Queues the own offer (or tombstone) of a content id for gossip; persisted until
   * sent. `envelope`: this version is sent even if a newer one is stored before it goes
   * (the tombstone of a public offer turned contacts-only; kept in memory only).
   * A contacts-only version is never gossiped.
   */
  async announce (contentId: string, envelope?: Uint8Array): Promise<void> {
    if (envelope != null) this.pinned.set(contentId, envelope)
    // queued at once: a send of an older version under way now sees it and keeps its marker
    // and pin; an update queued behind its older version goes once, as the newest
    this.queue.add(contentId)
    await this.markers.run(async () => this.components.datastore.put(unannouncedKey(contentId), new Uint8Array(0)))
    this.drain()
  }

  /** Own announcements not sent yet */
  get pending (): number {
    return this.queue.size
  }

  /** Peers subscribed to the topic (what gossipsub knows of them) */
  get topicPeers (): number {
    return this.components.pubsub.getSubscribers(ANNOUNCE_TOPIC).length
  }

  /** gossipsub's validator for the topic: a verdict for every message, never an exception */
  readonly validate = async (source: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    let verdict: Verdict
    try {
      verdict = await this.check(source, msg.data)
    } catch (err: any) {
      // our own failure (the disk, a bug), not the sender's: nobody is penalised
      this.counts.ignored++
      verdict = { result: TopicValidatorResult.Ignore, reason: `validator failed: ${err?.message ?? err}` }
    }
    if (this.verdicts.push(verdict) > 100) this.verdicts.shift()
    if (verdict.result !== TopicValidatorResult.Accept) this.components.log('announcement from %p: %s (%s)', source, verdict.result, verdict.reason)
    return verdict.result
  }

  private async check (source: PeerId, data: Uint8Array): Promise<Verdict> {
    const { counts } = this
    if (data.byteLength > MAX_SIGNED_OFFER_BYTES) {
      counts.rejected++
      return { result: TopicValidatorResult.Reject, reason: `${data.byteLength} bytes, at most ${MAX_SIGNED_OFFER_BYTES}` }
    }
    const opened = await openOffer(data)
    if (opened.result !== 'accept') {
      counts[opened.result === 'reject' ? 'rejected' : 'ignored']++
      return { result: opened.result === 'reject' ? TopicValidatorResult.Reject : TopicValidatorResult.Ignore, reason: opened.reason }
    }
    const { offer } = opened.signed
    if (offer.visibility !== 'public') {
      // only its author could have signed it, and it broke the rule: never passed on
      counts.rejected++
      return { result: TopicValidatorResult.Reject, reason: 'a contacts-only offer is never gossiped' }
    }
    const { catalog, scores, log } = this.components
    if (catalog.isStale(offer.author, offer.contentId, offer.seq)) {
      counts.stale++
      return { result: TopicValidatorResult.Ignore, reason: `seq ${offer.seq} of ${offer.author} is stale` }
    }
    if (this.writing >= MAX_QUEUED_CATALOG_WRITES) {
      counts.ignored++
      return { result: TopicValidatorResult.Ignore, reason: `the catalog is ${this.writing} writes behind` }
    }
    if (!this.rate.take(offer.author)) {
      counts.rateLimited++
      scores.penalize(source.toString())
      return { result: TopicValidatorResult.Ignore, reason: `${offer.author} is over its announcement rate` }
    }
    counts.accepted++
    this.writing++
    catalog.add(opened.signed, false)
      .catch((err: Error) => { log.error('announced offer not stored: %s', err.message) })
      .finally(() => { this.writing-- })
    return { result: TopicValidatorResult.Accept, reason: 'accepted' }
  }

  /** A peer subscribing to the topic: what waited for a listener goes out */
  private readonly onSubscriptions = (): void => { this.drain() }

  /** Sends queued own announcements while peers listen and the pace allows; then waits for either */
  private drain (): void {
    if (this.draining || this.stopped) return
    this.draining = true
    this.send().catch((err: Error) => { this.components.log.error('announcing failed: %s', err.message) })
      .finally(() => { this.draining = false })
  }

  private async send (): Promise<void> {
    const { pubsub, datastore, self, log } = this.components
    while (this.queue.size > 0 && !this.stopped) {
      const listening = listeners(pubsub)
      if (listening === 'none') return
      // subscribed, but our stream to it is still opening: gossipsub would drop the message
      if (listening === 'opening') return this.retryIn(STREAM_WAIT_MS)
      if (!this.pace.take(self)) return this.retryIn(Math.ceil(1000 / (this.components.rate.perSecond / 2)))
      const contentId = this.queue.values().next().value as string
      this.queue.delete(contentId)
      const pin = this.pinned.get(contentId)
      const envelope = await this.publicVersion(contentId) ?? pin
      let sent = true
      if (envelope != null) {
        try {
          sent = (await pubsub.publish(ANNOUNCE_TOPIC, envelope)).recipients.length > 0
        } catch (err: any) {
          // a duplicate was announced already; anything else: peers pull it with the catalog
          log('announcing %s: %s', contentId, err?.message ?? err)
        }
      }
      if (!sent && !this.queue.has(contentId)) {
        // it reached nobody, and gossipsub refuses the same message until it forgets it: once more after that
        this.queue.add(contentId)
        return this.retryIn(this.components.seenTtl + STREAM_WAIT_MS)
      }
      // announced again while this went out (a tombstone pinned, a newer version): that one is still to go
      if (this.pinned.get(contentId) === pin) this.pinned.delete(contentId)
      if (!this.queue.has(contentId)) await this.markers.run(async () => datastore.delete(unannouncedKey(contentId)))
    }
  }

  /** The own version of a content id to gossip: a public one only */
  private async publicVersion (contentId: string): Promise<Uint8Array | undefined> {
    const signed = await this.components.catalog.ownVersion(contentId)
    return signed?.offer.visibility === 'public' ? signed.envelope : undefined
  }

  private retryIn (ms: number): void {
    clearTimeout(this.timer)
    this.timer = setTimeout(() => { this.drain() }, ms)
    this.timer.unref?.()
  }
}
