/**
 * Catalog catch-up over `/peershare/catalog/1.0.0`: when a peer that speaks the
 * protocol connects (libp2p's first `peer:identify` of the connection that lists the
 * protocol; identify pushes on it do not pull again), its catalog log is
 * pulled from the cursor stored for it, page by page until it has no more, and every
 * page is screened and ingested into the catalog. A slow, jittered re-pull from one
 * random connected peer picks up what gossip missed.
 *
 * Bounded: `maxConcurrentPulls` pulls at once (more wait, up to `maxQueuedPulls`),
 * `maxPagesPerPull` pages each (the next pull continues from the cursor). A peer that
 * sends an invalid page (garbage, over a limit, a forged offer, a cursor that goes
 * backwards) ends its pull, gives nothing from that page, and is not pulled from for
 * `penaltyDuration`.
 */
import type { Connection, IdentifyResult, Libp2p, PeerId } from '@libp2p/interface'
import type { Logger } from '@libp2p/interface'
import {
  CATALOG_PROTOCOL,
  type CatalogResponse,
  MAX_DISCOVERY_RESPONSE_BYTES,
  decodeCatalogResponse,
  encodeCatalogRequest
} from '@peershare/protocol'
import { PeerMisbehavedError, RemoteFailureError, SourceBusyError } from '../errors.js'
import { type Clock, systemClock } from '../limits/rate-limiter.js'
import { requestOnce } from '../rpc/request-response.js'
import type { CursorStore, CatalogCursor } from './cursor-store.js'
import type { CatalogView } from './index.js'
import { screenEnvelopes } from './screen.js'

export interface CatalogSyncSettings {
  /** Catalog pulls running at once */
  maxConcurrentPulls: number
  /** Pulls waiting for a free slot; more are dropped (the periodic re-pull catches up) */
  maxQueuedPulls: number
  /** Pages one pull reads at most; the next pull continues from the cursor */
  maxPagesPerPull: number
  /** Entries asked for per page (at most MAX_CATALOG_PAGE_ENTRIES) */
  pageEntries: number
  /** Deadline for one page, on both sides (ms) */
  pageTimeout: number
  /** Mean time between re-pulls from one random connected peer (ms), jittered by ±25% */
  repullInterval: number
  /** Peers whose cursors are remembered; the one pulled longest ago is forgotten first */
  maxRememberedPeers: number
  /** A peer that sent an invalid page is not pulled from for this long (ms) */
  penaltyDuration: number
  /** Catalog streams one connection may have open to us at once */
  maxInboundStreamsPerConnection: number
  /** Pages one peer may ask us for per `pagesWindow`; more are refused as rate-limited */
  pagesPerPeer: number
  /** ms */
  pagesWindow: number
}

/** How one pull ended */
export interface PullResult {
  peer: string
  /** pages read */
  pages: number
  /** offers that passed screening and were handed to the catalog */
  offers: number
  /** the peer said it has nothing more (false: stopped at `maxPagesPerPull`, or failed) */
  complete: boolean
  /** why it failed: a typed error's name, code and message */
  error?: { name: string, code: string, message: string }
}

export interface CatalogSyncComponents {
  libp2p: Pick<Libp2p, 'dialProtocol' | 'addEventListener' | 'removeEventListener' | 'getConnections' | 'peerStore'>
  catalog: Pick<CatalogView, 'addOpened'>
  cursors: CursorStore
  settings: CatalogSyncSettings
  log: Logger
  clock?: Pick<Clock, 'now'>
}

export class CatalogSync {
  private readonly components: CatalogSyncComponents
  private readonly clock: Pick<Clock, 'now'>
  /** pulls running or waiting, by peer: a second ask joins the first */
  private readonly pulls = new Map<string, Promise<PullResult>>()
  private readonly waiting: Array<() => void> = []
  private running = 0
  private readonly penalties = new Map<string, number>()
  /** connections whose identify started a pull */
  private readonly identified = new WeakSet<Connection>()
  private readonly listeners = new Set<(result: PullResult) => void>()
  private controller = new AbortController()
  private timer: NodeJS.Timeout | undefined

  constructor (components: CatalogSyncComponents) {
    this.components = components
    this.clock = components.clock ?? systemClock
  }

  async start (): Promise<void> {
    this.controller = new AbortController()
    await this.components.cursors.load()
    this.components.libp2p.addEventListener('peer:identify', this.onIdentify)
    // peers libp2p reconnected to while starting, identified before we listened
    for (const peer of await speakers(this.components.libp2p, CATALOG_PROTOCOL)) void this.pull(peer)
    this.scheduleRepull()
  }

  stop (): void {
    this.components.libp2p.removeEventListener('peer:identify', this.onIdentify)
    clearTimeout(this.timer)
    this.controller.abort()
    for (const wake of this.waiting.splice(0)) wake()
  }

  /** Called with each pull's result as it ends; returns the unsubscribe function */
  onPull (listener: (result: PullResult) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  /** unix ms this node last read a page of `peer`'s catalog, if it remembers */
  lastPulled (peer: string): number | undefined {
    return this.components.cursors.get(peer)?.pulledAt
  }

  /** The newest catalog page read, of any peer remembered (survives restarts) */
  lastPull (): { peer: string, at: number } | undefined {
    return this.components.cursors.latest()
  }

  /** Pulls `peer`'s catalog from its cursor now (or joins the pull under way); never rejects */
  async pull (peer: PeerId): Promise<PullResult> {
    const key = peer.toString()
    const running = this.pulls.get(key)
    if (running != null) return running
    if (this.running + this.waiting.length >= this.components.settings.maxConcurrentPulls + this.components.settings.maxQueuedPulls) {
      return this.ended({ peer: key, pages: 0, offers: 0, complete: false, error: typed(new SourceBusyError('Too many catalog pulls waiting')) })
    }
    const pull = this.queued(peer).finally(() => { this.pulls.delete(key) })
    this.pulls.set(key, pull)
    return pull
  }

  /**
   * A connection's first identify that lists the protocol pulls. The peer's identify
   * pushes (its addresses or protocols changed: a few per peer while it starts) fire the
   * event again on the same connection; pulling for each of them cost 7 to 8 pulls for
   * 4 peers in the multi-source bench, at the moment a download starts
   */
  private readonly onIdentify = (evt: CustomEvent<IdentifyResult>): void => {
    const { connection, peerId, protocols } = evt.detail
    if (!protocols.includes(CATALOG_PROTOCOL) || this.identified.has(connection)) return
    this.identified.add(connection)
    void this.pull(peerId)
  }

  private async queued (peer: PeerId): Promise<PullResult> {
    if (this.running >= this.components.settings.maxConcurrentPulls) await new Promise<void>(resolve => this.waiting.push(resolve))
    this.running++
    try {
      return this.ended(await this.pullPages(peer))
    } finally {
      this.running--
      this.waiting.shift()?.()
    }
  }

  private ended (result: PullResult): PullResult {
    if (result.error != null) this.components.log('catalog pull from %s: %s', result.peer, result.error.message)
    for (const listener of this.listeners) listener(result)
    return result
  }

  /** Reads pages from the peer's cursor until it has no more, `maxPagesPerPull`, or a failure */
  private async pullPages (peer: PeerId): Promise<PullResult> {
    const key = peer.toString()
    const result: PullResult = { peer: key, pages: 0, offers: 0, complete: false }
    const until = this.penalties.get(key)
    if (until != null && until > this.clock.now()) return { ...result, error: typed(new PeerMisbehavedError(`Peer ${key} sent an invalid catalog page; not pulled from until ${new Date(until).toISOString()}`)) }
    this.penalties.delete(key)
    try {
      let cursor = this.components.cursors.get(key) ?? { epoch: '', next: 0n, pulledAt: 0 }
      while (result.pages < this.components.settings.maxPagesPerPull && !this.controller.signal.aborted) {
        const page = await this.fetchPage(peer, cursor)
        result.pages++
        const screened = await screenEnvelopes(page.entries, peer.toString())
        if (!screened.ok) throw new PeerMisbehavedError(`Peer ${key} sent an invalid offer in its catalog: ${screened.reason}`)
        if (screened.offers.length > 0) await this.components.catalog.addOpened(screened.offers, peer)
        result.offers += screened.offers.length
        cursor = { epoch: page.epoch, next: page.next, pulledAt: this.clock.now() }
        await this.components.cursors.put(key, cursor)
        if (!page.more) return { ...result, complete: true }
      }
      return result
    } catch (err: any) {
      if (err instanceof PeerMisbehavedError) this.penalise(key)
      return { ...result, error: typed(err) }
    }
  }

  /** One page after `cursor`, checked: a page that goes backwards or stands still while saying `more` is a lie */
  private async fetchPage (peer: PeerId, cursor: CatalogCursor): Promise<Extract<CatalogResponse, { entries: Uint8Array[] }>> {
    const { settings } = this.components
    const request = encodeCatalogRequest({ since: cursor.next, limit: settings.pageEntries, epoch: cursor.epoch })
    const frame = await requestOnce(this.components.libp2p, peer, request, {
      protocol: CATALOG_PROTOCOL,
      maxResponseBytes: MAX_DISCOVERY_RESPONSE_BYTES,
      timeout: settings.pageTimeout,
      signal: this.controller.signal
    })
    let page: CatalogResponse
    try {
      page = decodeCatalogResponse(frame)
    } catch (err: any) {
      throw new PeerMisbehavedError(`Peer ${peer} sent an invalid catalog page: ${err.message}`)
    }
    if (page.refused === 'rate-limited') throw new SourceBusyError(`Peer ${peer} refused: asked too often`)
    if (page.refused != null) throw new RemoteFailureError(`Peer ${peer} refused the catalog request: ${page.refused}`)
    // another epoch: the peer served from 0
    const since = page.epoch === cursor.epoch ? cursor.next : 0n
    if (page.next < since || (page.next === since && (page.more || page.entries.length > 0))) {
      throw new PeerMisbehavedError(`Peer ${peer} sent a catalog page that does not move its cursor forward`)
    }
    return page
  }

  private penalise (peer: string): void {
    this.penalties.set(peer, this.clock.now() + this.components.settings.penaltyDuration)
    // bounded: the oldest penalties go first (they are the nearest to ending)
    if (this.penalties.size > this.components.settings.maxRememberedPeers) this.penalties.delete(this.penalties.keys().next().value as string)
  }

  /** Every repullInterval ±25%: one random connected peer that speaks the protocol */
  private scheduleRepull (): void {
    const { repullInterval } = this.components.settings
    this.timer = setTimeout(() => {
      void this.repull().finally(() => { if (!this.controller.signal.aborted) this.scheduleRepull() })
    }, repullInterval * (0.75 + Math.random() * 0.5))
    this.timer.unref()
  }

  private async repull (): Promise<void> {
    const peers = await speakers(this.components.libp2p, CATALOG_PROTOCOL)
    if (peers.length === 0) return
    await this.pull(peers[Math.floor(Math.random() * peers.length)])
  }
}

/** Connected peers whose identify listed `protocol`, longest connected first */
export async function speakers (libp2p: Pick<Libp2p, 'getConnections' | 'peerStore'>, protocol: string): Promise<PeerId[]> {
  const opened = new Map<string, { peer: PeerId, at: number }>()
  for (const connection of libp2p.getConnections()) {
    if (connection.status !== 'open') continue
    const key = connection.remotePeer.toString()
    const at = connection.timeline.open
    if ((opened.get(key)?.at ?? Number.POSITIVE_INFINITY) > at) opened.set(key, { peer: connection.remotePeer, at })
  }
  const out: Array<{ peer: PeerId, at: number }> = []
  for (const entry of opened.values()) {
    try {
      if ((await libp2p.peerStore.get(entry.peer)).protocols.includes(protocol)) out.push(entry)
    } catch {
      // not in the peer store (yet): not identified
    }
  }
  return out.sort((a, b) => a.at - b.at).map(e => e.peer)
}

function typed (err: any): { name: string, code: string, message: string } {
  return { name: String(err?.name ?? 'Error'), code: String(err?.code ?? 'ERR_UNKNOWN'), message: String(err?.message ?? err) }
}
