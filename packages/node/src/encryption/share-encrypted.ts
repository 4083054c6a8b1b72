/**
 * Sharing a local file encrypted (doc/SECURITY.md): one sequential pass (reads ahead,
 * writes behind: fs-pipeline.ts), in memory bounded by a few chunks, like plain
 * sharing. A fresh file key and salt per share; each plaintext chunk (the node's chunk
 * size less the 16-byte tag, so ciphertext chunks are the manifest's power of two) is
 * encrypted, and the ciphertext is hashed per chunk and whole and written to the blob
 * store. Name, MIME type (from the plaintext's head), plaintext size and SHA-256 are
 * sealed into the manifest, whose hash is the file id: the same file shared again gets
 * a new key and so a new id.
 */
import { createHash } from 'node:crypto'
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import {
  ENCRYPTION_TAG_LENGTH,
  MANIFEST_VERSION,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  type FileMetadata,
  type Manifest,
  type SealedMetadata,
  bytesToHex,
  chunkCountFor,
  encodeManifest,
  fileIdFromManifestBytes,
  formatFileId,
  sanitizeFileName
} from '@peershare/protocol'
import { AbortedError, BadRequestError, PathNotFoundError, fsError } from '../errors.js'
import { ReadAhead, WriteBehind } from '../fs-pipeline.js'
import { readUpTo } from '../fs-read.js'
import { SNIFF_BYTES, detectMimeType } from '../metadata/index.js'
import { statToShare } from '../share.js'
import type { BlobWriter } from '../store/blob-store.js'
import type { FileRecord } from '../store/file-record.js'
import type { FileStore } from '../store/file-store.js'
import { type FileCipher, encryptChunk, fileCipher, newFileKey, newSalt, sealMetadata } from './file-cipher.js'
import type { FileKeys } from './file-keys.js'

export interface EncryptedShareComponents {
  /** the ciphertext goes into its blob store */
  store: Pick<FileStore, 'put' | 'blobs'>
  fileKeys: Pick<FileKeys, 'put'>
  /** the node's chunk size: ciphertext chunks have it (plaintext ones 16 bytes less) */
  chunkSize: number
}

export interface EncryptedShareOptions {
  signal?: AbortSignal
  /** the file key and salt to use instead of fresh ones (tests: the same key and salt give the same bytes) */
  reuse?: { key: Uint8Array, salt: Uint8Array }
  /** who it is served to @default 'private' (the ciphertext is safe to serve to anyone; widening is the user's choice) */
  visibility?: NonNullable<FileRecord['visibility']>
}

/** What peers are told of an encrypted file's name and type (in Offers): nothing of the plaintext */
export function neutralMetadata (fileId: string): FileMetadata {
  return { name: fileId, mimeType: 'application/octet-stream', description: '', tags: [], created: 0 }
}

/**
 * Encrypts the file at `path` into the blob store, keeps its key (`from: 'self'`) and
 * records it; returns the record. Its `metadata` names it by its file id; `encrypted`
 * holds the plaintext facts for this node's listings.
 */
export async function shareEncryptedFile (components: EncryptedShareComponents, path: string, options: EncryptedShareOptions = {}): Promise<FileRecord> {
  const name = sanitizeFileName(basename(path))
  const info = await statToShare(path)
  if (info == null || !info.isFile()) throw new PathNotFoundError(`No such file: ${path}`)
  const chunkSize = encryptedChunkSize(info.size, components.chunkSize, path)
  const key = options.reuse?.key ?? newFileKey()
  const cipher = fileCipher(key, options.reuse?.salt ?? newSalt())
  const blob = await components.store.blobs.create()
  try {
    const pass = await encryptAndHash(path, blob, { cipher, chunkSize, size: info.size }, options.signal)
    const sealed: SealedMetadata = { name, mimeType: await detectMimeType(pass.head, name), size: info.size, sha256: pass.plaintextSha256 }
    const manifest: Manifest = { ...pass.manifest, encryption: sealMetadata(cipher, sealed) }
    const manifestBytes = encodeManifest(manifest)
    const fileId = formatFileId(await fileIdFromManifestBytes(manifestBytes))
    // the key first: a file listed as ours always has its key
    await components.fileKeys.put(fileId, { key, from: 'self', added: Date.now() })
    // private unless the user widened it (packages/node/src/access/)
    const record: FileRecord = { ...encryptedRecord(fileId, manifest, sealed), visibility: options.visibility ?? 'private' }
    // the blob is committed with the record, in one change of the store
    await components.store.put(record, manifestBytes, blob)
    return record
  } catch (err) {
    throw fsError(err, path)
  } finally {
    await blob.abort()
  }
}

/** The record of an encrypted file: the ciphertext's facts for peers, the sealed ones for this node */
export function encryptedRecord (fileId: string, manifest: Manifest, sealed: SealedMetadata | undefined): FileRecord {
  return {
    fileId,
    sha256: bytesToHex(manifest.sha256),
    size: manifest.size,
    chunkSize: manifest.chunkSize,
    metadata: neutralMetadata(fileId),
    location: { kind: 'blob' },
    added: Date.now(),
    ciphertext: true,
    ...(sealed == null ? {} : { encrypted: sealedFacts(sealed) })
  }
}

/** The plaintext facts a key holder lists */
export function sealedFacts (sealed: SealedMetadata): NonNullable<FileRecord['encrypted']> {
  return { name: sealed.name, mimeType: sealed.mimeType, plaintextSize: sealed.size, plaintextSha256: bytesToHex(sealed.sha256) }
}

/**
 * The ciphertext chunk size for `size` bytes of plaintext: the node's, doubled until
 * the chunks (each carrying a tag) number at most MAX_CHUNKS
 */
export function encryptedChunkSize (size: number, preferred: number, path: string): number {
  let chunkSize = preferred
  while (chunkCountFor(size, chunkSize - ENCRYPTION_TAG_LENGTH) > MAX_CHUNKS && chunkSize < MAX_CHUNK_SIZE) chunkSize *= 2
  if (chunkCountFor(size, chunkSize - ENCRYPTION_TAG_LENGTH) > MAX_CHUNKS) {
    throw new BadRequestError(`${path} is too large to encrypt: at most ${MAX_CHUNKS * (MAX_CHUNK_SIZE - ENCRYPTION_TAG_LENGTH)} bytes`)
  }
  return chunkSize
}

interface EncryptionPlan {
  cipher: FileCipher
  /** ciphertext chunk size */
  chunkSize: number
  /** plaintext size, as stat gave it: the chunk count each chunk's associated data binds */
  size: number
}

/**
 * Reads `src` chunk by chunk, encrypting each; hashes the plaintext whole and the
 * ciphertext per chunk and whole; writes a durable ciphertext copy to `dest`; keeps a
 * copy of the plaintext's first SNIFF_BYTES. A file that grows or shrinks meanwhile
 * fails: the chunk count is sealed into every chunk. Reads run ahead and writes go
 * behind (fs-pipeline.ts), so the main thread hashes and encrypts while the disk works:
 * 256 MiB took 1.8-2.3 s when each step waited for the one before.
 */
async function encryptAndHash (src: string, dest: BlobWriter, plan: EncryptionPlan, signal?: AbortSignal): Promise<{ manifest: Manifest, plaintextSha256: Uint8Array, head: Uint8Array }> {
  const plainChunk = plan.chunkSize - ENCRYPTION_TAG_LENGTH
  const count = chunkCountFor(plan.size, plainChunk)
  const input = await open(src, 'r')
  const reads = new ReadAhead(input, src, {
    count,
    offset: index => index * plainChunk,
    length: index => Math.min(plainChunk, plan.size - index * plainChunk)
  }, { short: () => changed(src) })
  const writes = new WriteBehind({ write: async (data, position) => dest.write(data, position), sync: async () => dest.sync?.() })
  try {
    const plainHash = createHash('sha256')
    const cipherHash = createHash('sha256')
    const chunkHashes: Uint8Array[] = []
    let head = new Uint8Array(0)
    let written = 0
    for (let index = 0; index < count; index++) {
      if (signal?.aborted === true) throw new AbortedError('Share cancelled')
      const plain = await reads.take(index)
      if (index === 0) head = Uint8Array.from(plain.subarray(0, SNIFF_BYTES))
      plainHash.update(plain)
      const sealed = encryptChunk(plan.cipher, index, count, plain)
      // hashed and encrypted: its buffer takes a chunk further on
      reads.release(index, plain)
      chunkHashes.push(createHash('sha256').update(sealed).digest())
      cipherHash.update(sealed)
      await writes.put(sealed, written)
      written += sealed.byteLength
    }
    // a file that grew is refused before its blob is synced
    if (await readUpTo(input, Buffer.alloc(1), plan.size) > 0) throw changed(src)
    await writes.finish()
    const manifest: Manifest = { version: MANIFEST_VERSION, size: written, chunkSize: plan.chunkSize, chunkHashes, sha256: cipherHash.digest() }
    return { manifest, plaintextSha256: plainHash.digest(), head }
  } finally {
    await Promise.all([reads.settled(), writes.settled()])
    await input.close()
  }
}

function changed (path: string): Error {
  return new BadRequestError(`${path} changed size while it was being encrypted: share it again once it is written`)
}
