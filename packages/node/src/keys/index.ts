/**
 * File key grants (doc/SECURITY.md, doc/ARCHITECTURE.md "keys"): a sender gives a
 * recipient the key of an encrypted file (wrapped to the recipient's Ed25519 peer id)
 * or, for a plaintext private or contacts file, the permission to fetch it, as a grant
 * signed with the sender's key. Grants travel over `/peershare/keys/1.0.0`:
 *
 * - push: the sender sends the recipient its grants when it is reachable, and keeps
 *   undelivered ones pending, retried when the recipient connects and on a backoff
 *   timer;
 * - fetch: a recipient asks any node for the grants of a file addressed to it; a node
 *   answers only with grants for the Noise-authenticated remote peer, and a stranger
 *   gets the same empty answer as for a file that does not exist.
 *
 * A received grant is refused unless it is addressed to this node, its wrapped key
 * opens with this node's key, and the sealed metadata it carries opens with that key;
 * an accepted one puts the file key in the node's FileKeys and the grant in its inbox.
 * A revoked grant is no longer served, pushed, or counted by `mayAccess`; a key already
 * received cannot be taken back (re-encrypt for a new file id).
 */
import type { PeerId } from '@libp2p/interface'
import type { GrantInfo, InboxEntry, KeysStatus } from '@peershare/client'
import type { HeldFileKey } from '../encryption/index.js'

export { GRANT_DOMAIN, GRANT_PAYLOAD_TYPE, type OpenedGrant, type SignedGrant, openGrant, signGrant } from './signed-grant.js'
export { KeyGrants, type KeyGrantsComponents } from './key-grants.js'
export type { GrantInfo, InboxEntry, KeysStatus }

/** pending: not yet accepted by the recipient; delivered: it accepted; revoked: no longer served nor pushed */
export type GrantState = GrantInfo['state']

export interface KeysSettings {
  /** Grants waiting for delivery at most; a grant past it fails with GrantLimitError */
  maxPendingGrants: number
  /** Delay before the retry timer first tries an undelivered grant again; doubles each attempt (ms) */
  retryInterval: number
  /** Longest delay between two timer retries (ms) */
  maxRetryInterval: number
  /** Timer retries per grant; past them only the recipient connecting delivers it */
  maxRetryAttempts: number
  /** Recipients the retry timer pushes to at once */
  maxConcurrentDeliveries: number
  /** Received grants the inbox holds; past it the one received longest ago is dropped, and its key with it unless the file is here or downloading */
  maxInboxEntries: number
  /** Received grants of one sender the inbox holds; more are refused */
  maxInboxPerSender: number
  /** Time for one request after the dial (the dial itself has the node's dialTimeout) (ms) */
  requestTimeout: number
  /** Key protocol streams one connection may open to us at once */
  maxInboundStreamsPerConnection: number
  /** Requests (pushes and fetches) one peer may make per `requestsWindow`; more are refused as rate-limited */
  requestsPerPeer: number
  /** ms */
  requestsWindow: number
}

/** What the rest of the node calls: share --to, the access check, the encrypted download, the control API */
export interface KeyService {
  /**
   * Grants `fileId` (a stored file) to each recipient and pushes the grants now where
   * it can; undelivered ones stay pending and are retried. An encrypted file needs its
   * key in FileKeys (NoFileKeyError); a plaintext one gets a permission grant.
   */
  grant(fileId: string, recipients: PeerId[], options?: { background?: boolean }): Promise<GrantInfo[]>
  /** Marks the grant revoked: no longer served, pushed, or counted by mayAccess (GrantNotFoundError when none) */
  revoke(fileId: string, peer: PeerId): Promise<GrantInfo>
  /** `peer` holds an unrevoked grant of `fileId` from this node (synchronous: called at serve time) */
  mayAccess(fileId: string, peer: PeerId): boolean
  /** Asks `peers` for grants of `fileId` addressed to this node; keeps and returns the key (NoFileKeyError when none answers with one) */
  fetchKey(fileId: string, peers: PeerId[], signal?: AbortSignal): Promise<HeldFileKey>
  /** What an encrypted download without a key calls: fetchKey from its connected sources and the granting senders */
  obtainKey(fileId: string, sources: PeerId[], signal?: AbortSignal): Promise<void>
  /** Grants received, newest first */
  inbox(): Promise<InboxEntry[]>
  /** Grants made, with their delivery state */
  grants(): GrantInfo[]
  /** Senders of the grants received for `fileId`: sources to try for its download */
  sendersOf(fileId: string): string[]
  status(): KeysStatus
}
