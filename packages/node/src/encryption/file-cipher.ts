/**
 * The content encryption of a file (doc/SECURITY.md, scheme 1): a random 32-byte file
 * key per encryption; HKDF-SHA256 with the manifest's random salt derives a chunk key
 * and a metadata key from it; every chunk is AES-256-GCM with nonce = its index (the
 * chunk key is unique per file, so (key, nonce) never repeats) and associated data
 * binding it to the salt, its index and the chunk count (no swap, reorder or
 * truncation). node:crypto does the work: AES-NI, synchronous, no copies beyond one.
 */
import { type KeyObject, createCipheriv, createDecipheriv, createSecretKey, hkdfSync, randomBytes } from 'node:crypto'
import {
  ENCRYPTION_SALT_LENGTH,
  ENCRYPTION_SCHEME_AES256GCM,
  ENCRYPTION_TAG_LENGTH,
  type ManifestEncryption,
  type SealedMetadata,
  decodeSealedMetadata,
  encodeSealedMetadata
} from '@peershare/protocol'
import { DecryptionError } from '../errors.js'

/** bytes of a file key */
export const FILE_KEY_LENGTH = 32

const CHUNK_INFO = 'peershare/v1/chunk'
const META_INFO = 'peershare/v1/meta'

/** The keys one encrypted file's chunks and metadata use, derived from its file key and salt */
export interface FileCipher {
  readonly salt: Uint8Array
  /** KeyObjects: node:crypto checks raw key bytes by throwing and catching two TypeErrors a call */
  readonly chunkKey: KeyObject
  readonly metaKey: KeyObject
}

/** A fresh random file key: one per encryption, never reused for other content */
export function newFileKey (): Uint8Array {
  return new Uint8Array(randomBytes(FILE_KEY_LENGTH))
}

/** A fresh random salt for the manifest */
export function newSalt (): Uint8Array {
  return new Uint8Array(randomBytes(ENCRYPTION_SALT_LENGTH))
}

export function fileCipher (fileKey: Uint8Array, salt: Uint8Array): FileCipher {
  if (fileKey.byteLength !== FILE_KEY_LENGTH) throw new DecryptionError(`A file key is ${FILE_KEY_LENGTH} bytes`)
  if (salt.byteLength !== ENCRYPTION_SALT_LENGTH) throw new DecryptionError(`A salt is ${ENCRYPTION_SALT_LENGTH} bytes`)
  return {
    salt,
    chunkKey: createSecretKey(Buffer.from(hkdfSync('sha256', fileKey, salt, CHUNK_INFO, 32))),
    metaKey: createSecretKey(Buffer.from(hkdfSync('sha256', fileKey, salt, META_INFO, 32)))
  }
}

/** 12-byte nonce of chunk `index`: four zero bytes, then the index as uint64 big-endian */
function chunkNonce (index: number): Buffer {
  const nonce = Buffer.alloc(12)
  nonce.writeBigUInt64BE(BigInt(index), 4)
  return nonce
}

/** "peershare/v1/chunk" ‖ salt ‖ uint64be(index) ‖ uint64be(count) */
function chunkAad (salt: Uint8Array, index: number, count: number): Buffer {
  const label = Buffer.from(CHUNK_INFO)
  const aad = Buffer.alloc(label.byteLength + salt.byteLength + 16)
  label.copy(aad, 0)
  aad.set(salt, label.byteLength)
  aad.writeBigUInt64BE(BigInt(index), label.byteLength + salt.byteLength)
  aad.writeBigUInt64BE(BigInt(count), label.byteLength + salt.byteLength + 8)
  return aad
}

/** Ciphertext chunk `index` of `count`: the plaintext encrypted, then its 16-byte tag */
export function encryptChunk (cipher: FileCipher, index: number, count: number, plaintext: Uint8Array): Buffer {
  const gcm = createCipheriv('aes-256-gcm', cipher.chunkKey, chunkNonce(index), { authTagLength: ENCRYPTION_TAG_LENGTH })
  gcm.setAAD(chunkAad(cipher.salt, index, count))
  const out = Buffer.allocUnsafe(plaintext.byteLength + ENCRYPTION_TAG_LENGTH)
  const n = gcm.update(plaintext).copy(out, 0)
  gcm.final()
  gcm.getAuthTag().copy(out, n)
  return out
}

/** The plaintext of ciphertext chunk `index` of `count`; throws DecryptionError unless its tag checks */
export function decryptChunk (cipher: FileCipher, index: number, count: number, ciphertext: Uint8Array): Buffer {
  if (ciphertext.byteLength < ENCRYPTION_TAG_LENGTH) throw new DecryptionError(`Chunk ${index} is shorter than a tag`)
  const body = ciphertext.subarray(0, ciphertext.byteLength - ENCRYPTION_TAG_LENGTH)
  const gcm = createDecipheriv('aes-256-gcm', cipher.chunkKey, chunkNonce(index), { authTagLength: ENCRYPTION_TAG_LENGTH })
  gcm.setAAD(chunkAad(cipher.salt, index, count))
  gcm.setAuthTag(ciphertext.subarray(body.byteLength))
  const plaintext = gcm.update(body)
  try {
    gcm.final()
  } catch {
    throw new DecryptionError(`Chunk ${index} fails authentication: wrong key or changed ciphertext`)
  }
  return plaintext
}

/** "peershare/v1/meta" ‖ salt */
function metaAad (salt: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(META_INFO), salt])
}

/** The manifest's encryption field: the scheme, salt and metadata sealed under the metadata key (nonce 0: one use per key) */
export function sealMetadata (cipher: FileCipher, metadata: SealedMetadata): ManifestEncryption {
  const gcm = createCipheriv('aes-256-gcm', cipher.metaKey, Buffer.alloc(12), { authTagLength: ENCRYPTION_TAG_LENGTH })
  gcm.setAAD(metaAad(cipher.salt))
  const body = Buffer.concat([gcm.update(encodeSealedMetadata(metadata)), gcm.final(), gcm.getAuthTag()])
  return { scheme: ENCRYPTION_SCHEME_AES256GCM, salt: cipher.salt, sealedMetadata: body }
}

/** The sealed metadata of an encrypted manifest; throws DecryptionError for a wrong key or changed bytes */
export function openMetadata (cipher: FileCipher, encryption: ManifestEncryption): SealedMetadata {
  const sealed = encryption.sealedMetadata
  if (sealed.byteLength < ENCRYPTION_TAG_LENGTH) throw new DecryptionError('Sealed metadata is shorter than a tag')
  const body = sealed.subarray(0, sealed.byteLength - ENCRYPTION_TAG_LENGTH)
  const gcm = createDecipheriv('aes-256-gcm', cipher.metaKey, Buffer.alloc(12), { authTagLength: ENCRYPTION_TAG_LENGTH })
  gcm.setAAD(metaAad(cipher.salt))
  gcm.setAuthTag(sealed.subarray(body.byteLength))
  let plain: Buffer
  try {
    plain = Buffer.concat([gcm.update(body), gcm.final()])
  } catch {
    throw new DecryptionError('The sealed metadata fails authentication: wrong key or changed manifest')
  }
  try {
    return decodeSealedMetadata(plain)
  } catch (err: any) {
    throw new DecryptionError(`The sealed metadata does not decode: ${err.message}`)
  }
}
