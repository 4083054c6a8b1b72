/**
 * File ids. A file id is a CIDv1 whose multihash is the SHA-256 of the canonical
 * manifest bytes, so it commits to size, chunking and every chunk hash. Its one
 * canonical text form is base32 (the CIDv1 default). A file is also addressed by its
 * whole-file SHA-256, as a CIDv1 with the raw codec (what `sha256sum` output maps to).
 */
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { sha256 } from 'multiformats/hashes/sha2'
import { base32 } from 'multiformats/bases/base32'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { SHA256_LENGTH } from './constants.js'
import { InvalidFileIdError, InvalidManifestError } from './errors.js'
import { decodeManifest, encodeManifest, type Manifest } from './manifest.js'

/** Multicodec of a peershare manifest (private-use range of the multicodec table) */
export const MANIFEST_CODEC = 0x300e50
/** Multicodec for raw bytes: the whole-file SHA-256 CID */
export const RAW_CODEC = 0x55
const SHA256_CODE = 0x12

export type FileId = CID

/** What a user may type to name a file: a file id, or a whole-file SHA-256 */
export type FileRef =
  | { kind: 'file-id', fileId: FileId }
  | { kind: 'sha256', sha256: Uint8Array }

export async function fileIdFromManifestBytes (bytes: Uint8Array): Promise<FileId> {
  return CID.createV1(MANIFEST_CODEC, await sha256.digest(bytes))
}

export async function fileIdOf (manifest: Manifest): Promise<FileId> {
  return fileIdFromManifestBytes(encodeManifest(manifest))
}

/** The canonical text form of a file id */
export function formatFileId (fileId: FileId): string {
  return fileId.toString(base32)
}

/** The raw-codec CID of a whole-file SHA-256 (provided on the DHT so plain hashes find files) */
export function sha256Cid (digest: Uint8Array): CID {
  if (digest.byteLength !== SHA256_LENGTH) throw new InvalidFileIdError('A SHA-256 digest is 32 bytes')
  return CID.createV1(RAW_CODEC, Digest.create(SHA256_CODE, digest))
}

/** Decodes a binary file id received from a peer */
export function decodeFileId (bytes: Uint8Array): FileId {
  let cid: CID
  try {
    cid = CID.decode(bytes)
  } catch {
    throw new InvalidFileIdError('Not a CID')
  }
  return checkFileId(cid)
}

function checkFileId (cid: CID): FileId {
  if (cid.version !== 1 || cid.code !== MANIFEST_CODEC || cid.multihash.code !== SHA256_CODE || cid.multihash.size !== SHA256_LENGTH) {
    throw new InvalidFileIdError('Not a peershare file id')
  }
  return cid
}

/** Parses a file id (canonical base32, or base58btc / base36 CID text) */
export function parseFileId (text: string): FileId {
  let cid: CID
  try {
    cid = CID.parse(text.trim())
  } catch {
    throw new InvalidFileIdError(`Not a file id: ${JSON.stringify(text.slice(0, 80))}`)
  }
  return checkFileId(cid)
}

/**
 * Parses what a user typed: a file id, 64 hex digits of SHA-256 (optionally
 * `sha256:` prefixed), or a raw-codec SHA-256 CID.
 */
export function parseFileRef (text: string): FileRef {
  const trimmed = text.trim()
  const hex = trimmed.replace(/^sha256:/i, '')
  if (/^[0-9a-fA-F]{64}$/.test(hex)) {
    return { kind: 'sha256', sha256: hexToBytes(hex) }
  }
  let cid: CID
  try {
    cid = CID.parse(trimmed)
  } catch {
    throw new InvalidFileIdError(`Not a file id or SHA-256: ${JSON.stringify(trimmed.slice(0, 80))}`)
  }
  if (cid.code === RAW_CODEC && cid.multihash.code === SHA256_CODE && cid.multihash.size === SHA256_LENGTH) {
    return { kind: 'sha256', sha256: cid.multihash.digest }
  }
  return { kind: 'file-id', fileId: checkFileId(cid) }
}

/**
 * Verifies manifest bytes received from anyone against the file id that was asked
 * for, then decodes them. The only way untrusted manifest bytes become a Manifest.
 */
export async function verifyManifest (fileId: FileId, bytes: Uint8Array): Promise<Manifest> {
  const actual = await fileIdFromManifestBytes(bytes)
  if (!actual.equals(fileId)) {
    throw new InvalidManifestError(`Manifest does not match file id ${formatFileId(fileId)}`)
  }
  return decodeManifest(bytes)
}

export function bytesToHex (bytes: Uint8Array): string {
  return uint8ArrayToString(bytes, 'base16')
}

export function hexToBytes (hex: string): Uint8Array {
  return uint8ArrayFromString(hex.toLowerCase(), 'base16')
}
