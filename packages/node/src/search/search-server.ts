/**
 * The serving side of `/peershare/search/1.0.0`: one query per stream, answered from
 * this node's own index (`QueryAnswerer`) with signed offers, at most the query's
 * limit (≤ MAX_SEARCH_RESULTS) and MAX_DISCOVERY_RESPONSE_BYTES. No forwarding to
 * other peers. Each peer may send `queriesPerPeer` queries per `queriesWindow`; past
 * that the answer is a `rate-limited` refusal, and a request over a limit gets a
 * `bad-request` one.
 */
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import {
  MAX_DISCOVERY_REQUEST_BYTES,
  type Offer,
  SEARCH_PROTOCOL,
  type SearchRequest,
  decodeSearchRequest,
  encodeSearchResponse,
  entriesThatFit
} from '@peershare/protocol'
import { PeerRate } from '../limits/peer-rate.js'
import { handleOnce } from '../rpc/request-response.js'
import type { QueryAnswerer, SearchQuery } from './index.js'
import type { RemoteSearchSettings } from './remote-search.js'

export interface SearchServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  answerer: QueryAnswerer
  settings: RemoteSearchSettings
  log: Logger
  /** whether an offer goes into an answer to `peer` (access/: contacts-only ones to contacts only) */
  mayShow(offer: Offer, peer: PeerId): boolean
}

export class SearchServer {
  private readonly components: SearchServerComponents
  private readonly rate: PeerRate

  constructor (components: SearchServerComponents) {
    this.components = components
    this.rate = new PeerRate({ max: components.settings.queriesPerPeer, window: components.settings.queriesWindow })
  }

  async start (): Promise<void> {
    const { libp2p, settings, log } = this.components
    await handleOnce(libp2p, SEARCH_PROTOCOL, {
      maxInboundStreams: settings.maxInboundStreamsPerConnection,
      rate: this.rate,
      rateLimited: () => encodeSearchResponse({ refused: 'rate-limited' }),
      maxRequestBytes: MAX_DISCOVERY_REQUEST_BYTES,
      timeout: settings.deadline,
      log,
      badRequest: () => encodeSearchResponse({ refused: 'bad-request' })
    }, async (frame, _signal, peer) => {
      const request = decodeSearchRequest(frame)
      const entries = (await this.components.answerer.answer(toQuery(request), request.limit)).filter(e => this.components.mayShow(e.signed.offer, peer))
      return encodeSearchResponse({ entries: fitting(entries.slice(0, request.limit).map(e => e.signed.envelope)) })
    })
  }

  async stop (): Promise<void> {
    await this.components.libp2p.unhandle(SEARCH_PROTOCOL)
  }
}

function toQuery (request: SearchRequest): SearchQuery {
  const { limit: _, ...query } = request
  return Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined)) as unknown as SearchQuery
}

/** The best entries that fit in one response */
function fitting (envelopes: Uint8Array[]): Uint8Array[] {
  return envelopes.slice(0, entriesThatFit(envelopes))
}
