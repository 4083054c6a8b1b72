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
  encrypted: boolean
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
  /** peer that asked this node to hold it */
  from: string
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
