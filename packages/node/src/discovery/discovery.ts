/**
 * The discovery composition: the catalog (opened before libp2p, see
 * `PeershareNode.create`), own offers, gossip announcements, catalog pulls and their
 * server, remote search and its server, and the search service, wired explicitly.
 * The node calls it to publish and withdraw its own content, to search, browse and
 * show, for the name an offer gives a download, and with provider sightings.
 */
import type { PrivateKey, PeerId } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import type { BrowseResult, DiscoveryStatus, OfferDetail, SearchUpdate } from '@peershare/client'
import type { Datastore } from 'interface-datastore'
import type { AppScores } from '../catalog/announce-limits.js'
import { Announcements } from '../catalog/announcements.js'
import { CatalogServer, type CatalogServerComponents } from '../catalog/catalog-server.js'
import { CatalogSync } from '../catalog/catalog-sync.js'
import { CursorStore } from '../catalog/cursor-store.js'
import { AuthorSequence, type CatalogStore } from '../catalog/index.js'
import { OwnOffers, type SharedRecord } from '../catalog/own-offers.js'
import type { NodeConfig } from '../config.js'
import type { PeershareLibp2p } from '../libp2p.js'
import type { Quarantine } from '../records/index.js'
import { type BrowseQuery, type QueryAnswerer, type SearchQuery, SearchService, type SearchServiceInit } from '../search/index.js'
import { RemoteSearchClient } from '../search/remote-search.js'
import { SearchServer } from '../search/search-server.js'
import { stopAll } from '../stop-all.js'

export interface DiscoveryComponents {
  libp2p: PeershareLibp2p
  datastore: Datastore
  quarantine: Quarantine
  /** opened before libp2p is built: gossip validation reads it */
  catalog: CatalogStore
  /** the gossipsub app score libp2p was built with: announcements lower a flooding relay's */
  scores: AppScores
  /** signs own offers */
  privateKey: PrivateKey
  settings: Pick<NodeConfig, 'announce' | 'catalogSync' | 'remoteSearch'>
  /** providers of a content id (the node's DHT lookup), for `show` */
  findProviders: SearchServiceInit['findProviders']
  /** a thumbnail on disk, fetched when not held, for `show` */
  fetchSmallFile: SearchServiceInit['fetchSmallFile']
  /** whether an offer goes into a catalog page or search answer to a peer (access/) */
  mayShowOffer: CatalogServerComponents['mayShow']
}

export class Discovery {
  /** own offers and the verified offers of other authors */
  readonly catalog: CatalogStore
  /** offers on gossipsub: own ones out, peers' ones validated in */
  readonly announcements: Announcements
  /** catalog catch-up from peers over /peershare/catalog/1.0.0 */
  readonly catalogSync: CatalogSync
  /** queries fanned out to peers over /peershare/search/1.0.0 */
  readonly remoteSearch: RemoteSearchClient
  /** search, browse and show over the catalog; the answers to remote queries */
  readonly searchService: SearchService
  /** what answers peers' queries (`/peershare/search/1.0.0`): the search index (replaceable for tests) */
  queryAnswerer: QueryAnswerer
  /** publishes offers of what the user shares, tombstones of what it removes */
  private readonly offers: OwnOffers
  private readonly catalogServer: CatalogServer
  private readonly searchServer: SearchServer
  private readonly libp2p: PeershareLibp2p

  constructor (components: DiscoveryComponents) {
    const { libp2p, datastore, quarantine, catalog, settings } = components
    const self = libp2p.peerId.toString()
    this.libp2p = libp2p
    this.catalog = catalog
    this.announcements = new Announcements({
      pubsub: libp2p.services.pubsub,
      catalog,
      datastore,
      scores: components.scores,
      rate: settings.announce,
      self,
      seenTtl: settings.announce.seenTtl,
      log: logger('peershare:node:announce')
    })
    this.offers = new OwnOffers({
      catalog,
      sequence: new AuthorSequence(datastore),
      privateKey: components.privateKey,
      self,
      announce: async (contentId, envelope) => this.announcements.announce(contentId, envelope),
      log: logger('peershare:node:offers')
    })
    this.catalogServer = new CatalogServer({ libp2p, log: catalog, settings: settings.catalogSync, logger: logger('peershare:node:catalog:server'), mayShow: components.mayShowOffer })
    this.catalogSync = new CatalogSync({
      libp2p,
      catalog,
      cursors: new CursorStore(datastore, quarantine, settings.catalogSync.maxRememberedPeers),
      settings: settings.catalogSync,
      log: logger('peershare:node:catalog:sync')
    })
    this.remoteSearch = new RemoteSearchClient({
      libp2p,
      catalog,
      lastPulled: peer => this.catalogSync.lastPulled(peer),
      settings: settings.remoteSearch,
      log: logger('peershare:node:search:remote')
    })
    this.searchServer = new SearchServer({
      libp2p,
      answerer: { answer: async (query, limit) => this.queryAnswerer.answer(query, limit) },
      settings: settings.remoteSearch,
      log: logger('peershare:node:search:server'),
      mayShow: components.mayShowOffer
    })
    this.searchService = new SearchService({
      catalog,
      self,
      remote: this.remoteSearch,
      connected: () => libp2p.getPeers().map(p => p.toString()),
      findProviders: components.findProviders,
      fetchSmallFile: components.fetchSmallFile,
      log: logger('peershare:node:search')
    })
    this.queryAnswerer = this.searchService
  }

  /** The servers of both discovery protocols, then catch-up pulls (peers may connect from now on) */
  async startServing (): Promise<void> {
    await this.catalogServer.start()
    await this.searchServer.start()
    await this.catalogSync.start()
  }

  /** The search index (first build in the background), then gossip: validator, subscription, own offers never sent */
  async startSearch (): Promise<void> {
    this.libp2p.addEventListener('peer:connect', this.peerConnected)
    this.libp2p.addEventListener('peer:disconnect', this.peerDisconnected)
    this.searchService.start()
    await this.announcements.start()
  }

  /** Undoes `startSearch`: gossip off, the index stops following the catalog */
  stopSearch (): void {
    this.libp2p.removeEventListener('peer:connect', this.peerConnected)
    this.libp2p.removeEventListener('peer:disconnect', this.peerDisconnected)
    this.searchService.stop()
    this.announcements.stop()
  }

  /** Undoes `startServing`: pulls aborted, then both handlers off; every step runs, the first failure is thrown */
  async stopServing (): Promise<void> {
    await stopAll([
      () => { this.catalogSync.stop() },
      async () => this.searchServer.stop(),
      async () => this.catalogServer.stop()
    ])
  }

  /** Offers of shared files and collections, in order: signed, stored, announced (what did not change is skipped; never throws) */
  async publish (records: SharedRecord[]): Promise<void> {
    for (const record of records) await this.offers.publish(record)
  }

  /** A tombstone for own content removed (nothing when it was never offered; never throws) */
  async withdraw (contentId: string): Promise<void> {
    await this.offers.withdraw(contentId)
  }

  /** The name offers give a content id: a download given no name saves under it */
  async offeredName (contentId: string): Promise<string | undefined> {
    return this.catalog.offeredName(contentId)
  }

  /** A peer was seen providing a content id (availability in search) */
  sawProvider (contentId: string, peer: string): void {
    this.searchService.sawProvider(contentId, peer)
  }

  search (query: SearchQuery & { local?: boolean }, options: { signal?: AbortSignal } = {}): AsyncGenerator<SearchUpdate> {
    return this.searchService.search(query, options)
  }

  async browse (query: BrowseQuery = {}): Promise<BrowseResult> {
    return this.searchService.browse(query)
  }

  async offerInfo (contentId: string, options: { signal?: AbortSignal } = {}): Promise<OfferDetail> {
    return this.searchService.show(contentId, options)
  }

  /** The figures `status` shows: offers held, gossip, the last catalog pull, the search index */
  status (): DiscoveryStatus {
    const { entries, tombstones, authors } = this.catalog.size
    const own = this.catalog.heldBy(this.libp2p.peerId.toString())
    const lastPull = this.catalogSync.lastPull()
    return {
      offers: { own, cached: entries - own },
      authors,
      tombstones,
      gossip: { topicPeers: this.announcements.topicPeers, pending: this.announcements.pending },
      lastPull: lastPull ?? null,
      searchIndex: this.searchService.indexStatus()
    }
  }

  private readonly peerConnected = (event: CustomEvent<PeerId>): void => { this.searchService.peerConnected(event.detail.toString()) }
  private readonly peerDisconnected = (event: CustomEvent<PeerId>): void => { this.searchService.peerDisconnected(event.detail.toString()) }
}
