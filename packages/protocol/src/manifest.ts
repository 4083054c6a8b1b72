/**
 * The content model: a file is cut into fixed-size chunks; the manifest lists the
 * size, the chunk size, every chunk's SHA-256 and the whole file's SHA-256.
 */
import {
  MANIFEST_VERSION,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  MAX_FILE_SIZE,
  MAX_MANIFEST_BYTES,
  MIN_CHUNK_SIZE,
  SHA256_LENGTH
} from './constants.js'
import { InvalidManifestError } from './errors.js'
import { Manifest as ManifestPb } from './pb/manifest.js'
import { equals } from 'uint8arrays/equals'

export interface Manifest {
  version: number
  /** file size in bytes */
  size: number
  /** bytes per chunk; the last chunk may be shorter */
  chunkSize: number
  /** SHA-256 of each chunk */
  chunkHashes: Uint8Array[]
  /** SHA-256 of the whole file */
  sha256: Uint8Array
}

/** Number of chunks a file of `size` bytes has: an empty file has none */
export function chunkCountFor (size: number, chunkSize: number): number {
  return Math.ceil(size / chunkSize)
}

/** Byte offset of chunk `index` in the file */
export function chunkOffset (manifest: Pick<Manifest, 'chunkSize'>, index: number): number {
  return index * manifest.chunkSize
}

/** Length in bytes of chunk `index` */
export function chunkLength (manifest: Pick<Manifest, 'size' | 'chunkSize'>, index: number): number {
  const start = index * manifest.chunkSize
  return Math.max(0, Math.min(manifest.chunkSize, manifest.size - start))
}

/**
 * The chunk size to share a file of `size` bytes with: `preferred`, or the smallest
 * larger power of two that keeps it within MAX_CHUNKS chunks (at most MAX_CHUNK_SIZE;
 * a file beyond MAX_FILE_SIZE still needs more chunks than allowed).
 */
export function chunkSizeFor (size: number, preferred: number): number {
  let chunkSize = preferred
  while (chunkCountFor(size, chunkSize) > MAX_CHUNKS && chunkSize < MAX_CHUNK_SIZE) chunkSize *= 2
  return chunkSize
}

export function isValidChunkSize (chunkSize: number): boolean {
  return Number.isInteger(chunkSize) &&
    chunkSize >= MIN_CHUNK_SIZE &&
    chunkSize <= MAX_CHUNK_SIZE &&
    (chunkSize & (chunkSize - 1)) === 0
}

/** Throws InvalidManifestError unless every field is in range and consistent */
export function validateManifest (manifest: Manifest): Manifest {
  const fail = (why: string): never => { throw new InvalidManifestError(`Invalid manifest: ${why}`) }
  if (manifest.version !== MANIFEST_VERSION) fail(`unsupported version ${manifest.version}`)
  if (!Number.isSafeInteger(manifest.size) || manifest.size < 0 || manifest.size > MAX_FILE_SIZE) fail('size out of range')
  if (!isValidChunkSize(manifest.chunkSize)) fail(`chunk size ${manifest.chunkSize} is not a power of two in range`)
  const expected = chunkCountFor(manifest.size, manifest.chunkSize)
  if (expected > MAX_CHUNKS) fail(`${expected} chunks exceeds the limit of ${MAX_CHUNKS}`)
  if (manifest.chunkHashes.length !== expected) fail(`lists ${manifest.chunkHashes.length} chunk hashes for ${expected} chunks`)
  if (manifest.chunkHashes.some(h => h.byteLength !== SHA256_LENGTH)) fail('a chunk hash is not 32 bytes')
  if (manifest.sha256.byteLength !== SHA256_LENGTH) fail('file hash is not 32 bytes')
  return manifest
}

/** Canonical bytes of a manifest: what the file id hashes */
export function encodeManifest (manifest: Manifest): Uint8Array {
  validateManifest(manifest)
  return ManifestPb.encode({
    version: manifest.version,
    size: BigInt(manifest.size),
    chunkSize: manifest.chunkSize,
    chunkHashes: manifest.chunkHashes as Array<Uint8Array<ArrayBuffer>>,
    sha256: manifest.sha256 as Uint8Array<ArrayBuffer>
  })
}

/** Decodes and validates untrusted manifest bytes */
export function decodeManifest (bytes: Uint8Array): Manifest {
  if (bytes.byteLength > MAX_MANIFEST_BYTES) {
    throw new InvalidManifestError(`Invalid manifest: ${bytes.byteLength} bytes exceeds the limit of ${MAX_MANIFEST_BYTES}`)
  }
  let pb: ManifestPb
  try {
    pb = ManifestPb.decode(bytes, { limits: { chunkHashes: MAX_CHUNKS } })
  } catch (err: any) {
    throw new InvalidManifestError(`Invalid manifest: ${err.message}`)
  }
  if (pb.size > BigInt(MAX_FILE_SIZE)) throw new InvalidManifestError('Invalid manifest: size out of range')
  const manifest = validateManifest({
    version: pb.version,
    size: Number(pb.size),
    chunkSize: pb.chunkSize,
    chunkHashes: pb.chunkHashes,
    sha256: pb.sha256
  })
  // only the canonical encoding is accepted: the file id must be reproducible from the
  // decoded manifest, or a node re-encoding it would serve bytes that hash differently
  if (!equals(encodeManifest(manifest), bytes)) {
    throw new InvalidManifestError('Invalid manifest: not in canonical encoding')
  }
  return manifest
}
