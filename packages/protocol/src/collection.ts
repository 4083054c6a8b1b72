/**
 * Collections: a shared folder or several files. The listing names every entry (a
 * relative path, a size, the file id of a non-empty file; empty directories too) and
 * its canonical bytes hash to the collection id, a CIDv1 with its own codec, so the id
 * commits to every path and every byte. A listing from a peer is only trusted after
 * `verifyCollection`; its paths must already be sane (no `..`, no absolute path, every
 * segment unchanged by the one sanitiser), never repaired.
 */
import { CID } from 'multiformats/cid'
import { sha256 } from 'multiformats/hashes/sha2'
import { base32 } from 'multiformats/bases/base32'
import { equals } from 'uint8arrays/equals'
import {
  COLLECTION_VERSION,
  MAX_COLLECTION_BYTES,
  MAX_COLLECTION_DEPTH,
  MAX_COLLECTION_ENTRIES,
  MAX_COLLECTION_PATH_BYTES,
  MAX_FILE_SIZE,
  SHA256_LENGTH
} from './constants.js'
import { InvalidCollectionError, InvalidFileIdError } from './errors.js'
import { type FileId, type FileRef, decodeFileId, parseFileRef } from './file-id.js'
import { sanitizePathSegment } from './names.js'
import { Collection as CollectionPb } from './pb/collection.js'

/** Multicodec of a peershare collection listing (private use, next to MANIFEST_CODEC 0x300e50) */
export const COLLECTION_CODEC = 0x300e51
const SHA256_CODE = 0x12

export type CollectionId = CID

export type CollectionEntry =
  /** a file: `fileId` is absent exactly when the file is empty (its content needs no fetching) */
  | { kind: 'file', path: string, size: number, fileId?: FileId }
  /** a directory with nothing in it (others are implied by the paths under them) */
  | { kind: 'directory', path: string }

export interface Collection {
  version: number
  /** sorted by the UTF-8 bytes of their paths */
  entries: CollectionEntry[]
}

/** What a user may type: a file id, a SHA-256, or a collection id */
export type ContentRef = FileRef | { kind: 'collection', collectionId: CollectionId }

const encoder = new TextEncoder()

/** Orders paths by their UTF-8 bytes (the canonical order of entries) */
export function comparePaths (a: string, b: string): number {
  const x = encoder.encode(a)
  const y = encoder.encode(b)
  const n = Math.min(x.byteLength, y.byteLength)
  for (let i = 0; i < n; i++) {
    if (x[i] !== y[i]) return x[i] - y[i]
  }
  return x.byteLength - y.byteLength
}

/**
 * Throws InvalidCollectionError unless `path` is relative, `/`-separated, within the
 * length and depth limits, and every segment is what the sanitiser would make of it
 * (so no `.`, `..`, empty segment, backslash, control or reserved character).
 */
export function checkCollectionPath (path: string): string {
  const fail = (why: string): never => { throw new InvalidCollectionError(`Invalid path ${JSON.stringify(path.slice(0, 80))} in collection: ${why}`) }
  if (typeof path !== 'string' || path.length === 0) fail('empty')
  if (encoder.encode(path).byteLength > MAX_COLLECTION_PATH_BYTES) fail(`longer than ${MAX_COLLECTION_PATH_BYTES} bytes`)
  if (path.startsWith('/')) fail('absolute')
  if (path.includes('\\')) fail('backslash')
  const segments = path.split('/')
  if (segments.length > MAX_COLLECTION_DEPTH) fail(`deeper than ${MAX_COLLECTION_DEPTH}`)
  for (const segment of segments) {
    if (segment.length === 0) fail('empty segment')
    let safe: string
    try {
      safe = sanitizePathSegment(segment)
    } catch {
      return fail(`unusable segment ${JSON.stringify(segment.slice(0, 80))}`)
    }
    if (safe !== segment) fail(`unsafe segment ${JSON.stringify(segment.slice(0, 80))}`)
  }
  return path
}

/** Throws InvalidCollectionError unless every entry is valid, sorted, unique and consistent */
export function validateCollection (collection: Collection): Collection {
  const fail = (why: string): never => { throw new InvalidCollectionError(`Invalid collection: ${why}`) }
  if (collection.version !== COLLECTION_VERSION) fail(`unsupported version ${collection.version}`)
  const { entries } = collection
  if (entries.length > MAX_COLLECTION_ENTRIES) fail(`${entries.length} entries exceeds the limit of ${MAX_COLLECTION_ENTRIES}`)
  const kinds = new Map<string, CollectionEntry['kind']>()
  let total = 0
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i]
    checkCollectionPath(entry.path)
    if (i > 0 && comparePaths(entries[i - 1].path, entry.path) >= 0) {
      fail(comparePaths(entries[i - 1].path, entry.path) === 0 ? `${JSON.stringify(entry.path)} is listed twice` : 'entries are not sorted by path')
    }
    if (entry.kind === 'file') {
      if (!Number.isSafeInteger(entry.size) || entry.size < 0 || entry.size > MAX_FILE_SIZE) fail(`size of ${JSON.stringify(entry.path)} out of range`)
      if ((entry.size === 0) !== (entry.fileId == null)) fail(`${JSON.stringify(entry.path)}: an empty file has no file id, any other file has one`)
      total += entry.size
      // the files together may pass what one file may be, not what a number holds
      if (total > Number.MAX_SAFE_INTEGER) fail('total size out of range')
    } else if (entry.kind !== 'directory') {
      fail('unknown entry kind')
    }
    kinds.set(entry.path, entry.kind)
  }
  // an entry inside another: a file cannot hold anything, a listed directory must be empty
  for (const entry of entries) {
    const segments = entry.path.split('/')
    for (let n = 1; n < segments.length; n++) {
      const parent = segments.slice(0, n).join('/')
      const kind = kinds.get(parent)
      if (kind === 'file') fail(`${JSON.stringify(entry.path)} is inside the file ${JSON.stringify(parent)}`)
      if (kind === 'directory') fail(`the empty directory ${JSON.stringify(parent)} has ${JSON.stringify(entry.path)} in it`)
    }
  }
  return collection
}

/** Sorts entries into the canonical order and validates them; what a sharer builds a listing with */
export function buildCollection (entries: CollectionEntry[]): Collection {
  const sorted = [...entries].sort((a, b) => comparePaths(a.path, b.path))
  return validateCollection({ version: COLLECTION_VERSION, entries: sorted })
}

/** Canonical bytes of a collection: what its id hashes */
export function encodeCollection (collection: Collection): Uint8Array {
  validateCollection(collection)
  return CollectionPb.encode({
    version: collection.version,
    entries: collection.entries.map(e => ({
      path: e.path,
      size: BigInt(e.kind === 'file' ? e.size : 0),
      fileId: (e.kind === 'file' && e.fileId != null ? e.fileId.bytes : new Uint8Array(0)) as Uint8Array<ArrayBuffer>,
      directory: e.kind === 'directory'
    }))
  })
}

/** Decodes and validates untrusted listing bytes; only the canonical encoding is accepted */
export function decodeCollection (bytes: Uint8Array): Collection {
  if (bytes.byteLength > MAX_COLLECTION_BYTES) {
    throw new InvalidCollectionError(`Invalid collection: ${bytes.byteLength} bytes exceeds the limit of ${MAX_COLLECTION_BYTES}`)
  }
  let pb: CollectionPb
  try {
    pb = CollectionPb.decode(bytes, { limits: { entries: MAX_COLLECTION_ENTRIES } })
  } catch (err: any) {
    throw new InvalidCollectionError(`Invalid collection: ${err.message}`)
  }
  const entries = pb.entries.map((e): CollectionEntry => {
    if (e.directory) {
      if (e.size !== 0n || e.fileId.byteLength > 0) throw new InvalidCollectionError(`Invalid collection: directory ${JSON.stringify(e.path.slice(0, 80))} has a size or file id`)
      return { kind: 'directory', path: e.path }
    }
    if (e.size > BigInt(MAX_FILE_SIZE)) throw new InvalidCollectionError('Invalid collection: size out of range')
    return { kind: 'file', path: e.path, size: Number(e.size), ...(e.fileId.byteLength > 0 ? { fileId: entryFileId(e.fileId) } : {}) }
  })
  const collection = validateCollection({ version: pb.version, entries })
  // as with manifests: the id must be reproducible from what was decoded
  if (!equals(encodeCollection(collection), bytes)) {
    throw new InvalidCollectionError('Invalid collection: not in canonical encoding')
  }
  return collection
}

function entryFileId (bytes: Uint8Array): FileId {
  try {
    return decodeFileId(bytes)
  } catch (err: any) {
    throw new InvalidCollectionError(`Invalid collection: ${err.message}`)
  }
}

export async function collectionIdFromBytes (bytes: Uint8Array): Promise<CollectionId> {
  return CID.createV1(COLLECTION_CODEC, await sha256.digest(bytes))
}

export async function collectionIdOf (collection: Collection): Promise<CollectionId> {
  return collectionIdFromBytes(encodeCollection(collection))
}

/**
 * Verifies listing bytes received from anyone against the collection id asked for,
 * then decodes them. The only way untrusted listing bytes become a Collection.
 */
export async function verifyCollection (collectionId: CollectionId, bytes: Uint8Array): Promise<Collection> {
  if (bytes.byteLength > MAX_COLLECTION_BYTES) throw new InvalidCollectionError(`Invalid collection: more than ${MAX_COLLECTION_BYTES} bytes`)
  const actual = await collectionIdFromBytes(bytes)
  if (!actual.equals(collectionId)) {
    throw new InvalidCollectionError(`Listing does not match collection id ${formatCollectionId(collectionId)}`)
  }
  return decodeCollection(bytes)
}

/** The SHA-256 of the listing bytes a collection id names (the listing is served as a file with this hash) */
export function collectionDigest (collectionId: CollectionId): Uint8Array {
  return collectionId.multihash.digest
}

/** The canonical text form of a collection id */
export function formatCollectionId (collectionId: CollectionId): string {
  return collectionId.toString(base32)
}

export function isCollectionId (cid: CID): boolean {
  return cid.version === 1 && cid.code === COLLECTION_CODEC && cid.multihash.code === SHA256_CODE && cid.multihash.size === SHA256_LENGTH
}

/** Parses a collection id (canonical base32, or other CID text) */
export function parseCollectionId (text: string): CollectionId {
  let cid: CID
  try {
    cid = CID.parse(text.trim())
  } catch {
    throw new InvalidFileIdError(`Not a collection id: ${JSON.stringify(text.slice(0, 80))}`)
  }
  if (!isCollectionId(cid)) throw new InvalidFileIdError('Not a peershare collection id')
  return cid
}

/** Parses what a user typed: a collection id, else whatever `parseFileRef` takes */
export function parseContentRef (text: string): ContentRef {
  try {
    const cid = CID.parse(text.trim())
    if (isCollectionId(cid)) return { kind: 'collection', collectionId: cid }
  } catch {}
  return parseFileRef(text)
}

/** Files, empty directories and bytes in a collection */
export function collectionTotals (collection: Collection): { files: number, directories: number, size: number } {
  let files = 0
  let size = 0
  for (const entry of collection.entries) {
    if (entry.kind === 'file') {
      files++
      size += entry.size
    }
  }
  return { files, directories: collection.entries.length - files, size }
}
