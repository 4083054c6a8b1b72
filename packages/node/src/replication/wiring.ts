/**
 * The replication composition: the holder side (Membership, HolderPermits, the replicate
 * protocol's client and server, StorageOffers) and the keeper side (Keeper) wired to each
 * other and to what the node gives them. The node starts and stops the parts in its own
 * order (see `PeershareNode.start`/`stop`) and feeds peer connections to the two handlers.
 */
import type { PeerId, PrivateKey } from '@libp2p/interface'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import type { Datastore } from 'interface-datastore'
import type { NodeConfig } from '../config.js'
import type { FetchSessionComponents } from '../exchange/fetch-session.js'
import type { PeershareLibp2p } from '../libp2p.js'
import type { Quarantine } from '../records/index.js'
import type { FileRecord } from '../store/file-record.js'
import type { FileStore } from '../store/file-store.js'
import { Holder, HolderPermits, Membership, StorageOffers, replicaRequests } from './holder/index.js'
import type { ReplicaRequests } from './index.js'
import { Keeper, type KeeperComponents } from './keeper/keeper.js'

export interface ReplicationComponents {
  libp2p: PeershareLibp2p
  datastore: Datastore
  quarantine: Quarantine
  /** signs this node's storage offer */
  privateKey: PrivateKey
  config: Pick<NodeConfig, 'replication' | 'dialTimeout' | 'lookupTimeout'>
  store: Pick<FileStore, 'getRecord' | 'list' | 'setReplication' | 'setReplica'>
  contacts: { isContact(peer: PeerId): boolean }
  exchange: FetchSessionComponents
  findProviders: KeeperComponents['findProviders']
  canLookup: KeeperComponents['canLookup']
  /** downloads a file into the repo from `peer` first, never decrypting it (the node's `hold`) */
  hold(fileId: string, peer: PeerId, size: number, signal: AbortSignal): Promise<FileRecord>
  /** forgets a stored file: stops providing it, deletes its blob */
  remove(fileId: string): Promise<void>
  /** cancels a download of the file that is not complete (the node's `TransferManager.discard`) */
  discard(fileId: string): Promise<void>
  /** true while the user downloads the file themselves */
  userDownloads(fileId: string): boolean
}

export interface Replication {
  /** peers asked to hold a file fetch it as its grantees do (access/ asks at serve time) */
  permits: HolderPermits
  membership: Membership
  replicaRequests: ReplicaRequests
  holder: Holder
  storageOffers: StorageOffers
  keeper: Keeper
  /** a peer connected: uptime as this node observes it, and it may be a holder to recruit */
  peerConnected(peer: PeerId): void
  peerDisconnected(peer: PeerId): void
}

export function createReplication (c: ReplicationComponents): Replication {
  const { libp2p, config } = c
  const permits = new HolderPermits()
  const membership = new Membership(config.replication, libp2p.peerId.toString())
  const holderLog = logger('peershare:node:replication:holder')
  const requests = replicaRequests({ libp2p, membership, accepted: (fileId, peer) => { permits.allow(fileId, peer.toString()) }, timeout: config.dialTimeout + config.replication.requestTimeout, log: holderLog })
  // the holder and the storage offer each tell the other of changes: built one after the other, asked at run time
  let storageOffers: StorageOffers | undefined
  const holder = new Holder({
    libp2p,
    datastore: c.datastore,
    quarantine: c.quarantine,
    settings: config.replication,
    contacts: c.contacts,
    hold: c.hold,
    stored: async fileId => c.store.getRecord(fileId),
    markReplica: async (fileId, replica) => { await c.store.setReplica(fileId, replica) },
    remove: c.remove,
    discard: c.discard,
    userDownloads: c.userDownloads,
    usageChanged: () => { storageOffers?.usageChanged() },
    log: holderLog
  })
  storageOffers = new StorageOffers({
    pubsub: libp2p.services.pubsub,
    privateKey: c.privateKey,
    self: libp2p.peerId,
    settings: config.replication,
    membership,
    usage: () => ({ usedBytes: holder.usage().usedBytes, fetching: holder.fetching() }),
    log: holderLog
  })
  const keeper = new Keeper({
    self: libp2p.peerId,
    settings: config.replication,
    store: c.store,
    findProviders: c.findProviders,
    canLookup: c.canLookup,
    exchange: c.exchange,
    lookupTimeout: config.lookupTimeout,
    peerStore: libp2p.peerStore,
    isContact: peer => c.contacts.isContact(peerIdFromString(peer)),
    holder: { membership, requests, held: holder },
    log: logger('peershare:node:replication')
  })
  return {
    permits,
    membership,
    replicaRequests: requests,
    holder,
    storageOffers,
    keeper,
    peerConnected: peer => {
      membership.noteReachable(peer.toString(), true)
      // files short of min look again (debounced)
      keeper.replicator.peersChanged()
    },
    peerDisconnected: peer => { membership.noteReachable(peer.toString(), false) }
  }
}
