/**
 * The composition root: builds every service from the config and wires them
 * explicitly (discovery's own wiring in discovery/discovery.ts, the download services'
 * in download/node-downloads.ts, replication's in replication/wiring.ts, what share and
 * rm do in local-content.ts). The datastore, blob store, key and libp2p factory come
 * from outside (compose/: `compose` takes them; `create` opens them from the repo
 * with the Node adapter). Create order: parts, catalog, libp2p, services. Start order: listen
 * ports and peer records checked, libp2p, exchange server, discovery's servers and
 * catalog sync, downloads restored, swarm, discovery's search index and gossip,
 * provider announcements; stop reverses it (see `stop`).
 */
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Connection, PeerId } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type CollectionId, type ContentRef, type FileRef, isTicket, parseCollectionId, parseContentRef, parseFileId, parseFileRef } from '@peershare/protocol'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Datastore } from 'interface-datastore'
import { defaultRepoPath } from '@peershare/client/repo'
import { type NodeConfig, type NodeInit, resolveConfig } from './config.js'
import { CONFIG_FILE, mergeInit, readConfigFile, saveLimits } from './config-file.js'
import { createCollectionDownloads, createTransferManager } from './download/node-downloads.js'
import { GetWaits } from './download/get-waits.js'
import type { Transfer, TransferProgress } from './download/transfer.js'
import type { StartOptions, TransferManager } from './download/transfer-manager.js'
import {
  type CollectionDownload,
  type CollectionDownloadOptions,
  type CollectionDownloads,
  type CollectionProgress,
  type CollectionRecord,
  CollectionStore,
  type SharedCollection
} from './collection/index.js'
import { Access, type FileVisibility, downloadedVisibility } from './access/index.js'
import { AppScores } from './catalog/announce-limits.js'
import { ContactStore } from './contacts/index.js'
import { CatalogStore } from './catalog/index.js'
import { Discovery } from './discovery/index.js'
import { BadRequestError, ConfigError, FileNotFoundError, RepoError } from './errors.js'
import { resolvePrefix } from './id-prefix.js'
import { FileKeys } from './encryption/index.js'
import { KeyGrants } from './keys/index.js'
import { ExchangeServer } from './exchange/exchange-server.js'
import type { FetchSessionComponents } from './exchange/fetch-session.js'
import { servableFiles } from './exchange/servable.js'
import { chunkMessages, hashThread } from './hash-thread/index.js'
import { FileIndex, type ProviderEntry, lookupProviders } from './dht/index.js'
import { type NamedDht, nodeDhts, type PeershareLibp2p } from './libp2p.js'
import { Bandwidth, type BandwidthLimits } from './limits/bandwidth.js'
import { skipKnownProtocolMerges } from './peer-store/index.js'
import { Quarantine, checkPeerRecords, keepPeerRecordsWhole } from './records/index.js'
import { type RepoPaths, repoPaths } from './repo.js'
import { PRIVATE_DIR_MODE } from './file-modes.js'
import type { NodeParts } from './compose/index.js'
import { nodeParts } from './compose/node.js'
import type { ShareOptions } from './share.js'
import type { ReplicationPolicy } from './replication/index.js'
import { type Keeper, replicationProblem } from './replication/keeper/keeper.js'
import type { FileReplication } from './replication/keeper/replicator.js'
import { LocalContent } from './local-content.js'
import type { FileRecord } from './store/file-record.js'
import { ContentHealth, type LocalFile, type VerifiedFile } from './store/content-health.js'
import { FileStore } from './store/file-store.js'
import { type NodeStatus, nodeStatus } from './status.js'
import { checkListenPorts } from './swarm/listen-ports.js'
import { type PeerEntry, Swarm } from './swarm/swarm.js'
import { createTicket, openTicket } from './tickets.js'
import type { BrowseResult, OfferDetail, ReplicationStatus, SearchUpdate } from '@peershare/client'
import type { BrowseQuery, QueryAnswerer, SearchQuery } from './search/index.js'
import { fetchSmallFile } from './search/small-file.js'
import { stopAll } from './stop-all.js'
import { Thumbnails } from './thumbnails/index.js'
import type { ReplicaRequests } from './replication/index.js'
import type { Holder, Membership, StorageOffers } from './replication/holder/index.js'
import { type Replication, createReplication } from './replication/wiring.js'
import { type NodeMetrics, createNodeMetrics, nodeSources, timedSearch } from './metrics/index.js'

const log = logger('peershare:node')

export interface GetOptions extends StartOptions {
  /** progress of the download, a few times a second */
  onProgress?(progress: TransferProgress): void
}

export interface GetCollectionOptions extends CollectionDownloadOptions {
  /** progress of the whole collection, a few times a second */
  onProgress?(progress: CollectionProgress): void
}

export class PeershareNode {
  readonly config: NodeConfig
  readonly libp2p: PeershareLibp2p
  readonly store: FileStore
  readonly paths: RepoPaths
  readonly exchange: ExchangeServer
  readonly index: FileIndex
  readonly swarm: Swarm
  readonly transfers: TransferManager
  readonly bandwidth: Bandwidth
  /** the LAN DHT and the public one */
  readonly dhts: NamedDht[]
  readonly collections: CollectionStore
  readonly collectionDownloads: CollectionDownloads
  private readonly datastore: Datastore
  /** releases the parts given from outside (compose/), last when stopping */
  private readonly releaseParts: () => Promise<void>
  /** where records that do not decode are set aside */
  readonly quarantine: Quarantine
  /** what opening a session with a provider needs */
  private readonly exchangeClient: FetchSessionComponents
  /** stored files changed, damaged or missing on disk: withdrawn, repaired, verified */
  readonly health: ContentHealth
  /** catalog, own offers, announcements, catalog pulls, remote and local search (discovery/) */
  readonly discovery: Discovery
  /** thumbnails of shared images and of files or collections given one: files of their own */
  readonly thumbnails: Thumbnails
  /** what share and rm do across the store, the DHTs, the catalog and thumbnails */
  private readonly content: LocalContent
  /** keys of encrypted files: those this node encrypted and those granted to it (encryption/) */
  readonly fileKeys: FileKeys
  /** file key grants made, delivered and received; the key protocol (keys/) */
  readonly keys: KeyGrants
  /** peers known by name; contacts-only files are served to them (contacts/) */
  readonly contacts: ContactStore
  /** who may fetch, see and find each shared file (access/) */
  readonly access: Access
  /** per-file replication policies and the repair loop (replication/keeper/) */
  readonly keeper: Keeper
  /** replicas this node holds for others, the replicate protocol's server, its quota (replication/holder/) */
  readonly holder: Holder
  /** storage offers of other peers and this node's own observations of them (replication/holder/) */
  readonly membership: Membership
  /** asks a peer to hold a file (`/peershare/replicate/1.0.0`) */
  readonly replicaRequests: ReplicaRequests
  /** this node's signed storage offer on `peershare/storage/1`, and the validator of others' */
  readonly storageOffers: StorageOffers
  /** the replication composition the fields above come from (replication/wiring.ts) */
  private readonly replicationParts: Replication
  /** Prometheus metrics, served at the control API's `GET /metrics`; undefined when `metrics.enabled` is off (metrics/) */
  readonly metrics: NodeMetrics | undefined
  /** the downloads saved in the repo are running again (keys/ keeps every key until then) */
  private transfersRestored = false
  /** `get`s waiting for each download: one aborted while another waits does not cancel it */
  private readonly getWaits = new GetWaits()

  private constructor (config: NodeConfig, paths: RepoPaths, given: NodeParts, libp2p: PeershareLibp2p, parts: BuiltParts) {
    const { datastore } = given
    this.config = config
    this.paths = paths
    this.datastore = datastore
    this.releaseParts = async () => given.release?.()
    this.libp2p = libp2p
    this.quarantine = parts.quarantine
    this.store = new FileStore({ datastore, blobs: given.blobs, quarantine: this.quarantine })
    this.fileKeys = new FileKeys(datastore, this.quarantine)
    this.contacts = new ContactStore(datastore, this.quarantine, libp2p.peerId)
    // peers granted a file (keys/) may fetch it whatever its visibility; keys is built below, asked at serve time
    // and peers asked to hold a file (replication/holder/, built below) fetch it as its grantees do
    this.access = new Access({ contacts: this.contacts, grantees: { mayAccess: (fileId, peer) => this.keys.mayAccess(fileId, peer) || this.replicationParts.permits.allows(fileId, peer.toString()) }, self: libp2p.peerId.toString() })
    this.exchangeClient = { libp2p, limits: config.exchange, dialTimeout: config.dialTimeout, assemble: chunkMessages }
    this.dhts = nodeDhts(libp2p, config)
    this.index = new FileIndex({ dhts: this.dhts, peerStore: libp2p.peerStore, peerId: libp2p.peerId, log: logger('peershare:node:index'), concurrency: config.provide.concurrency })
    this.bandwidth = new Bandwidth(config.limits)
    // an encrypted download without a key asks for a grant (keys/, built below; asked at download time)
    const keys = { fileKeys: this.fileKeys, obtainKey: async (fileId: string, sources: PeerId[], signal: AbortSignal) => this.keys.obtainKey(fileId, sources, signal) }
    this.metrics = parts.metrics
    // a stored copy that failed its hash as a download copied it (ContentHealth, built below, repairs it)
    const damaged = (fileId: string): void => { void this.health.markDamaged(fileId) }
    const downloads = { datastore, quarantine: this.quarantine, config, exchange: this.exchangeClient, libp2p, index: this.index, bandwidth: this.bandwidth, store: this.store, log, keys, events: this.metrics }
    this.transfers = createTransferManager(downloads, {
      stored: fileId => { this.health.reset(fileId) },
      visibility: async fileId => this.downloadVisibility(fileId),
      takenOver: fileId => { this.holder.takenOver(fileId) },
      damaged
    })
    // discovery is built below; asked only when a file shared in place changed
    this.health = new ContentHealth({ store: this.store, index: this.index, discovery: { withdraw: async id => this.discovery.withdraw(id) }, transfers: this.transfers, log })
    this.collections = new CollectionStore(datastore, this.quarantine)
    this.collectionDownloads = createCollectionDownloads(downloads, { collections: this.collections, transfers: this.transfers, offeredName: async id => this.discovery.offeredName(id) }, { damaged })
    this.thumbnails = new Thumbnails({ store: this.store, scratchDir: paths.root, chunkSize: config.chunkSize, collections: this.collections, index: this.index, log: logger('peershare:node:thumbnails') })
    this.exchange = new ExchangeServer({
      libp2p,
      files: servableFiles(this.store, { authorise: (record, peer) => this.access.authorise(record, peer), servesDownload: async fileId => (await this.downloadVisibility(fileId)) === 'public' }, this.transfers, {
        unservable: record => { void this.health.check(record) },
        damaged: (record, index) => { void this.health.markDamaged(record.fileId, index) },
        partialDamaged: (fileId, index) => { this.transfers.chunkDamaged(fileId, index) }
      }),
      bandwidth: this.bandwidth,
      limits: config.exchange,
      log: logger('peershare:node:exchange'),
      events: this.metrics
    })
    this.swarm = new Swarm({ libp2p, ping: libp2p.services.ping, identify: libp2p.services.identify, dhts: this.dhts, log: logger('peershare:node:swarm') }, config)
    this.discovery = new Discovery({
      libp2p,
      datastore,
      quarantine: this.quarantine,
      catalog: parts.catalog,
      scores: parts.scores,
      privateKey: given.privateKey,
      settings: config,
      findProviders: (contentId, signal) => this.providers(contentId, { timeout: config.lookupTimeout, signal }),
      fetchSmallFile: async (fileId, options) => fetchSmallFile({
        stored: async id => (await this.store.get(id))?.record,
        contentPath: record => this.store.contentPath(record),
        downloading: id => this.transfers.get(id) != null,
        download: async (id, startOptions) => this.download(id, startOptions)
      }, fileId, options),
      mayShowOffer: (offer, peer) => this.access.mayShowOffer(offer, peer)
    })
    this.keys = new KeyGrants({
      libp2p,
      privateKey: given.privateKey,
      datastore,
      quarantine: this.quarantine,
      fileKeys: this.fileKeys,
      files: this.store,
      // until the saved downloads are restored, any file may be one of them
      downloading: fileId => !this.transfersRestored || this.transfers.get(fileId) != null,
      keepsKeysOf: sender => this.contacts.isContact(sender),
      settings: config.keys,
      dialTimeout: config.dialTimeout,
      log: logger('peershare:node:keys')
    })
    const { store, collections, index, discovery, thumbnails, transfers, health } = this
    this.content = new LocalContent({
      store, collections, index, discovery, thumbnails, transfers, health, chunkSize: config.chunkSize, collectionConcurrency: config.collectionConcurrency,
      fileKeys: this.fileKeys,
      grantKeys: async (record, recipients) => { await this.keys.grant(record.fileId, recipients, { background: true }) },
      resolvePeer: nameOrPeerId => this.contacts.named(nameOrPeerId)?.toString() ?? nameOrPeerId
    })
    this.replicationParts = createReplication({
      libp2p,
      datastore,
      quarantine: this.quarantine,
      privateKey: given.privateKey,
      config,
      store: this.store,
      contacts: this.contacts,
      exchange: this.exchangeClient,
      findProviders: (fileId, signal) => this.index.findProviders(parseContentRef(fileId), signal),
      canLookup: () => this.dhts.some(d => d.routingTableSize() > 0),
      hold: async (fileId, peer, size, signal) => this.hold(fileId, { from: peer, onlyFrom: true, size, signal }),
      remove: async fileId => this.content.removeFile(fileId),
      discard: async fileId => this.transfers.discard(fileId),
      userDownloads: fileId => this.transfers.get(fileId)?.fixedSources === false
    })
    this.membership = this.replicationParts.membership
    this.replicaRequests = this.replicationParts.replicaRequests
    this.holder = this.replicationParts.holder
    this.storageOffers = this.replicationParts.storageOffers
    this.keeper = this.replicationParts.keeper
    this.metrics?.observe(nodeSources(this))
  }

  /**
   * Opens the repo (creating it on first use) and builds a node; call start() next.
   * Settings: `init` over `<repo>/config.json` over DEFAULTS; bootstrap peers are
   * joined from the file, PEERSHARE_BOOTSTRAP and `init`. `fallback` sits under the
   * file: defaults of the program embedding the node (the daemon turns mDNS on).
   */
  static async create (init: NodeInit = {}, fallback: NodeInit = {}): Promise<PeershareNode> {
    const repo = init.repo ?? defaultRepoPath()
    const config = resolveConfig({ ...mergeInit({ ...fallback, ...(await readConfigFile(repo)) }, init), repo })
    return PeershareNode.compose(config, await nodeParts(config))
  }

  /**
   * Builds a node from parts given from outside (compose/index.ts: datastore, blob store,
   * key, libp2p factory) and a resolved config; call start() next. `config.repo` is the
   * folder of the node's own files (created when missing). The node releases the parts
   * when it stops, or here when building fails.
   */
  static async compose (config: NodeConfig, parts: NodeParts): Promise<PeershareNode> {
    const { datastore, privateKey } = parts
    const paths = repoPaths(config.repo)
    let metrics: NodeMetrics | undefined
    try {
      await mkdir(paths.root, { recursive: true, mode: PRIVATE_DIR_MODE })
      const quarantine = new Quarantine(datastore, logger('peershare:node:records'))
      const catalog = await CatalogStore.open({
        datastore,
        quarantine,
        limits: config.catalog,
        self: peerIdFromPrivateKey(privateKey).toString(),
        log: logger('peershare:node:catalog')
      })
      const scores = new AppScores()
      metrics = await createNodeMetrics(config.metrics, paths.root)
      const libp2p = await parts.createLibp2p({ privateKey, datastore, config, appScore: scores.score, metrics: metrics?.libp2p })
      keepPeerRecordsWhole(libp2p.peerStore)
      skipKnownProtocolMerges(libp2p.peerStore, libp2p)
      metrics?.countValidations(libp2p.services.pubsub)
      return new PeershareNode(config, paths, parts, libp2p, { quarantine, catalog, scores, metrics })
    } catch (err) {
      metrics?.release()
      await parts.release?.()
      throw err
    }
  }

  get peerId (): PeerId {
    return this.libp2p.peerId
  }

  get addresses (): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  // the discovery composition's parts, as tests, bench and the control API reach them
  get catalog (): CatalogStore { return this.discovery.catalog }
  get announcements (): Discovery['announcements'] { return this.discovery.announcements }
  get catalogSync (): Discovery['catalogSync'] { return this.discovery.catalogSync }
  get remoteSearch (): Discovery['remoteSearch'] { return this.discovery.remoteSearch }
  get searchService (): Discovery['searchService'] { return this.discovery.searchService }
  get queryAnswerer (): QueryAnswerer { return this.discovery.queryAnswerer }
  set queryAnswerer (answerer: QueryAnswerer) { this.discovery.queryAnswerer = answerer }

  async start (): Promise<void> {
    // every chunk served is read and checked on the hash thread, every download hashed there:
    // started now, so a node's first upload does not wait for a thread to start (0.3 s on a busy machine)
    hashThread.warm()
    // one clear line for a busy port, before libp2p (and node-datachannel) fail at length
    await checkListenPorts(this.config.listen, join(this.paths.root, CONFIG_FILE))
    // libp2p's peer store throws on the first record it cannot decode, wherever it lists them
    await checkPeerRecords(this.datastore, this.libp2p.peerStore, this.quarantine)
    try {
      await this.libp2p.start()
    } catch (err: any) {
      // libp2p's message for this spans lines and names its own settings
      if (err?.name !== 'UnsupportedListenAddressesError') throw err
      throw new ConfigError(`Cannot listen on ${this.config.listen.join(' ')}: no transport of the node takes one of them (check --listen, or "listen" in ${join(this.paths.root, CONFIG_FILE)})`)
    }
    // before anything is served: until then nobody is a contact
    await this.contacts.load()
    await this.exchange.start()
    await this.discovery.startServing()
    await this.keys.start()
    await this.transfers.restore()
    this.transfersRestored = true
    this.libp2p.addEventListener('peer:connect', this.wakeTransfers)
    this.libp2p.addEventListener('connection:open', this.connectionOpened)
    await this.collectionDownloads.restore()
    // after the downloads: a replica fetch under way resumes its own download
    await this.holder.start()
    this.storageOffers.start()
    this.libp2p.addEventListener('peer:connect', this.replicationPeerConnected)
    this.libp2p.addEventListener('peer:disconnect', this.noteDisconnect)
    this.swarm.start()
    await this.discovery.startSearch()
    // provide everything again (records may have lapsed while we were offline), but not files changed on disk meanwhile
    for (const record of await this.collections.list()) this.index.announceCollection(parseCollectionId(record.collectionId))
    const changed: FileRecord[] = []
    for (const record of await this.store.list()) {
      const later = await this.health.checkAtStart(record)
      if (later != null) changed.push(record)
    }
    await this.keeper.replicator.start()
    // hashed again in the background: a start does not wait on reading whole files
    void this.health.recheckChanged(changed)
    log('started %p listening on %s', this.peerId, this.addresses.map(a => a.toString()).join(', '))
  }

  /**
   * Stops every service, newest first. Safe after a start that failed part-way: each
   * step runs even when an earlier one fails, so libp2p and the datastore (its lock)
   * are always released; the first failure is thrown at the end.
   */
  async stop (): Promise<void> {
    await stopAll([
      () => { this.discovery.stopSearch() },
      () => { this.libp2p.removeEventListener('peer:connect', this.replicationPeerConnected) },
      () => { this.keeper.replicator.stop() },
      () => { this.libp2p.removeEventListener('peer:connect', this.wakeTransfers) },
      () => { this.libp2p.removeEventListener('connection:open', this.connectionOpened) },
      () => { this.collectionDownloads.stop() },
      () => { this.libp2p.removeEventListener('peer:disconnect', this.noteDisconnect) },
      () => { this.storageOffers.stop() },
      async () => this.holder.stop(),
      async () => this.transfers.stop(),
      async () => this.index.stop(),
      () => { this.swarm.stop() },
      async () => this.discovery.stopServing(),
      async () => this.keys.stop(),
      async () => this.exchange.stop(),
      async () => this.libp2p.stop(),
      () => { this.metrics?.release() },
      async () => this.releaseParts()
    ])
  }

  /** What a download of `fileId` is served as: private when an offer held says contacts-only (access/) */
  private async downloadVisibility (fileId: string): Promise<FileVisibility> {
    return downloadedVisibility((await this.discovery.catalog.offersOf(fileId)).map(e => e.signed.offer))
  }

  /**
   * A peer connected: uptime as this node observes it (replication's Membership), and
   * it may be a holder to recruit, so files short of min look again (debounced)
   */
  private readonly replicationPeerConnected = (event: CustomEvent<PeerId>): void => { this.replicationParts.peerConnected(event.detail) }

  private readonly noteDisconnect = (event: CustomEvent<PeerId>): void => { this.replicationParts.peerDisconnected(event.detail) }

  /** a peer that connects may be a source come back: stalled downloads look again */
  private readonly wakeTransfers = (): void => { this.transfers.wake() }
  // a hole punched (DCUtR) or a direct dial: downloads going through a relay move to it
  private readonly connectionOpened = (evt: CustomEvent<Connection>): void => { this.transfers.connectionOpened(evt.detail) }

  /** Shares a local file: hashes and stores it, announces it; returns its record (with the file id) */
  async share (path: string, options: ShareOptions = {}): Promise<FileRecord> {
    const asked = options.replicas
    // replicas asked for a file that may not have them: refused before anything is shared
    const problem = asked == null ? undefined : replicationProblem({ fileId: path, visibility: options.visibility, ...(options.to != null ? { ciphertext: true } : {}) }, asked)
    if (problem != null) throw new BadRequestError(problem)
    const record = await this.content.share(path, options)
    const policy = asked ?? this.config.replication.shareDefault
    if (policy.min === 0 && record.replication == null) return record
    // the configured default applies to the files that may be replicated
    if (asked == null && replicationProblem(record, policy) != null) return record
    return (await this.keeper.setPolicy(record.fileId, policy)).record
  }

  /** Sets how many peers keep a file this node shares alive (id or unique prefix); min 0: local only */
  async replicate (ref: string, policy?: ReplicationPolicy): Promise<{ record: FileRecord, status?: FileReplication }> {
    const id = await this.localContentId(ref)
    return this.keeper.setPolicy(id, policy ?? this.config.replication.replicas, { wait: true })
  }

  /** The replication of a file this node shares or holds (id or unique prefix); undefined when it has no policy */
  async replication (ref: string): Promise<FileReplication | undefined> {
    return this.keeper.status(await this.localContentId(ref))
  }

  /**
   * Shares a folder, or several files and folders, as one collection: every file is
   * shared as usual and the listing is stored and provided under the collection id.
   */
  async shareCollection (paths: string[], options: ShareOptions = {}): Promise<SharedCollection> {
    return this.content.shareCollection(paths, options)
  }

  /** Collections this node shares or downloaded */
  async listCollections (): Promise<CollectionRecord[]> {
    return this.collections.list()
  }

  /** Starts downloading a collection into a directory, or returns its download under way */
  downloadCollection (collectionId: string | CollectionId, options: CollectionDownloadOptions = {}): CollectionDownload {
    return this.collectionDownloads.start(typeof collectionId === 'string' ? parseCollectionId(collectionId) : collectionId, options)
  }

  /** Downloads a collection and waits until every file is verified in place */
  async getCollection (collectionId: string | CollectionId, options: GetCollectionOptions = {}): Promise<CollectionRecord> {
    const download = this.downloadCollection(collectionId, options)
    const unsubscribe = options.onProgress == null ? undefined : download.onProgress(options.onProgress)
    try {
      return await download.done()
    } finally {
      unsubscribe?.()
    }
  }

  /** Files this node has (shared or downloaded) */
  async list (): Promise<FileRecord[]> {
    return this.store.list()
  }

  /** Files this node has, each checked on disk: one changed or gone is withdrawn from the DHT */
  async files (): Promise<LocalFile[]> {
    return Promise.all((await this.store.list()).map(async record => ({ record, ...await this.health.check(record) })))
  }

  /**
   * Hashes every chunk of the stored files (or of one, by id or unique prefix): a file
   * with a chunk failing is marked damaged, withdrawn and repaired when shared; one
   * marked damaged that hashes clean again (put back by hand) is served again.
   */
  async verify (ref?: string): Promise<VerifiedFile[]> {
    return this.health.verify(ref == null ? (await this.store.list()).map(r => r.fileId) : [await this.localContentId(ref)])
  }

  /**
   * A ticket for a local file (by file id or unique prefix): its id, name, size and
   * the addresses others can dial us at now
   */
  async ticket (ref: string): Promise<{ ticket: string, id: string, name: string, size: number }> {
    const id = await this.localContentId(ref)
    const parsed = parseContentRef(id)
    if (parsed.kind === 'collection') {
      const record = await this.collections.get(id)
      if (record == null) throw new FileNotFoundError(`Not a local collection: ${id}`)
      const content = { id: parsed.collectionId, name: record.name, size: record.size }
      return { ticket: createTicket(content, this.peerId, this.addresses), id, name: record.name, size: record.size }
    }
    const stored = await this.store.get(id)
    if (stored == null) throw new FileNotFoundError(`Not a local file: ${id}`)
    const { record } = stored
    return { ticket: this.ticketFor(record), id, name: record.metadata.name, size: record.size }
  }

  /** A ticket for a file this node has */
  ticketFor (record: FileRecord): string {
    return createTicket({ id: parseFileId(record.fileId), name: record.metadata.name, size: record.size }, this.peerId, this.addresses)
  }

  /** A ticket for a collection this node has */
  collectionTicketFor (record: CollectionRecord): string {
    return createTicket({ id: parseCollectionId(record.collectionId), name: record.name, size: record.size }, this.peerId, this.addresses)
  }

  /**
   * Starts downloading a file (by file id, SHA-256 or ticket) in the node, or returns
   * the download of that file already under way. The first source is `options.from`,
   * the ticket's peer, or a DHT provider; more join as they are found.
   */
  async download (ref: string | FileRef, options: StartOptions = {}): Promise<Transfer> {
    if (typeof ref === 'string' && isTicket(ref)) {
      const opened = await this.openTicket(ref, options)
      return this.download(opened.id, opened.options)
    }
    const fileRef = typeof ref === 'string' ? parseFileRef(ref) : ref
    return this.transfers.start(fileRef, await this.namedFromCatalog(fileRef, this.withGrantSenders(fileRef, options)))
  }

  /** A file granted to this node: its senders are sources to try from the start */
  private withGrantSenders (ref: FileRef, options: StartOptions): StartOptions {
    if (ref.kind !== 'file-id' || options.onlyFrom === true) return options
    const senders = this.keys.sendersOf(ref.fileId.toString())
    return senders.length === 0 ? options : { ...options, peers: [...new Set([...(options.peers ?? []), ...senders])] }
  }

  /**
   * Without an output name (none given, no ticket), a download takes the name of the
   * signed offer the catalog holds for the file, not whatever its first source sends
   */
  private async namedFromCatalog (ref: FileRef, options: StartOptions): Promise<StartOptions> {
    if (options.output != null || options.offeredName != null || options.stream === true || options.repair === true || options.hold === true || ref.kind !== 'file-id') return options
    const name = await this.discovery.offeredName(ref.fileId.toString())
    return name == null ? options : { ...options, offeredName: name }
  }

  /** What a ticket means for a download (tickets.ts `openTicket`): the content id as text, and the options with the sharer as a source */
  async openTicket (text: string, options: StartOptions = {}): Promise<{ id: string, options: StartOptions }> {
    return openTicket(this.libp2p, text, options)
  }

  /**
   * The full file id of a download named by its id or a unique prefix; one that names no
   * download but a local file is that file's (its download is finished: said as such)
   */
  async transferId (prefix: string): Promise<string> {
    try {
      return resolvePrefix(prefix, this.transfers.list().map(t => t.fileId), 'download', isFileId)
    } catch (err: any) {
      if (err?.name !== 'FileNotFoundError') throw err
      return await this.localContentId(prefix).catch(() => { throw err })
    }
  }

  /** The full id of a local file or collection named by its id or a unique prefix */
  async localContentId (prefix: string): Promise<string> {
    const ids = [...(await this.store.list()).map(r => r.fileId), ...(await this.collections.list()).map(r => r.collectionId)]
    return resolvePrefix(prefix, ids, 'local file', isFileId)
  }

  /**
   * Downloads a file and waits for it: verified, in place, and provided by this node.
   * Aborting `options.signal` cancels the download, unless another `get` waits for it too
   * (this one then ends with AbortedError and the download goes on for the other; a copy
   * it asked for elsewhere is still placed, as for a daemon's `get` whose client left), or
   * it is a replica fetch a user's download took over (it goes on as theirs).
   */
  async get (ref: string | FileRef, options: GetOptions = {}): Promise<FileRecord> {
    // joined a download going elsewhere: this get ends once its own copy is in place too
    let copy: Promise<string> | undefined
    const transfer = await this.download(ref, { ...options, copied: placed => { copy = placed } })
    return this.getWaits.wait(transfer, options, () => copy)
  }

  /**
   * Downloads a file into the repo and serves it, never decrypting it: an encrypted
   * file's ciphertext is held without its key (learning neither its name nor its
   * plaintext hash), as replicas do. Resolves with the stored record.
   */
  async hold (ref: string | FileRef, options: Omit<GetOptions, 'hold' | 'output' | 'stream'> = {}): Promise<FileRecord> {
    return this.get(ref, { ...options, hold: true })
  }

  /**
   * Providers of a file or collection, as the DHTs find them. For a SHA-256, each
   * provider is asked for the manifest by that hash, which is verified, to learn the file id.
   */
  async * providers (ref: string | ContentRef, options: { timeout?: number, signal?: AbortSignal } = {}): AsyncGenerator<ProviderEntry> {
    const { lookupTimeout, dialTimeout, exchange } = this.config
    const parsed = typeof ref === 'string' ? parseContentRef(ref) : ref
    for await (const provider of lookupProviders({ index: this.index, exchange: this.exchangeClient, lookupTimeout, resolveTimeout: dialTimeout + exchange.requestTimeout, log }, parsed, options)) {
      // availability in search: a peer seen providing it
      const id = provider.fileId ?? (parsed.kind === 'file-id' ? parsed.fileId.toString() : parsed.kind === 'collection' ? parsed.collectionId.toString() : undefined)
      if (id != null) this.discovery.sawProvider(id, provider.peerId)
      yield provider
    }
  }

  /** Forgets a file or collection this node shares or downloaded (by id or unique prefix), and stops providing it; returns its id */
  async remove (text: string): Promise<string> {
    const id = await this.localContentId(text)
    const ref = parseContentRef(id)
    if (ref.kind === 'collection') await this.content.removeCollection(ref.collectionId)
    else if (this.holder.holds(id)) await this.holder.drop(id)
    else await this.content.removeFile(id)
    return id
  }

  /**
   * Changes who a local file (by id or unique prefix) is served to: public, contacts or
   * private. Takes effect at once for serving (every request is checked), the DHTs and
   * the file's offer (access/)
   */
  async setVisibility (ref: string, visibility: FileVisibility): Promise<FileRecord> {
    const id = await this.localContentId(ref)
    if (parseContentRef(id).kind === 'collection') throw new BadRequestError('Collections are public: visibility applies to files')
    await this.keeper.checkVisibility(id, visibility)
    return this.content.setVisibility(id, visibility)
  }

  /** Changes bandwidth limits now; saves them into `<repo>/config.json` unless `temporary` */
  async setLimits (update: Partial<BandwidthLimits>, options: { temporary?: boolean } = {}): Promise<BandwidthLimits> {
    this.bandwidth.setLimits(update)
    if (options.temporary !== true) {
      await saveLimits(this.config.repo, update).catch((err: Error) => {
        throw new RepoError(`Limits changed until the daemon stops, but not saved: ${err.message}`)
      })
    }
    return this.bandwidth.limits()
  }

  /** Connected peers with addresses and latency */
  async peers (signal?: AbortSignal): Promise<PeerEntry[]> {
    return this.swarm.peers(signal)
  }

  /** Dials a peer by multiaddr */
  async connect (addr: Multiaddr, signal?: AbortSignal): Promise<PeerId> {
    return this.swarm.connect(addr, signal)
  }

  async status (): Promise<NodeStatus> {
    return nodeStatus(this)
  }

  /** The storage this node offers to other peers' replicas and what it holds */
  replicationStatus (): ReplicationStatus {
    const { usedBytes, quotaBytes } = this.holder.usage()
    return { quotaBytes, usedBytes, replicas: this.holder.list().length, offersKnown: this.membership.offers().length }
  }

  // --- search, browse, show (search/) ---

  /**
   * Searches: the local results at once, then, unless `local`, the merged list again
   * after each peer's answer (verified and cached in the catalog, re-ranked here),
   * then `done` with the peers asked and answered
   */
  async * search (query: SearchQuery & { local?: boolean }, options: { signal?: AbortSignal } = {}): AsyncGenerator<SearchUpdate> {
    const updates = this.discovery.search(this.authorResolved(query), options)
    yield * (this.metrics == null ? updates : timedSearch(updates, this.metrics, query.local === true))
  }

  /** A page of the catalog by category, author and sort; per-category counts without a category */
  async browse (query: BrowseQuery = {}): Promise<BrowseResult> {
    return this.discovery.browse(this.authorResolved(query))
  }

  /** An author named as everywhere a peer is: a contact's name or a peer id (else ContactNotFoundError, not "no offers") */
  private authorResolved<Q extends { author?: string }> (query: Q): Q {
    return query.author == null ? query : { ...query, author: this.contacts.resolve(query.author).toString() }
  }

  /** `show`: every author's offer of a content id (or unique prefix), its thumbnail on disk, providers found */
  async offerInfo (contentId: string, options: { signal?: AbortSignal } = {}): Promise<OfferDetail> {
    return this.discovery.offerInfo(contentId, options)
  }
}

/** What `compose` builds before the node: the catalog is read before libp2p starts validating offers */
interface BuiltParts {
  quarantine: Quarantine
  catalog: CatalogStore
  scores: AppScores
  metrics: NodeMetrics | undefined
}

function isFileId (text: string): boolean {
  try {
    parseFileId(text)
    return true
  } catch {
    return false
  }
}
