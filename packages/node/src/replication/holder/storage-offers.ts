/**
 * This node's storage offer on `peershare/storage/1`, and the validator of others'.
 * A node with a quota publishes at start, every `offerInterval`, when its free room
 * moved by a tenth of the quota since the last offer, and (at most once per
 * REPUBLISH_GAP) when a peer subscribes to the topic, so a fresh swarm learns the offers
 * in seconds. A node with quota 0 publishes nothing. The validator never throws: size,
 * signature, domain, signer = peer id, a seq newer than the last kept from that peer,
 * at most OFFERS_PER_PEER per OFFERS_WINDOW from one peer; kept offers go to Membership.
 */
import type { GossipSub, Message } from '@libp2p/gossipsub'
import { TopicValidatorResult } from '@libp2p/gossipsub'
import type { Logger, PeerId, PrivateKey } from '@libp2p/interface'
import { STORAGE_TOPIC } from '@peershare/protocol'
import { PeerRate } from '../../limits/peer-rate.js'
import type { ReplicationSettings } from '../index.js'
import type { Membership } from './membership.js'
import { openStorageOffer, signStorageOffer } from './signed-storage-offer.js'

/** least time between two offers published because peers subscribed (ms) */
export const REPUBLISH_GAP = 2_000
/** offers one peer may have kept per window, past it they are ignored */
export const OFFERS_PER_PEER = 10
export const OFFERS_WINDOW = 60_000
/** fraction of the quota the free room moves by before the offer is published again */
const FREE_CHANGE = 0.1

export interface StorageOffersComponents {
  pubsub: Pick<GossipSub, 'publish' | 'subscribe' | 'unsubscribe' | 'topicValidators' | 'addEventListener' | 'removeEventListener'>
  privateKey: PrivateKey
  self: PeerId
  settings: ReplicationSettings
  membership: Pick<Membership, 'isNewer' | 'keep'>
  /** the quota used now and the fetches running */
  usage(): { usedBytes: number, fetching: number }
  log: Logger
  now?(): number
}

export class StorageOffers {
  private readonly rate = new PeerRate({ max: OFFERS_PER_PEER, window: OFFERS_WINDOW })
  private seq = 0n
  private timer?: ReturnType<typeof setInterval>
  private lastFree?: number
  private lastSubscribedPublish = -Infinity
  private pending?: ReturnType<typeof setTimeout>
  private stopped = true

  constructor (private readonly c: StorageOffersComponents) {}

  start (): void {
    const { pubsub, settings } = this.c
    this.stopped = false
    pubsub.topicValidators.set(STORAGE_TOPIC, this.validate)
    pubsub.subscribe(STORAGE_TOPIC)
    if (settings.quota === 0) return
    pubsub.addEventListener('subscription-change', this.onSubscriptions)
    this.timer = setInterval(() => { void this.publish() }, settings.offerInterval)
    void this.publish()
  }

  stop (): void {
    // a node stopped without a start (or twice) has nothing to undo: gossipsub throws when not started
    if (this.stopped) return
    this.stopped = true
    const { pubsub } = this.c
    clearInterval(this.timer)
    clearTimeout(this.pending)
    pubsub.removeEventListener('subscription-change', this.onSubscriptions)
    pubsub.topicValidators.delete(STORAGE_TOPIC)
    pubsub.unsubscribe(STORAGE_TOPIC)
  }

  /** The quota use changed: publish again when the free room moved by a lot */
  usageChanged (): void {
    if (this.stopped || this.c.settings.quota === 0 || this.lastFree == null) return
    if (Math.abs(this.free() - this.lastFree) >= this.c.settings.quota * FREE_CHANGE) void this.publish()
  }

  /** Signs and publishes the offer now */
  async publish (): Promise<void> {
    const { settings, self, privateKey, pubsub, log } = this.c
    if (this.stopped || settings.quota === 0) return
    const free = this.free()
    // a seq from this node's clock keeps rising across restarts without a stored counter
    const seq = BigInt(this.now()) * 1000n
    this.seq = seq > this.seq ? seq : this.seq + 1n
    this.lastFree = free
    try {
      const envelope = await signStorageOffer({
        peerId: self.toString(),
        seq: this.seq,
        quota: settings.quota,
        free,
        acceptsFrom: settings.acceptsFrom,
        acceptsEncrypted: settings.acceptsEncrypted,
        maxConcurrent: settings.maxConcurrent,
        load: Math.min(this.c.usage().fetching, settings.maxConcurrent)
      }, privateKey)
      await pubsub.publish(STORAGE_TOPIC, envelope)
    } catch (err: any) {
      log('storage offer not published: %s', err?.message ?? err)
    }
  }

  readonly validate = async (_source: PeerId, msg: Message): Promise<TopicValidatorResult> => {
    try {
      const opened = await openStorageOffer(msg.data)
      if (opened.result === 'reject') {
        this.c.log('storage offer rejected: %s', opened.reason)
        return TopicValidatorResult.Reject
      }
      const { offer } = opened
      if (offer.peerId === this.c.self.toString()) return TopicValidatorResult.Accept
      // an old or replayed offer is no news; not the relayer's fault
      if (!this.c.membership.isNewer(offer.peerId, offer.seq)) return TopicValidatorResult.Ignore
      if (!this.rate.allow(offer.peerId)) return TopicValidatorResult.Ignore
      this.c.membership.keep({ peerId: offer.peerId, seq: offer.seq, quotaBytes: offer.quota, freeBytes: offer.free, acceptsFrom: offer.acceptsFrom, acceptsEncrypted: offer.acceptsEncrypted, maxConcurrent: offer.maxConcurrent })
      return TopicValidatorResult.Accept
    } catch (err: any) {
      this.c.log('storage offer validator failed: %s', err?.message ?? err)
      return TopicValidatorResult.Ignore
    }
  }

  /** A peer joined the topic: it has heard no offer yet; publish soon, at most once per REPUBLISH_GAP */
  private readonly onSubscriptions = (event: CustomEvent<{ subscriptions: Array<{ topic: string, subscribe: boolean }> }>): void => {
    if (!event.detail.subscriptions.some(s => s.topic === STORAGE_TOPIC && s.subscribe)) return
    if (this.pending != null) return
    const wait = Math.max(0, this.lastSubscribedPublish + REPUBLISH_GAP - this.now())
    this.pending = setTimeout(() => {
      this.pending = undefined
      this.lastSubscribedPublish = this.now()
      void this.publish()
    }, wait)
  }

  private free (): number {
    return Math.max(0, this.c.settings.quota - this.c.usage().usedBytes)
  }

  private now (): number {
    return (this.c.now ?? Date.now)()
  }
}
