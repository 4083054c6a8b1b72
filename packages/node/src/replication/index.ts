/**
 * Replication (issue 11): files a user keeps alive are held by between `min` and
 * `max` peers that agreed to hold them, placed by a ranking every node computes the
 * same way (placement.ts), acquired by consent, and repaired by the holders, with no
 * coordinator. Two halves meet at the interfaces below:
 *
 * - the holder side (storage offers gossiped on `peershare/storage/1`, each node's own
 *   observations of peers, the `/peershare/replicate/1.0.0` server with atomic quota
 *   reservations, replica storage): `Membership`, `ReplicaRequests`, `HeldReplicas`;
 * - the keeper side (per-file policies, the repair loop: count live replicas, recruit,
 *   drop surplus, report): `Replicator`, built on the holder side's interfaces.
 */
import type { PeerId } from '@libp2p/interface'

export { type Candidate, type CandidateFacts, candidateWeight, rankHolders, score, uniformFor } from './placement.js'

/** How many peers should hold a file: at least `min`, at most `max` (min 0: local only) */
export interface ReplicationPolicy {
  min: number
  max: number
}

/** Who a node takes replicas from */
export type AcceptsFrom = 'anyone' | 'contacts'

/** What a node offering storage says of itself, signed and gossiped (its latest, by seq) */
export interface StorageOffer {
  peerId: string
  /** the offer's sequence number: newer replaces older, never remote wall-clock time */
  seq: bigint
  quotaBytes: number
  freeBytes: number
  acceptsFrom: AcceptsFrom
  acceptsEncrypted: boolean
  /** replica fetches it runs at once */
  maxConcurrent: number
  /** this node's clock when the offer arrived: expiry is measured from it */
  receivedAt: number
}

/** What this node itself observed of a peer; never what the peer claims */
export interface Observation {
  /** fraction of checks the peer was reachable (EWMA, 0..1; unknown peers 0.5) */
  uptime: number
  /** fraction of replication requests it accepted and completed (0..1; unknown 0.5) */
  successRatio: number
}

/** The holder side's view of who offers storage (the keeper side ranks them) */
export interface Membership {
  /** live storage offers of other peers (unexpired), this node's own excluded */
  offers(): StorageOffer[]
  observed(peer: string): Observation
  /** a replication request to `peer` was accepted and completed (true), or refused / failed (false) */
  noteOutcome(peer: string, ok: boolean): void
}

export type ReplicateAnswer = 'accept' | 'quota-exceeded' | 'forbidden' | 'busy'

export interface ReplicateRequest {
  fileId: string
  /** bytes the holder will store (the manifest's size: ciphertext for encrypted files) */
  size: number
  policy: ReplicationPolicy
  /** the manifest says the content is encrypted: the holder gets ciphertext and no key */
  encrypted: boolean
  /**
   * the peer that shares the file, when the asker is a holder repairing it (keeper side):
   * the holder keeps it as `HeldReplica.owner`, so it does not count the owner as a holder
   */
  owner?: string
}

/** Asking a peer to hold a file (the client of `/peershare/replicate/1.0.0`) */
export interface ReplicaRequests {
  /** the peer's answer; a peer that cannot be reached or answers nothing valid counts as 'busy' */
  ask(peer: PeerId, request: ReplicateRequest, signal?: AbortSignal): Promise<ReplicateAnswer>
}

/** Replicas this node holds for other peers */
export interface HeldReplica {
  fileId: string
  size: number
  /** peer that asked this node to hold it (the first; later askers only refresh it) */
  from: string
  /** the peer that shares the file, when the request named it; absent: `from` is the owner */
  owner?: string
  /** ciphertext of an encrypted file, held without its key */
  encrypted: boolean
  policy: ReplicationPolicy
  /** unix ms accepted */
  accepted: number
  /** 'fetching' until verified and stored, then 'held' */
  state: 'fetching' | 'held'
}

export interface HeldReplicas {
  list(): HeldReplica[]
  /** stops holding and providing a replica, frees its quota */
  drop(fileId: string): Promise<void>
  /** bytes reserved or held against the quota, and the quota */
  usage(): { usedBytes: number, quotaBytes: number }
}

/**
 * Replication settings (config `replication`). The holder side: what this node offers
 * to others. The keeper side: the policies of this node's own files and the repair loop.
 */
export interface ReplicationSettings {
  /** bytes of other peers' replicas this node holds at most; 0 offers no storage (config: "10GiB") */
  quota: number
  /** whom this node holds replicas for */
  acceptsFrom: AcceptsFrom
  /** whether it holds encrypted files (as ciphertext, without their keys) */
  acceptsEncrypted: boolean
  /** replica fetches this node runs at once; more requests are answered busy */
  maxConcurrent: number
  /** replicas this node holds or fetches at most, whatever their size; more are answered quota-exceeded */
  maxReplicas: number
  /** how often this node re-publishes its storage offer (ms) */
  offerInterval: number
  /** a storage offer not refreshed for this long is forgotten (ms) */
  offerTtl: number
  /** storage offers of other peers remembered at most (more: the oldest go) */
  maxOffers: number
  /** a replica fetch that has not finished by then is abandoned and its reservation freed (ms) */
  fetchTimeout: number
  /** time for a replicate request to be answered (ms) */
  requestTimeout: number
  /** replicate requests one peer may send per `requestsWindow` */
  requestsPerPeer: number
  requestsWindow: number
  /** the policy of `share --replicas` and `replicate <file-id>` given no numbers */
  replicas: ReplicationPolicy
  /** the policy of every share given no `--replicas` (min 0: local only, the default) */
  shareDefault: ReplicationPolicy
  /** how often a holder or keeper checks each file's replicas (ms, jittered ±jitter) */
  repairInterval: number
  /** fraction of `repairInterval` the period varies by, so nodes do not act together */
  jitter: number
  /** a holder unseen for this long counts as lost and is replaced; a restart within it moves nothing (ms) */
  lossGrace: number
  /** a file above max for this long loses its lowest-ranked extra holders (ms) */
  surplusGrace: number
  /** time for a holder's probe (does it really serve the file) (ms) */
  probeTimeout: number
  /** at most one replica of a file per IPv4 /24 (or IPv6 /48); loopback and private addresses are exempt */
  onePerSubnet: boolean
}
