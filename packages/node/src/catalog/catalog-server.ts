/**
 * The serving side of `/peershare/catalog/1.0.0`: one page of this node's catalog log
 * per stream (`CatalogLog.since`), at most MAX_CATALOG_PAGE_ENTRIES entries and
 * MAX_DISCOVERY_RESPONSE_BYTES bytes. A request from another epoch (the peer's cursor
 * predates this repo) is served from position 0; the response names our epoch. Each
 * peer may ask for a bounded number of pages per window; past it the answer is a
 * `rate-limited` refusal.
 */
import type { Libp2p, Logger, PeerId } from '@libp2p/interface'
import {
  CATALOG_PROTOCOL,
  type Offer,
  MAX_DISCOVERY_REQUEST_BYTES,
  decodeCatalogRequest,
  encodeCatalogResponse,
  entriesThatFit
} from '@peershare/protocol'
import { PeerRate } from '../limits/peer-rate.js'
import { handleOnce } from '../rpc/request-response.js'
import type { CatalogSyncSettings } from './catalog-sync.js'
import type { CatalogLog } from './index.js'

export interface CatalogServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  log: CatalogLog
  settings: CatalogSyncSettings
  logger: Logger
  /** whether an offer goes into a page for `peer` (access/: contacts-only ones to contacts only) */
  mayShow(offer: Offer, peer: PeerId): boolean
}

export class CatalogServer {
  private readonly components: CatalogServerComponents
  private readonly rate: PeerRate

  constructor (components: CatalogServerComponents) {
    this.components = components
    const { settings } = components
    this.rate = new PeerRate({ max: settings.pagesPerPeer, window: settings.pagesWindow })
  }

  async start (): Promise<void> {
    const { libp2p, log, settings, logger } = this.components
    await handleOnce(libp2p, CATALOG_PROTOCOL, {
      maxInboundStreams: settings.maxInboundStreamsPerConnection,
      rate: this.rate,
      rateLimited: () => encodeCatalogResponse({ refused: 'rate-limited' }),
      maxRequestBytes: MAX_DISCOVERY_REQUEST_BYTES,
      timeout: settings.pageTimeout,
      log: logger,
      badRequest: () => encodeCatalogResponse({ refused: 'bad-request' })
    }, async (frame, _signal, peer) => {
      const request = decodeCatalogRequest(frame)
      const since = request.epoch === log.epoch ? request.since : 0n
      const show = (offer: Offer): boolean => this.components.mayShow(offer, peer)
      return encodeCatalogResponse({ ...await catalogPage(log, since, request.limit, show), epoch: log.epoch })
    })
  }

  async stop (): Promise<void> {
    await this.components.libp2p.unhandle(CATALOG_PROTOCOL)
  }
}

/**
 * Entries after `since`, as many of the first `limit` as fit in one response. When
 * they do not all fit, the log is asked again for the number that did, so `next` is
 * exactly after the last entry sent.
 */
export async function catalogPage (log: CatalogLog, since: bigint, limit: number, show?: (offer: Offer) => boolean): Promise<{ entries: Uint8Array[], next: bigint, more: boolean }> {
  let want = limit
  while (true) {
    const page = await log.since(since, want, show)
    const fit = entriesThatFit(page.envelopes)
    if (fit === page.envelopes.length) return { entries: page.envelopes, next: page.next, more: page.more }
    if (fit === 0) throw new Error('A catalog entry larger than a response')
    // the log may have changed in between: ask again until a page fits
    want = fit
  }
}

