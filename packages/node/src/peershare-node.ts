/**
 * The composition root: builds every service from the config and wires them
 * explicitly. Start order: repo, identity, datastore, libp2p, exchange server;
 * stop reverses it.
 */
import type { PeerId } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import type { Multiaddr } from '@multiformats/multiaddr'
import { type FileRef, parseFileRef } from '@peershare/protocol'
import { LevelDatastore } from 'datastore-level'
import { type NodeConfig, type NodeInit, resolveConfig } from './config.js'
import { type DownloadOptions, downloadFile } from './download/download-file.js'
import { FileNotFoundError } from './errors.js'
import { ExchangeServer } from './exchange/exchange-server.js'
import { FetchSession } from './exchange/fetch-session.js'
import { createPeershareLibp2p, type PeershareLibp2p } from './libp2p.js'
import { initRepo, loadIdentity, type RepoPaths } from './repo.js'
import { type ShareOptions, shareFile } from './share.js'
import type { FileRecord } from './store/file-record.js'
import { FileStore } from './store/file-store.js'

const log = logger('peershare:node')

export type GetOptions = Omit<DownloadOptions, 'from'> & { from: PeerId | Multiaddr }

export class PeershareNode {
  readonly config: NodeConfig
  readonly libp2p: PeershareLibp2p
  readonly store: FileStore
  readonly paths: RepoPaths
  readonly exchange: ExchangeServer
  private readonly datastore: LevelDatastore

  private constructor (config: NodeConfig, paths: RepoPaths, datastore: LevelDatastore, libp2p: PeershareLibp2p) {
    this.config = config
    this.paths = paths
    this.datastore = datastore
    this.libp2p = libp2p
    this.store = new FileStore({ datastore, blobDir: paths.blobs })
    this.exchange = new ExchangeServer({ libp2p, store: this.store, limits: config.exchange, log: logger('peershare:node:exchange') })
  }

  /** Opens the repo (creating it on first use) and builds a node; call start() next */
  static async create (init: NodeInit = {}): Promise<PeershareNode> {
    const config = resolveConfig(init)
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
    log('started %p listening on %s', this.peerId, this.addresses.map(a => a.toString()).join(', '))
  }

  async stop (): Promise<void> {
    await this.exchange.stop()
    await this.libp2p.stop()
    await this.datastore.close()
  }

  /** Shares a local file: hashes and stores it; returns its record (with the file id) */
  async share (path: string, options: ShareOptions = {}): Promise<FileRecord> {
    return shareFile({ store: this.store, blobDir: this.paths.blobs, chunkSize: this.config.chunkSize }, path, options)
  }

  /** Files this node can serve */
  async list (): Promise<FileRecord[]> {
    return this.store.list()
  }

  /** Downloads a file (by file id or SHA-256, text or parsed) and verifies it */
  async get (ref: string | FileRef, options: GetOptions): Promise<FileRecord> {
    const fileRef = typeof ref === 'string' ? parseFileRef(ref) : ref
    return downloadFile({
      exchange: { libp2p: this.libp2p, limits: this.config.exchange, dialTimeout: this.config.dialTimeout },
      openSession: FetchSession.open,
      store: this.store,
      windowBytes: this.config.downloadWindowBytes
    }, fileRef, options)
  }

  /** Forgets a file this node shares or downloaded */
  async remove (fileId: string): Promise<void> {
    if (!(await this.store.remove(fileId))) throw new FileNotFoundError(`Not a local file: ${fileId}`)
  }
}
