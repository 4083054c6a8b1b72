/**
 * Delivery of grants to their recipients: a push of a recipient's pending grants (at
 * most MAX_GRANTS_PER_MESSAGE a request) when a grant is made, when the recipient
 * connects (libp2p's `peer:identify` says it speaks the key protocol, or a later
 * `peer:update` adds it), and on a
 * backoff timer (retryInterval doubling up to maxRetryInterval, at most
 * maxRetryAttempts timer tries a grant). One push per recipient at a time; a push
 * asked for while one is under way runs after it.
 */
import type { Libp2p, Logger, PeerId, PeerUpdate } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { KEYS_PROTOCOL, MAX_GRANTS_PER_MESSAGE, MAX_KEYS_MESSAGE_BYTES, decodeKeysResponse, encodeKeysRequest } from '@peershare/protocol'
import { requestOnce } from '../rpc/request-response.js'
import type { KeysSettings } from './index.js'
import type { SentGrant, SentGrants } from './sent-grants.js'

export interface DeliveryComponents {
  libp2p: Pick<Libp2p, 'dialProtocol' | 'addEventListener' | 'removeEventListener' | 'getConnections'>
  sent: SentGrants
  settings: KeysSettings
  dialTimeout: number
  log: Logger
  now(): number
}

/** Longest setTimeout delay Node takes */
const MAX_TIMER = 2 ** 31 - 1

export class GrantDelivery {
  private readonly running = new Map<string, Promise<void>>()
  /** recipients asked for while their push was under way: one more round after it */
  private readonly again = new Set<string>()
  private controller = new AbortController()
  private timer: NodeJS.Timeout | undefined
  private stopped = true

  constructor (private readonly c: DeliveryComponents) {}

  async start (): Promise<void> {
    this.stopped = false
    this.controller = new AbortController()
    this.c.libp2p.addEventListener('peer:identify', this.onIdentify)
    this.c.libp2p.addEventListener('peer:update', this.onUpdate)
    // recipients connected before we listened (libp2p reconnects at start)
    for (const connection of this.c.libp2p.getConnections()) {
      const peer = connection.remotePeer.toString()
      if (this.c.sent.pendingFor(peer).length > 0) void this.deliver(peer)
    }
    this.schedule()
  }

  /** Stops retrying; pushes under way are aborted and waited for (they record their outcome) */
  async stop (): Promise<void> {
    this.stopped = true
    this.c.libp2p.removeEventListener('peer:identify', this.onIdentify)
    this.c.libp2p.removeEventListener('peer:update', this.onUpdate)
    clearTimeout(this.timer)
    this.controller.abort()
    await Promise.allSettled(this.running.values())
  }

  /**
   * Pushes `peer`'s pending grants now; never rejects. With a push under way, another
   * round follows it: that push may be one to an address the peer has left (dialled
   * before it came back on a new port), which fails after the peer connected, and the
   * connection event that called us must not be lost to the backoff timer.
   */
  async deliver (peer: string): Promise<void> {
    const running = this.running.get(peer)
    if (running != null) {
      this.c.log('a push to %s is under way: another follows it', peer)
      this.again.add(peer)
      return running
    }
    const push = this.pushRounds(peer).finally(() => {
      this.running.delete(peer)
      this.again.delete(peer)
      this.schedule()
    })
    this.running.set(peer, push)
    return push
  }

  /** One push round, and another each time `deliver` was called during the last one */
  private async pushRounds (peer: string): Promise<void> {
    do {
      this.again.delete(peer)
      await this.pushAll(peer).catch((err: Error) => { this.c.log.error('delivery to %s failed: %s', peer, err.message) })
    } while (this.again.has(peer) && !this.stopped)
  }

  private readonly onIdentify = (evt: CustomEvent<{ peerId: PeerId, protocols: string[] }>): void => {
    const peer = evt.detail.peerId.toString()
    if (evt.detail.protocols.includes(KEYS_PROTOCOL) && this.c.sent.pendingFor(peer).length > 0) void this.deliver(peer)
  }

  /**
   * A peer that starts serving the key protocol after it connected (a node identifies
   * before its services register their protocols, then pushes the new list)
   */
  private readonly onUpdate = (evt: CustomEvent<PeerUpdate>): void => {
    const { peer, previous } = evt.detail
    if (!peer.protocols.includes(KEYS_PROTOCOL) || previous?.protocols.includes(KEYS_PROTOCOL) === true) return
    if (this.c.sent.pendingFor(peer.id.toString()).length > 0) void this.deliver(peer.id.toString())
  }

  private async pushAll (peer: string): Promise<void> {
    let peerId: PeerId
    try {
      peerId = peerIdFromString(peer)
    } catch {
      return
    }
    // each batch ends with its grants delivered or their next attempt set, so this ends
    const tried = new Set<string>()
    while (!this.stopped) {
      const batch = this.c.sent.pendingFor(peer).filter(g => !tried.has(g.fileId)).slice(0, MAX_GRANTS_PER_MESSAGE)
      if (batch.length === 0) return
      for (const g of batch) tried.add(g.fileId)
      if (!(await this.push(peerId, batch))) return
    }
  }

  /** One push request; true when the recipient answered */
  private async push (peer: PeerId, batch: SentGrant[]): Promise<boolean> {
    const { libp2p, settings, dialTimeout, log } = this.c
    const timeout = dialTimeout + settings.requestTimeout
    try {
      // a hard deadline too: one push that never settles must not hold this recipient's deliveries
      const frame = await beforeDeadline(requestOnce(libp2p, peer, encodeKeysRequest({ push: batch.map(g => g.envelope) }), {
        protocol: KEYS_PROTOCOL,
        maxResponseBytes: MAX_KEYS_MESSAGE_BYTES,
        timeout,
        signal: this.controller.signal
      }), timeout + 1_000)
      const response = decodeKeysResponse(frame)
      if (response.refused != null) throw new Error(`the recipient refused the request: ${response.refused}`)
      if (response.results.length !== batch.length) throw new Error('the recipient answered for another number of grants')
      for (const [i, g] of batch.entries()) {
        if (response.results[i] === 'accepted') await this.update(g, { state: 'delivered', deliveredAt: this.c.now(), nextAttempt: undefined, lastError: undefined })
        else await this.failed(g, 'the recipient refused the grant')
      }
      log('pushed %d grant(s) to %p', batch.length, peer)
      return true
    } catch (err: any) {
      log('push to %p failed: %s', peer, err.message)
      for (const g of batch) await this.failed(g, String(err?.message ?? err).slice(0, 300))
      return false
    }
  }

  /**
   * The backoff doubles for a recipient we cannot reach. One that is connected (a push
   * that timed out or was reset while it was starting up, say) is tried again after one
   * retryInterval: no connection event will come to push sooner.
   */
  private async failed (grant: SentGrant, why: string): Promise<void> {
    const attempts = grant.attempts + 1
    const { retryInterval, maxRetryInterval } = this.c.settings
    const connected = this.c.libp2p.getConnections(peerIdFromString(grant.peer)).length > 0
    const delay = connected ? retryInterval : Math.min(maxRetryInterval, retryInterval * 2 ** Math.min(attempts - 1, 30))
    await this.update(grant, { attempts, nextAttempt: this.c.now() + delay, lastError: why })
  }

  /** Writes a change unless the grant changed meanwhile (revoked, or granted anew) */
  private async update (grant: SentGrant, change: Partial<SentGrant>): Promise<void> {
    const now = this.c.sent.get(grant.fileId, grant.peer)
    if (now == null || now.seq !== grant.seq || now.state !== 'pending') return
    await this.c.sent.put({ ...now, ...change })
  }

  /** Sets the timer to the next due retry */
  private schedule (): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    let next: number | undefined
    for (const g of this.retryable()) if (next == null || (g.nextAttempt ?? 0) < next) next = g.nextAttempt ?? 0
    if (next == null) return
    this.timer = setTimeout(() => { void this.retryDue() }, Math.min(MAX_TIMER, Math.max(0, next - this.c.now())))
    this.timer.unref()
  }

  private retryable (): SentGrant[] {
    return this.c.sent.list().filter(g => g.state === 'pending' && g.attempts < this.c.settings.maxRetryAttempts && !this.running.has(g.peer))
  }

  /** Pushes to the recipients with a retry due, a few at a time */
  private async retryDue (): Promise<void> {
    const now = this.c.now()
    const due = [...new Set(this.retryable().filter(g => (g.nextAttempt ?? 0) <= now).map(g => g.peer))]
    for (let i = 0; i < due.length && !this.stopped; i += this.c.settings.maxConcurrentDeliveries) {
      await Promise.all(due.slice(i, i + this.c.settings.maxConcurrentDeliveries).map(async peer => this.deliver(peer)))
    }
    this.schedule()
  }
}

/** `work`'s result, or a rejection once `ms` passed */
async function beforeDeadline<T> (work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(new Error(`no answer within ${ms} ms`)) }, ms)
  })
  try {
    return await Promise.race([work, late])
  } finally {
    clearTimeout(timer)
  }
}
