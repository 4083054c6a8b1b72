/**
 * A collection's listing kept as a stored file: in the blob store, with a manifest,
 * served by the exchange like any file and found by its SHA-256 (the digest inside the
 * collection id). Listings are small (MAX_COLLECTION_BYTES), so this works in memory.
 */
import { createHash } from 'node:crypto'
import {
  MANIFEST_VERSION,
  type FileMetadata,
  type Manifest,
  encodeManifest,
  fileIdFromManifestBytes,
  formatFileId
} from '@peershare/protocol'
import { type FileRecord, blobRecord } from '../store/file-record.js'
import type { FileStore } from '../store/file-store.js'

/** MIME type of a listing file */
export const COLLECTION_MIME = 'application/vnd.peershare.collection'

export interface ListingComponents {
  /** the listing goes into its blob store */
  store: FileStore
  chunkSize: number
}

/** Stores listing bytes as a file of the repo (replacing nothing: same bytes, same blob) */
export async function storeListing (components: ListingComponents, collectionId: string, bytes: Uint8Array, metadata: Omit<FileMetadata, 'mimeType'>): Promise<FileRecord> {
  const manifest = manifestOfBytes(bytes, components.chunkSize)
  const manifestBytes = encodeManifest(manifest)
  const fileId = formatFileId(await fileIdFromManifestBytes(manifestBytes))
  const blob = await components.store.blobs.create()
  try {
    await blob.write(bytes, 0)
    const previous = (await components.store.get(fileId))?.record
    const record: FileRecord = { ...blobRecord(fileId, manifest, { ...metadata, mimeType: COLLECTION_MIME }, previous), listingOf: collectionId }
    // the blob is committed with the record (an `rm` of the same bytes meanwhile cannot delete it under the record)
    await components.store.put(record, manifestBytes, blob)
    return record
  } finally {
    await blob.abort()
  }
}

/** The listing bytes of a stored listing file */
export async function readListing (store: Pick<FileStore, 'readContent'>, record: FileRecord): Promise<Uint8Array> {
  return store.readContent(record)
}

function manifestOfBytes (bytes: Uint8Array, chunkSize: number): Manifest {
  const chunkHashes: Uint8Array[] = []
  for (let offset = 0; offset < bytes.byteLength; offset += chunkSize) {
    chunkHashes.push(createHash('sha256').update(bytes.subarray(offset, offset + chunkSize)).digest())
  }
  return { version: MANIFEST_VERSION, size: bytes.byteLength, chunkSize, chunkHashes, sha256: createHash('sha256').update(bytes).digest() }
}
