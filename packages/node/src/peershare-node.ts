/**
 * The composition root: builds every service from the config and wires them
 * explicitly. Start order: repo, identity, datastore, libp2p, exchange server,
 * downloads restored, swarm, announcements; stop reverses it.
 */
import type { PeerId } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type CollectionId, type ContentRef, type FileRef, collectionDigest, parseCollectionId, parseContentRef, parseFileId, parseFileRef } from '@peershare/protocol'
import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { LevelDatastore } from 'datastore-level'
import { type NodeConfig, type NodeInit, defaultRepoPath, resolveConfig } from './config.js'
import { mergeInit, readConfigFile } from './config-file.js'
import { openSource } from './download/open-source.js'
import type { Transfer, TransferProgress } from './download/transfer.js'
import { type StartOptions, TransferManager } from './download/transfer-manager.js'
import { TransferStore } from './download/transfer-store.js'
import {
  type CollectionDownload,
  type CollectionDownloadOptions,
  CollectionDownloads,
  type CollectionProgress,
  type CollectionRecord,
  CollectionStore,
  type SharedCollection,
  shareCollection
} from './collection/index.js'
import { FileNotFoundError } from './errors.js'
import { ExchangeServer } from './exchange/exchange-server.js'
import { FetchSession, type FetchSessionComponents } from './exchange/fetch-session.js'
import { servableFiles } from './exchange/servable.js'
import { FileIndex } from './index/file-index.js'
import { createPeershareLibp2p, type PeershareLibp2p } from './libp2p.js'
import { Bandwidth } from './limits/bandwidth.js'
import { initRepo, loadIdentity, type RepoPaths } from './repo.js'
import { type ShareOptions, shareFile } from './share.js'
import { withTimeout } from './signals.js'
import type { FileRecord } from './store/file-record.js'
import { FileStore } from './store/file-store.js'
import { type NodeStatus, nodeStatus } from './status.js'
import { type PeerEntry, Swarm } from './swarm/swarm.js'

const log = logger('peershare:node')

export interface GetOptions extends StartOptions {
  /** progress of the download, a few times a second */
  onProgress?(progress: TransferProgress): void
}

export interface GetCollectionOptions extends CollectionDownloadOptions {
  /** progress of the whole collection, a few times a second */
  onProgress?(progress: CollectionProgress): void
}

/** A provider found for a file; `fileId` is set when a lookup by SHA-256 was resolved */
export interface ProviderEntry {
  peerId: string
  addresses: string[]
  fileId?: string
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
  readonly collections: CollectionStore
  readonly collectionDownloads: CollectionDownloads
  private readonly datastore: LevelDatastore
  /** what opening a session with a provider needs */
  private readonly exchangeClient: FetchSessionComponents

  private constructor (config: NodeConfig, paths: RepoPaths, datastore: LevelDatastore, libp2p: PeershareLibp2p) {
    this.config = config
    this.paths = paths
    this.datastore = datastore
    this.libp2p = libp2p
    this.store = new FileStore({ datastore, blobDir: paths.blobs })
    this.exchangeClient = { libp2p, limits: config.exchange, dialTimeout: config.dialTimeout }
    this.index = new FileIndex({ dht: libp2p.services.dht, peerStore: libp2p.peerStore, peerId: libp2p.peerId, log: logger('peershare:node:index'), concurrency: config.provide.concurrency })
    this.bandwidth = new Bandwidth(config.limits)
    this.transfers = this.createTransferManager()
    this.collections = new CollectionStore(datastore)
    this.collectionDownloads = this.createCollectionDownloads()
    this.exchange = new ExchangeServer({
      libp2p,
      files: servableFiles(this.store, this.transfers),
      bandwidth: this.bandwidth,
      limits: config.exchange,
      log: logger('peershare:node:exchange')
    })
    this.swarm = new Swarm({ libp2p, ping: libp2p.services.ping, dht: libp2p.services.dht, log: logger('peershare:node:swarm') }, config)
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
    const paths = await initRepo(config.repo)
    const privateKey = await loadIdentity(paths)
    const datastore = new LevelDatastore(paths.datastore)
    await datastore.open()
    try {
      const libp2p = await createPeershareLibp2p({ privateKey, datastore, config })
      return new PeershareNode(config, paths, datastore, libp2p)
    } catch (err) {
      await datastore.close()
      throw err
    }
  }

  get peerId (): PeerId {
    return this.libp2p.peerId
  }

  get addresses (): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  async start (): Promise<void> {
    await this.libp2p.start()
    await this.exchange.start()
    await this.transfers.restore()
    await this.collectionDownloads.restore()
    this.swarm.start()
    // provide everything again: records may have lapsed while we were offline
    for (const record of await this.collections.list()) this.index.announceCollection(parseCollectionId(record.collectionId))
    for (const record of await this.store.list()) this.index.announce(record)
    log('started %p listening on %s', this.peerId, this.addresses.map(a => a.toString()).join(', '))
  }

  async stop (): Promise<void> {
    this.collectionDownloads.stop()
    await this.transfers.stop()
    await this.index.stop()
    this.swarm.stop()
    await this.exchange.stop()
    await this.libp2p.stop()
    await this.datastore.close()
  }

  /** Shares a local file: hashes and stores it, announces it; returns its record (with the file id) */
  async share (path: string, options: ShareOptions = {}): Promise<FileRecord> {
    const record = await shareFile({ store: this.store, blobDir: this.paths.blobs, chunkSize: this.config.chunkSize }, path, options)
    this.index.announce(record)
    return record
  }

  /**
   * Shares a folder, or several files and folders, as one collection: every file is
   * shared as usual and the listing is stored and provided under the collection id.
   */
  async shareCollection (paths: string[], options: ShareOptions = {}): Promise<SharedCollection> {
    const shared = await shareCollection({
      store: this.store,
      blobDir: this.paths.blobs,
      chunkSize: this.config.chunkSize,
      collections: this.collections,
      concurrency: this.config.collectionConcurrency
    }, paths, options)
    // the collection first: announcements queue, and its files may be thousands
    this.index.announceCollection(parseCollectionId(shared.record.collectionId))
    this.index.announce(shared.listing)
    for (const file of shared.files) this.index.announce(file)
    return shared
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

  /** Files this node can serve */
  async list (): Promise<FileRecord[]> {
    return this.store.list()
  }

  /**
   * Starts downloading a file (by file id or SHA-256) in the node, or returns the
   * download of that file already under way. The first source is `options.from` or
   * a DHT provider; more join as they are found.
   */
  async download (ref: string | FileRef, options: StartOptions = {}): Promise<Transfer> {
    return this.transfers.start(typeof ref === 'string' ? parseFileRef(ref) : ref, options)
  }

  /**
   * Downloads a file and waits for it: verified, in place, and provided by this node.
   * Aborting `options.signal` cancels the download.
   */
  async get (ref: string | FileRef, options: GetOptions = {}): Promise<FileRecord> {
    const transfer = await this.download(ref, options)
    const unsubscribe = options.onProgress == null ? undefined : transfer.onProgress(options.onProgress)
    const onAbort = (): void => { void transfer.cancel() }
    options.signal?.addEventListener('abort', onAbort)
    try {
      return await transfer.done()
    } finally {
      unsubscribe?.()
      options.signal?.removeEventListener('abort', onAbort)
    }
  }

  /**
   * Providers of a file, as the DHT finds them. For a SHA-256, each provider is asked
   * for the manifest by that hash, which is verified, to learn the file id.
   */
  async * providers (ref: string | ContentRef, options: { timeout?: number, signal?: AbortSignal } = {}): AsyncGenerator<ProviderEntry> {
    const fileRef = typeof ref === 'string' ? parseContentRef(ref) : ref
    const signal = withTimeout(options.timeout ?? this.config.lookupTimeout, options.signal)
    try {
      for await (const peer of this.index.findProviders(fileRef, signal)) {
        const entry: ProviderEntry = { peerId: peer.id.toString(), addresses: peer.multiaddrs.map(a => a.toString()) }
        if (fileRef.kind === 'sha256') {
          // resolving gets its own time: a provider found late in the lookup still counts
          entry.fileId = await this.resolveFileId(peer.id, fileRef, withTimeout(this.config.dialTimeout + this.config.exchange.requestTimeout, options.signal))
        }
        yield entry
      }
    } catch (err) {
      if (!signal.aborted || options.signal?.aborted === true) throw err
    }
  }

  /** Forgets a file this node shares or downloaded, and stops providing it */
  async remove (fileId: string): Promise<void> {
    const ref = parseContentRef(fileId)
    if (ref.kind === 'collection') return this.removeCollection(ref.collectionId)
    const stored = await this.store.get(fileId)
    if (stored == null) throw new FileNotFoundError(`Not a local file: ${fileId}`)
    await this.index.withdraw(stored.record)
    await this.store.remove(fileId)
  }

  /** Forgets a collection (its listing too) and stops providing it; its files stay shared */
  private async removeCollection (collectionId: CollectionId): Promise<void> {
    const record = await this.collections.get(collectionId.toString())
    if (record == null) throw new FileNotFoundError(`Not a local collection: ${collectionId.toString()}`)
    await this.index.withdrawCollection(collectionId)
    await this.collections.remove(record.collectionId)
    const listing = await this.store.get(record.listingFileId)
    if (listing != null) {
      await this.index.withdraw(listing.record)
      await this.store.remove(record.listingFileId)
    }
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

  private createTransferManager (): TransferManager {
    const exchange = this.exchangeClient
    return new TransferManager({
      transfers: new TransferStore(this.datastore),
      settings: this.config.transfer,
      log: logger('peershare:node:transfer'),
      openFirst: async (ref, options) => openSource({ exchange, index: this.index }, ref, { ...options, lookupTimeout: this.config.lookupTimeout }),
      finder: {
        open: async (target, ref, signal) => FetchSession.open(exchange, parseTarget(target), ref, signal),
        providers: (fileId, signal) => this.providerIds(fileId, signal)
      },
      takeDownload: async (bytes, priority, signal) => this.bandwidth.download(bytes, { priority, signal }),
      completed: async (record, manifestBytes) => {
        await this.store.put(record, manifestBytes)
        this.index.announce(record)
      }
    })
  }

  private createCollectionDownloads (): CollectionDownloads {
    const exchange = this.exchangeClient
    return new CollectionDownloads({
      store: this.store,
      collections: this.collections,
      transfers: this.transfers,
      listingStore: { store: this.store, blobDir: this.paths.blobs, chunkSize: this.config.chunkSize },
      listing: {
        store: this.store,
        // the listing is a file named by its SHA-256; its providers are found under the collection id
        openListing: async (collectionId, { from, peers, signal }) => {
          const ref = { kind: 'sha256' as const, sha256: collectionDigest(collectionId) }
          for (const peer of from == null ? peers ?? [] : []) {
            try {
              return await FetchSession.open(exchange, parseTarget(peer), ref, signal)
            } catch (err: any) {
              if (signal?.aborted === true) throw err
              log('listing from %s: %s', peer, err.message)
            }
          }
          const index = { findProviders: (_: FileRef, s?: AbortSignal) => this.index.findProviders({ kind: 'collection', collectionId }, s) }
          return openSource({ exchange, index }, ref, { from, signal, lookupTimeout: this.config.lookupTimeout })
        }
      },
      announce: (collectionId) => { this.index.announceCollection(collectionId) },
      concurrency: this.config.collectionConcurrency
    })
  }

  /** Provider peer ids of a file from the DHT */
  private async * providerIds (fileId: string, signal: AbortSignal): AsyncGenerator<string> {
    for await (const peer of this.index.findProviders({ kind: 'file-id', fileId: parseFileId(fileId) }, signal)) {
      yield peer.id.toString()
    }
  }

  /** The verified file id a provider serves for a SHA-256, or undefined if it does not */
  private async resolveFileId (peer: PeerId, ref: FileRef, signal: AbortSignal): Promise<string | undefined> {
    try {
      const session = await FetchSession.open(this.exchangeClient, peer, ref, signal)
      await session.complete()
      return session.fileId.toString()
    } catch (err: any) {
      log('resolving %s at %p failed: %s', 'sha256', peer, err.message)
      return undefined
    }
  }
}

/** A source as text: a multiaddr (with /p2p/) or a bare peer id */
function parseTarget (target: string): PeerId | Multiaddr {
  return target.startsWith('/') ? multiaddr(target) : peerIdFromString(target)
}
