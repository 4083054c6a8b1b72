/**
 * How the node builds its download services: the transfer manager (sources opened
 * through the exchange client, more found on the DHT, bandwidth from the node's
 * limits, a finished file stored and provided) and collection downloads (the
 * listing fetched by the collection's digest, its files through the transfer manager)
 */
import type { Connection, Libp2p, Logger, PeerId } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { type Multiaddr, multiaddr } from '@multiformats/multiaddr'
import { type FileRef, collectionDigest, parseFileId } from '@peershare/protocol'
import type { Datastore } from 'interface-datastore'
import { CollectionDownloads, type CollectionStore } from '../collection/index.js'
import type { NodeConfig } from '../config.js'
import { FetchSession, type FetchSessionComponents } from '../exchange/fetch-session.js'
import type { FileIndex } from '../dht/index.js'
import type { Bandwidth } from '../limits/bandwidth.js'
import type { Quarantine } from '../records/index.js'
import { withTimeout } from '../signals.js'
import type { FileVisibility } from '../access/index.js'
import type { FileRecord } from '../store/file-record.js'
import type { FileStore } from '../store/file-store.js'
import type { DownloadKeys } from './decrypt-download.js'
import { openSource } from './open-source.js'
import { keptFile } from './kept-file.js'
import { TransferManager } from './transfer-manager.js'
import type { TransferComponents } from './transfer.js'
import { TransferStore } from './transfer-store.js'

export interface NodeDownloadsComponents {
  datastore: Datastore
  quarantine: Quarantine
  config: Pick<NodeConfig, 'transfer' | 'lookupTimeout' | 'chunkSize' | 'collectionConcurrency'>
  /** what opening a session with a provider needs */
  exchange: FetchSessionComponents
  /** the node's connections: a source reached through a relay moves to a direct one */
  libp2p: Pick<Libp2p, 'getConnections'>
  index: Pick<FileIndex, 'findProviders' | 'announce' | 'announceCollection'>
  bandwidth: Pick<Bandwidth, 'download'>
  store: FileStore
  /** the node's log (listing sources that failed) */
  log: Logger
  /** keys of encrypted files, and the hook asking peers for one */
  keys: DownloadKeys
  /** chunks received and rejected (metrics/) */
  events?: TransferComponents['events']
}

/** What the node hears of its downloads */
export interface DownloadHooks {
  /** a downloaded (or repaired) file is in the store: its health is known again */
  stored(fileId: string): void
  /** what a new download is served as (access/ `downloadedVisibility`) */
  visibility(fileId: string): Promise<FileVisibility>
  /** a user's download took over the replica fetch of this file: the holder lets it go */
  takenOver(fileId: string): void
  /** a chunk of a stored file failed its hash as it was copied for a download */
  damaged(fileId: string): void
}

export function createTransferManager (components: NodeDownloadsComponents, hooks: DownloadHooks): TransferManager {
  const { exchange, index, store, config } = components
  const { stored, visibility } = hooks
  /** the file is there as its record says (checked against its stat, not hashed) */
  const intact = async (record: FileRecord): Promise<boolean> => await store.contentStatus(record) === 'ok'
  return new TransferManager({
    takenOver: hooks.takenOver,
    transfers: new TransferStore(components.datastore, components.quarantine),
    settings: config.transfer,
    log: logger('peershare:node:transfer'),
    openFirst: async (ref, options) => openSource({ exchange, index }, ref, { ...options, lookupTimeout: config.lookupTimeout }),
    finder: {
      open: async (target, ref, signal, first) => FetchSession.open(exchange, parseTarget(target), ref, signal, first),
      // one look at a time runs per download: a lookup that never ends (kad-dht bounds none
      // given a signal) would keep it from ever looking again
      providers: (fileId, signal) => providerIds(index, fileId, withTimeout(config.lookupTimeout, signal)),
      connections: peer => connectionsOf(components.libp2p, peer),
      openConnections: () => components.libp2p.getConnections().filter(c => c.status === 'open').length
    },
    takeDownload: async (bytes, priority, signal) => components.bandwidth.download(bytes, { priority, signal }),
    blobPath: (fileId) => store.blobPath(fileId),
    intact,
    keys: components.keys,
    events: components.events,
    isStored: async (fileId) => store.has(fileId),
    keptFile: async (fileId, intoRepo) => keptFile(store, fileId, { inRepoOnly: intoRepo }, hooks.damaged, components.log),
    keptId: async (sha256) => {
      const fileId = await store.findBySha256(sha256)
      return fileId == null || (await keptFile(store, fileId, { inRepoOnly: false })) == null ? undefined : fileId
    },
    heldCiphertext: async (fileId) => {
      // the record says whether it is ciphertext: the manifest is read only when it is
      const record = await store.getRecord(fileId)
      // decrypted in place (Node-side): a blob store without files downloads it again instead
      if (record?.ciphertext !== true || record.location.kind !== 'blob' || store.blobs.path == null || await store.contentStatus(record) !== 'ok') return undefined
      const stored = await store.withManifest(record)
      return stored == null ? undefined : { manifest: stored.manifest, manifestBytes: stored.manifestBytes, path: store.blobPath(fileId) }
    },
    completed: async (downloaded, manifestBytes, repair) => {
      // removed while it was being repaired: the blob the repair put back goes too, in the store's change (a share of the same bytes waits)
      const dropped = async (): Promise<void> => { if (downloaded.location.kind === 'blob') await store.blobs.delete(downloaded.fileId) }
      const record = await store.putFrom(downloaded.fileId, manifestBytes, async held => storedDownload(downloaded, held, { repair, visibility, intact }), dropped)
      if (record == null) {
        components.log('%s was removed during its repair: not kept', downloaded.fileId)
        return undefined
      }
      stored(record.fileId)
      index.announce(record)
      return record
    }
  })
}

/**
 * The record a completed download is kept under, from the one held now (`held`): a
 * repaired blob keeps what we knew of the file (name, tags, collection, visibility), and
 * a download with the key adds the sealed facts it read (or decrypted); only the damage
 * mark goes. A download to an output leaves an intact held record as it is: the node came
 * to keep the file while it ran (a `share` of the same bytes), and the output is the
 * user's copy. A new record gets the visibility downloads have (asked then). A repair
 * whose file is no longer held in the repo keeps nothing (undefined): the user removed it
 * meanwhile (or shared it again from its place).
 */
async function storedDownload (downloaded: FileRecord, held: FileRecord | undefined, how: { repair: boolean, visibility: (fileId: string) => Promise<FileVisibility>, intact: (held: FileRecord) => Promise<boolean> }): Promise<FileRecord | undefined> {
  if (downloaded.location.kind === 'path' && held != null && await how.intact(held)) return held
  const kept = downloaded.location.kind === 'blob' ? held : undefined
  // a repair mends the repo's copy of a stored file: one removed, or shared again from its place, is not it
  if (how.repair && kept?.location.kind !== 'blob') return undefined
  const sealed = downloaded.encrypted == null ? {} : { encrypted: { ...kept?.encrypted, ...downloaded.encrypted } }
  const record: FileRecord = kept == null ? { ...downloaded } : { ...kept, location: downloaded.location, ...sealed }
  delete record.damaged
  if (kept == null && await how.visibility(record.fileId) !== 'public') record.visibility = 'private'
  return record
}

export function createCollectionDownloads (components: NodeDownloadsComponents, parts: { collections: CollectionStore, transfers: TransferManager, offeredName(collectionId: string): Promise<string | undefined> }, hooks: Pick<DownloadHooks, 'damaged'>): CollectionDownloads {
  const { exchange, index, store, config, log } = components
  return new CollectionDownloads({
    store,
    collections: parts.collections,
    transfers: parts.transfers,
    keptFile: async fileId => keptFile(store, fileId, { inRepoOnly: false }, hooks.damaged, log),
    listingStore: { store, chunkSize: config.chunkSize },
    listing: {
      store,
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
        const listingIndex = { findProviders: (_: FileRef, s?: AbortSignal) => index.findProviders({ kind: 'collection', collectionId }, s) }
        return openSource({ exchange, index: listingIndex }, ref, { from, signal, lookupTimeout: config.lookupTimeout })
      }
    },
    announce: (collectionId) => { index.announceCollection(collectionId) },
    offeredName: parts.offeredName,
    concurrency: config.collectionConcurrency
  })
}

/** Provider peer ids of a file from the DHT */
async function * providerIds (index: Pick<FileIndex, 'findProviders'>, fileId: string, signal: AbortSignal): AsyncGenerator<string> {
  for await (const peer of index.findProviders({ kind: 'file-id', fileId: parseFileId(fileId) }, signal)) {
    yield peer.id.toString()
  }
}

/**
 * The open connections to a source, by the key the pool knows it by: none for a key
 * that is no peer id (an address without /p2p/, named by `get --peer`, or a relay's
 * circuit address without its destination): a throw here took the daemon down
 */
function connectionsOf (libp2p: Pick<Libp2p, 'getConnections'>, peer: string): Connection[] {
  let id: PeerId
  try {
    id = peerIdFromString(peer)
  } catch {
    return []
  }
  return libp2p.getConnections(id).filter(c => c.status === 'open')
}

/** A source as text: a multiaddr (with /p2p/) or a bare peer id */
function parseTarget (target: string): PeerId | Multiaddr {
  return target.startsWith('/') ? multiaddr(target) : peerIdFromString(target)
}
