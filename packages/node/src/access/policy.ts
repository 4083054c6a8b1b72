/**
 * The rules of visibility, in one place: who may be served a file, which names the
 * DHTs carry for it, what offer it has, and which offers go into an answer to a peer.
 * Policy only, no I/O: contacts and grants are looked up in memory.
 */
import type { PeerId } from '@libp2p/interface'
import type { Offer } from '@peershare/protocol'
import type { FileRecord } from '../store/file-record.js'

export type FileVisibility = NonNullable<FileRecord['visibility']>

/** Peers a file was granted to (the keys part implements it: `node.keys.mayAccess`); must answer from memory */
export interface Grantees {
  mayAccess(fileId: string, peer: PeerId): boolean
}

/** Nobody has a grant: what a node without the keys part answers */
export const NO_GRANTEES: Grantees = { mayAccess: () => false }

export interface AccessComponents {
  contacts: { isContact(peer: PeerId): boolean }
  grantees: Grantees
  /** this node's peer id, as text: the author of its own offers */
  self: string
}

/** A record's visibility: absent means public (records from before visibility existed) */
export function visibilityOf (record: Pick<FileRecord, 'visibility'>): FileVisibility {
  return record.visibility ?? 'public'
}

export class Access {
  constructor (private readonly components: AccessComponents) {}

  /**
   * Whether `peer` (the Noise-authenticated remote peer of the connection, never an id
   * a message names) may be served the file: public to anyone, contacts to contacts
   * and grantees, private to grantees only
   */
  authorise (record: Pick<FileRecord, 'fileId' | 'visibility'>, peer: PeerId): boolean {
    const visibility = visibilityOf(record)
    if (visibility === 'public') return true
    if (this.components.grantees.mayAccess(record.fileId, peer)) return true
    return visibility === 'contacts' && this.components.contacts.isContact(peer)
  }

  /**
   * Whether an offer held in the catalog may go into a catalog page or search answer
   * to `peer`: public ones to anyone; contacts ones only our own, and only to our
   * contacts (one received from another author is kept for our own search, never passed on)
   */
  mayShowOffer (offer: Pick<Offer, 'author' | 'visibility'>, peer: PeerId): boolean {
    if (offer.visibility === 'public') return true
    return offer.author === this.components.self && this.components.contacts.isContact(peer)
  }
}

/**
 * The names the DHTs carry for a file: public under its file id and its SHA-256;
 * contacts and private never under the plaintext SHA-256, and under the file id only
 * when encrypted (an unencrypted file id is derived from the content, so providing it
 * would let anyone holding the same file confirm that this node has it)
 */
export function providedNames (record: Pick<FileRecord, 'visibility' | 'encrypted'>): { fileId: boolean, sha256: boolean } {
  if (visibilityOf(record) === 'public') return { fileId: true, sha256: true }
  return { fileId: record.encrypted != null, sha256: false }
}

/**
 * The visibility a download gets: private when an offer this node holds for the file
 * is contacts-only (it was shared with us as a contact: we neither provide it under its
 * SHA-256 nor pass it on); otherwise public, as every download
 */
export function downloadedVisibility (offers: Array<Pick<Offer, 'visibility'>>): FileVisibility {
  return offers.some(o => o.visibility === 'contacts') ? 'private' : 'public'
}

/** The visibility of a shared file's offer; undefined: it has none (private content is never announced) */
export function offerVisibility (record: Pick<FileRecord, 'visibility'>): Offer['visibility'] | undefined {
  const visibility = visibilityOf(record)
  return visibility === 'private' ? undefined : visibility
}
