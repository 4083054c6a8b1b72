/**
 * The serving side of `/peershare/catalog/1.0.0`: one page of this node's catalog log
 * per stream (`CatalogLog.since`), at most MAX_CATALOG_PAGE_ENTRIES entries and
 * MAX_DISCOVERY_RESPONSE_BYTES bytes. A request from another epoch (the peer's cursor
 * predates this repo) is served from position 0; the response names our epoch. Each
 * peer may ask for a bounded number of pages per window; past it the answer is a
 * `rate-limited` refusal.
 */
import type { Connection, Libp2p, Logger, Stream } from '@libp2p/interface'
import {
  CATALOG_PROTOCOL,
  MAX_DISCOVERY_REQUEST_BYTES,
  MAX_DISCOVERY_RESPONSE_BYTES,
  RESPONSE_FRAMING_BYTES,
  decodeCatalogRequest,
  encodeCatalogResponse,
  entryCost
} from '@peershare/protocol'
import { PeerRate } from '../limits/peer-rate.js'
import { refuseOnce, serveOnce } from '../rpc/request-response.js'
import type { CatalogSyncSettings } from './catalog-sync.js'
import type { CatalogLog } from './index.js'

export interface CatalogServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  log: CatalogLog
  settings: CatalogSyncSettings
  logger: Logger
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
    await this.components.libp2p.handle(CATALOG_PROTOCOL, async (stream, connection) => this.onStream(stream, connection), {
      maxInboundStreams: this.components.settings.maxInboundStreamsPerConnection
    })
  }

  async stop (): Promise<void> {
    await this.components.libp2p.unhandle(CATALOG_PROTOCOL)
  }

  private async onStream (stream: Stream, connection: Pick<Connection, 'remotePeer'>): Promise<void> {
    const { settings, logger } = this.components
    if (!this.rate.allow(connection.remotePeer.toString())) {
      await refuseOnce(stream, encodeCatalogResponse({ refused: 'rate-limited' }), settings.pageTimeout)
      return
    }
    await serveOnce(stream, {
      maxRequestBytes: MAX_DISCOVERY_REQUEST_BYTES,
      timeout: settings.pageTimeout,
      log: logger,
      badRequest: () => encodeCatalogResponse({ refused: 'bad-request' })
    }, async (frame) => {
      const request = decodeCatalogRequest(frame)
      const epoch = this.components.log.epoch
      const since = request.epoch === epoch ? request.since : 0n
      return encodeCatalogResponse({ ...await catalogPage(this.components.log, since, request.limit), epoch })
    })
  }
}

/**
 * Entries after `since`, as many of the first `limit` as fit in one response. When
 * they do not all fit, the log is asked again for the number that did, so `next` is
 * exactly after the last entry sent.
 */
export async function catalogPage (log: CatalogLog, since: bigint, limit: number): Promise<{ entries: Uint8Array[], next: bigint, more: boolean }> {
  const budget = MAX_DISCOVERY_RESPONSE_BYTES - RESPONSE_FRAMING_BYTES
  let want = limit
  while (true) {
    const page = await log.since(since, want)
    const fit = fitting(page.envelopes, budget)
    if (fit === page.envelopes.length) return { entries: page.envelopes, next: page.next, more: page.more }
    if (fit === 0) throw new Error('A catalog entry larger than a response')
    // the log may have changed in between: ask again until a page fits
    want = fit
  }
}

function fitting (envelopes: Uint8Array[], budget: number): number {
  let used = 0
  for (let i = 0; i < envelopes.length; i++) {
    used += entryCost(envelopes[i])
    if (used > budget) return i
  }
  return envelopes.length
}
