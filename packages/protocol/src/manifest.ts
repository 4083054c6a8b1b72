/**
 * The content model: a file is cut into fixed-size chunks; the manifest lists the
 * size, the chunk size, every chunk's SHA-256 and the whole file's SHA-256.
 */
import {
  ENCRYPTION_SALT_LENGTH,
  ENCRYPTION_SCHEME_AES256GCM,
  ENCRYPTION_TAG_LENGTH,
  MANIFEST_VERSION,
  MAX_MIME_LENGTH,
  MAX_SEALED_METADATA_BYTES,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  MAX_FILE_SIZE,
  MAX_MANIFEST_BYTES,
  MIN_CHUNK_SIZE,
  SHA256_LENGTH
} from './constants.js'
import { InvalidManifestError } from './errors.js'
import { Manifest as ManifestPb, SealedMetadata as SealedMetadataPb } from './pb/manifest.js'
import { sanitizeFileName } from './names.js'
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
  /** set when the content is encrypted: the fields above then describe the ciphertext */
  encryption?: ManifestEncryption
}

/** How an encrypted file was encrypted (doc/SECURITY.md); everything but the key */
export interface ManifestEncryption {
  /** ENCRYPTION_SCHEME_AES256GCM */
  scheme: number
  /** ENCRYPTION_SALT_LENGTH random bytes */
  salt: Uint8Array
  /** name, MIME type, plaintext size and SHA-256, sealed under the file key */
  sealedMetadata: Uint8Array
}

/**
 * Bytes of plaintext per chunk of an encrypted file: each ciphertext chunk carries a
 * tag, so the manifest's (power of two) chunk size is the plaintext's plus the tag
 */
export function plaintextChunkSize (manifest: Pick<Manifest, 'chunkSize'>): number {
  return manifest.chunkSize - ENCRYPTION_TAG_LENGTH
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
  if (manifest.encryption != null) validateEncryption(manifest.encryption, manifest, fail)
  return manifest
}

function validateEncryption (encryption: ManifestEncryption, manifest: Manifest, fail: (why: string) => never): void {
  if (encryption.scheme !== ENCRYPTION_SCHEME_AES256GCM) fail(`unsupported encryption scheme ${encryption.scheme}`)
  if (encryption.salt.byteLength !== ENCRYPTION_SALT_LENGTH) fail(`encryption salt is not ${ENCRYPTION_SALT_LENGTH} bytes`)
  const sealed = encryption.sealedMetadata.byteLength
  if (sealed <= ENCRYPTION_TAG_LENGTH || sealed > MAX_SEALED_METADATA_BYTES) fail('sealed metadata out of range')
  // every ciphertext chunk is at least a tag long: a shorter last chunk cannot be one
  const count = manifest.chunkHashes.length
  if (count > 0 && chunkLength(manifest, count - 1) <= ENCRYPTION_TAG_LENGTH) fail('last chunk is too short for a ciphertext chunk')
}

/** Canonical bytes of a manifest: what the file id hashes */
export function encodeManifest (manifest: Manifest): Uint8Array {
  validateManifest(manifest)
  return ManifestPb.encode({
    version: manifest.version,
    size: BigInt(manifest.size),
    chunkSize: manifest.chunkSize,
    chunkHashes: manifest.chunkHashes as Array<Uint8Array<ArrayBuffer>>,
    sha256: manifest.sha256 as Uint8Array<ArrayBuffer>,
    ...(manifest.encryption == null
      ? {}
      : {
          encryption: {
            scheme: manifest.encryption.scheme,
            salt: manifest.encryption.salt as Uint8Array<ArrayBuffer>,
            sealedMetadata: manifest.encryption.sealedMetadata as Uint8Array<ArrayBuffer>
          }
        })
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
    sha256: pb.sha256,
    ...(pb.encryption == null ? {} : { encryption: pb.encryption })
  })
  // only the canonical encoding is accepted: the file id must be reproducible from the
  // decoded manifest, or a node re-encoding it would serve bytes that hash differently
  if (!equals(encodeManifest(manifest), bytes)) {
    throw new InvalidManifestError('Invalid manifest: not in canonical encoding')
  }
  return manifest
}

/** What only key holders read of an encrypted file (sealed in its manifest) */
export interface SealedMetadata {
  /** the plaintext's file name, sanitised */
  name: string
  mimeType: string
  /** plaintext size in bytes */
  size: number
  /** SHA-256 of the plaintext */
  sha256: Uint8Array
}

export function encodeSealedMetadata (metadata: SealedMetadata): Uint8Array {
  return SealedMetadataPb.encode({ name: metadata.name, mimeType: metadata.mimeType, size: BigInt(metadata.size), sha256: metadata.sha256 as Uint8Array<ArrayBuffer> })
}

/** Decodes sealed metadata after its tag checked (a key holder may still lie): bounded, the name sanitised */
export function decodeSealedMetadata (bytes: Uint8Array): SealedMetadata {
  if (bytes.byteLength > MAX_SEALED_METADATA_BYTES) throw new InvalidManifestError('Sealed metadata too large')
  let pb: SealedMetadataPb
  try {
    pb = SealedMetadataPb.decode(bytes)
  } catch (err: any) {
    throw new InvalidManifestError(`Invalid sealed metadata: ${err.message}`)
  }
  if (pb.size > BigInt(MAX_FILE_SIZE)) throw new InvalidManifestError('Sealed metadata: size out of range')
  if (pb.sha256.byteLength !== SHA256_LENGTH) throw new InvalidManifestError('Sealed metadata: hash is not 32 bytes')
  if (pb.mimeType.length > MAX_MIME_LENGTH) throw new InvalidManifestError('Sealed metadata: MIME type too long')
  let name: string
  try {
    name = sanitizeFileName(pb.name)
  } catch (err: any) {
    throw new InvalidManifestError(`Sealed metadata: ${err.message}`)
  }
  return { name, mimeType: pb.mimeType, size: Number(pb.size), sha256: pb.sha256 }
}
