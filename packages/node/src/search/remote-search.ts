/**
 * The asking side of `/peershare/search/1.0.0`: a query goes to at most `maxPeers`
 * connected peers that speak the protocol, at once, and each answer is yielded as it
 * arrives, after its signed offers were screened and ingested (verified and cached) by
 * the catalog. The fan-out ends when every peer answered or failed, or at the
 * deadline, whichever is first: a peer that never answers costs the deadline, no more.
 *
 * Peers whose catalog this node has never pulled, or pulled more than
 * `freshCatalogAge` ago, are asked first (their answers are most likely to hold what
 * the local index lacks); then the longest connected. No multi-hop forwarding.
 */
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import {
  MAX_DISCOVERY_RESPONSE_BYTES,
  MAX_SEARCH_RESULTS,
  SEARCH_PROTOCOL,
  type SearchResponse,
  decodeSearchResponse,
  encodeSearchRequest
} from '@peershare/protocol'
import type { CatalogView } from '../catalog/index.js'
import { speakers } from '../catalog/catalog-sync.js'
import { screenEnvelopes } from '../catalog/screen.js'
import { PeerMisbehavedError, RemoteFailureError } from '../errors.js'
import { type Clock, systemClock } from '../limits/rate-limiter.js'
import { requestOnce } from '../rpc/request-response.js'
import type { RemoteAnswer, RemoteSearch, SearchQuery } from './index.js'

export interface RemoteSearchSettings {
  /** Peers one query is sent to, at most */
  maxPeers: number
  /** How long a fan-out waits for answers (ms); also how long we take to answer one */
  deadline: number
  /** Ask first the peers whose catalog was never pulled or pulled more than `freshCatalogAge` ago (false: longest connected first) */
  preferUnpulled: boolean
  /** ms */
  freshCatalogAge: number
  /** Search streams one connection may have open to us at once */
  maxInboundStreamsPerConnection: number
  /** Queries one peer may send us per `queriesWindow`; more are refused as rate-limited */
  queriesPerPeer: number
  /** ms */
  queriesWindow: number
}

export interface RemoteSearchComponents {
  libp2p: Pick<Libp2p, 'dialProtocol' | 'getConnections' | 'peerStore'>
  catalog: Pick<CatalogView, 'addOpened'>
  /** unix ms the peer's catalog was last pulled, if ever */
  lastPulled(peer: string): number | undefined
  settings: RemoteSearchSettings
  log: Logger
  clock?: Pick<Clock, 'now'>
}

export class RemoteSearchClient implements RemoteSearch {
  private readonly components: RemoteSearchComponents
  private readonly clock: Pick<Clock, 'now'>

  constructor (components: RemoteSearchComponents) {
    this.components = components
    this.clock = components.clock ?? systemClock
  }

  async * fanOut (query: SearchQuery, options: { signal?: AbortSignal, onAsked?(peers: number): void } = {}): AsyncGenerator<RemoteAnswer> {
    const { deadline } = this.components.settings
    const request = encodeSearchRequest({
      text: query.text,
      category: query.category,
      mimeType: query.mimeType,
      minSize: query.minSize,
      maxSize: query.maxSize,
      author: query.author,
      limit: Math.max(1, Math.min(query.limit ?? MAX_SEARCH_RESULTS, MAX_SEARCH_RESULTS))
    })
    const peers = await this.choosePeers()
    options.onAsked?.(peers.length)
    if (peers.length === 0) return
    const stop = new AbortController()
    const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(deadline), ...(options.signal == null ? [] : [options.signal])])
    const answers: RemoteAnswer[] = []
    let pending = peers.length
    let wake: (() => void) | undefined
    const onAbort = (): void => { wake?.() }
    signal.addEventListener('abort', onAbort)
    for (const peer of peers) {
      void this.ask(peer, request, signal)
        .then(answer => { if (answer != null && !signal.aborted) answers.push(answer) })
        .finally(() => { pending--; wake?.() })
    }
    try {
      while (true) {
        while (answers.length > 0) yield answers.shift() as RemoteAnswer
        if (pending === 0 || signal.aborted) return
        await new Promise<void>(resolve => { wake = resolve })
        wake = undefined
      }
    } finally {
      signal.removeEventListener('abort', onAbort)
      stop.abort()
    }
  }

  /** The peers to ask, in order, at most `maxPeers` */
  async choosePeers (): Promise<PeerId[]> {
    const { settings, lastPulled } = this.components
    const connected = await speakers(this.components.libp2p, SEARCH_PROTOCOL)
    if (!settings.preferUnpulled) return connected.slice(0, settings.maxPeers)
    const now = this.clock.now()
    const stale = (peer: PeerId): boolean => now - (lastPulled(peer.toString()) ?? Number.NEGATIVE_INFINITY) > settings.freshCatalogAge
    // a stable sort: within each group the longest connected stay first
    return connected.sort((a, b) => Number(stale(b)) - Number(stale(a))).slice(0, settings.maxPeers)
  }

  /** One peer's verified answer, or undefined when it failed, refused or lied (logged) */
  private async ask (peer: PeerId, request: Uint8Array, signal: AbortSignal): Promise<RemoteAnswer | undefined> {
    try {
      const frame = await requestOnce(this.components.libp2p, peer, request, {
        protocol: SEARCH_PROTOCOL,
        maxResponseBytes: MAX_DISCOVERY_RESPONSE_BYTES,
        timeout: this.components.settings.deadline,
        signal
      })
      let response: SearchResponse
      try {
        response = decodeSearchResponse(frame)
      } catch (err: any) {
        throw new PeerMisbehavedError(`Peer ${peer} sent an invalid search answer: ${err.message}`)
      }
      if (response.refused != null) throw new RemoteFailureError(`Peer ${peer} refused the query: ${response.refused}`)
      const screened = await screenEnvelopes(response.entries, peer.toString())
      if (!screened.ok) throw new PeerMisbehavedError(`Peer ${peer} answered with an invalid offer: ${screened.reason}`)
      const entries = screened.offers.length === 0 ? [] : await this.components.catalog.addOpened(screened.offers, peer)
      return { peer: peer.toString(), entries }
    } catch (err: any) {
      if (!signal.aborted) this.components.log('search query to %s: %s', peer, err.message)
      return undefined
    }
  }
}
