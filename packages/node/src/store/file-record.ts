/**
 * What the node keeps about each file it can serve. The manifest bytes are kept
 * verbatim (they are what the file id hashes); the rest is JSON.
 */
import { type Category, type FileMetadata, type Manifest, bytesToHex } from '@peershare/protocol'

/**
 * What a file's offer says beyond its exchange metadata (`metadata`): kept for files
 * this node shares, absent for older records and plain downloads (the offer then
 * derives the category from the MIME type and leaves the rest empty).
 */
export interface OfferDetails {
  /** detected from the MIME type, or chosen with `--category` */
  category: Category
  /** unix ms the original was last modified (0 unknown) */
  modified: number
  /** file id of the generated or given thumbnail, a file in this node's store */
  thumbnail?: string
}

/** Where a file's bytes live */
export type FileLocation =
  /** a copy inside the repo's blob store (`share --copy`, uploads, encrypted shares, thumbnails) */
  | { kind: 'blob' }
  /**
   * a file elsewhere on disk (shared in place, or a download's output); served only
   * while size, mtime and, when recorded, inode and device match
   */
  | { kind: 'path', path: string, size: number, mtimeMs: number, ino?: number, dev?: number }

/** What was found of a file shared in place that no longer matches its record */
export interface ChangedFile {
  /** unix ms when it was found */
  at: number
  status: 'modified' | 'missing'
  /** what differs, for `ls` (size, mtime, inode, a chunk's hash, not found) */
  reason: string
}

export interface FileRecord {
  /** canonical text form of the file id */
  fileId: string
  /** whole-file SHA-256, hex */
  sha256: string
  size: number
  chunkSize: number
  metadata: FileMetadata
  location: FileLocation
  /** unix ms when the node got the file */
  added: number
  /** set when this file is the listing of a collection: that collection's id */
  listingOf?: string
  /** offer details of a file this node shares */
  details?: OfferDetails
  /** set when this file is a thumbnail this node generated or was given: the file id it shows */
  thumbnailOf?: string
  /**
   * unix ms when a chunk of the content was found failing its hash (on a read for a
   * peer, or by `verify`): not served nor provided until repaired or verified again
   */
  damaged?: number
  /**
   * set when a file shared in place (a `path` location with offer details) was found
   * changed or gone: withdrawn, and served again only once shared again (`share`)
   */
  changed?: ChangedFile
  /** who the file is served to; absent means public (packages/node/src/access/) */
  visibility?: 'public' | 'contacts' | 'private'
  /**
   * set when the content is encrypted (the manifest's `encryption`): what the sealed
   * metadata says, for the listings of a node that holds the key; `metadata` then
   * carries no plaintext name for peers (packages/node/src/encryption/). `path`: where
   * a download put the decrypted copy (the blob keeps the ciphertext, served to peers)
   */
  encrypted?: { name: string, mimeType: string, plaintextSize: number, plaintextSha256: string, path?: string }
  /**
   * set on every encrypted file, key or not: the blob and the manifest are ciphertext.
   * A holder without the key (`get --hold`) has this and no `encrypted` facts.
   */
  ciphertext?: true
  /**
   * set on a file this node shares and keeps alive by replication (`share --replicas`,
   * `replicate`): how many peers should hold it (packages/node/src/replication/)
   */
  replication?: { min: number, max: number }
  /**
   * set on a replica: a file this node holds for another peer, counted against the
   * replication quota, listed by `ls --replicas` rather than with the user's files
   */
  replica?: { from: string, accepted: number }
}

/**
 * The record of content just stored as a blob in the repo. Sharing the same content
 * again keeps when the node first got it (`previous.added`).
 */
/** Where a stored file's plaintext is outside the repo: its path, or an encrypted file's decrypted output; undefined when only the repo holds it */
export function plaintextPath (record: FileRecord): string | undefined {
  return record.location.kind === 'path' ? record.location.path : record.encrypted?.path
}

export function blobRecord (fileId: string, manifest: Manifest, metadata: FileMetadata, previous?: FileRecord): FileRecord {
  return {
    fileId,
    sha256: bytesToHex(manifest.sha256),
    size: manifest.size,
    chunkSize: manifest.chunkSize,
    metadata,
    location: { kind: 'blob' },
    added: previous?.added ?? Date.now()
  }
}
