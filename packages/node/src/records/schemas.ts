/**
 * The shape every persisted record must have, one check per record kind. Each takes
 * the decoded JSON and returns it typed, or throws RecordInvalidError naming the
 * first field that is wrong. Fields a later version adds pass through untouched.
 */
import { dirname } from 'node:path'
import {
  CATEGORIES,
  type FileMetadata,
  MAX_CHUNK_SIZE,
  MAX_DESCRIPTION_LENGTH,
  MAX_MIME_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  MIN_CHUNK_SIZE,
  type Priority,
  parseCollectionId,
  parseFileId
} from '@peershare/protocol'
import type { CollectionRecord, SavedCollectionDownload } from '../collection/collection-store.js'
import { MAX_CONTACT_NAME_LENGTH } from '../contacts/contact-name.js'
import type { TransferRecord } from '../download/transfer-store.js'
import { RecordInvalidError } from '../errors.js'
import type { FileRecord, OfferDetails } from '../store/file-record.js'
import { type Fields, absolutePath, boolean, finite, integer, object, oneOf, optional, parsed, string, stringArray } from './check.js'

const PRIORITIES: readonly Priority[] = ['low', 'normal', 'high']

/** Most peers a download remembers as sources (a record listing more is not ours) */
export const MAX_REMEMBERED_SOURCES = 10_000
/** Copies one download places for the starts that joined it (download-copies.ts): each is a user's, each costs the file's size on disk */
export const MAX_DOWNLOAD_COPIES = 16

export function checkTransferRecord (value: Fields, fileId: string): TransferRecord {
  if (parsed(value.fileId, 'fileId', parseFileId) != null && value.fileId !== fileId) throw new RecordInvalidError(`fileId ${String(value.fileId)} is not the key's ${fileId}`)
  const output = optional(value.output, v => absolutePath(v, 'output'))
  const partialPath = optional(value.partialPath, v => absolutePath(v, 'partialPath'))
  // the partial file sits next to the output (the final rename is atomic): a record must not point it elsewhere
  if (partialPath != null && (output == null || dirname(partialPath) !== dirname(output))) throw new RecordInvalidError('partialPath is not next to output')
  if (value.metadata !== undefined) checkMetadata(value.metadata)
  if (value.destination !== undefined) {
    const d = object(value.destination, 'destination')
    optional(d.output, v => string(v, 'destination.output'))
    optional(d.cwd, v => absolutePath(v, 'destination.cwd'))
    optional(d.force, v => boolean(v, 'destination.force'))
    optional(d.repo, v => boolean(v, 'destination.repo'))
  }
  if (value.decrypt !== undefined) {
    const d = object(value.decrypt, 'decrypt')
    absolutePath(d.output, 'decrypt.output')
    if (string(d.name, 'decrypt.name').length === 0) throw new RecordInvalidError('decrypt.name is empty')
  }
  optional(value.inOrder, v => boolean(v, 'inOrder'))
  oneOf(value.priority, 'priority', PRIORITIES)
  oneOf(value.state, 'state', ['running', 'paused'])
  optional(value.reason, v => oneOf(v, 'reason', ['disk-full']))
  stringArray(value.sources, 'sources', MAX_REMEMBERED_SOURCES)
  finite(value.created, 'created')
  optional(value.expectedSize, v => integer(v, 'expectedSize'))
  optional(value.fixedSources, v => boolean(v, 'fixedSources'))
  optional(value.repair, v => boolean(v, 'repair'))
  if (value.copies !== undefined) {
    if (!Array.isArray(value.copies) || value.copies.length > MAX_DOWNLOAD_COPIES) throw new RecordInvalidError(`copies is not a list of at most ${MAX_DOWNLOAD_COPIES}`)
    for (const copy of value.copies) {
      const c = object(copy, 'copies[]')
      optional(c.output, v => string(v, 'copies[].output'))
      absolutePath(c.cwd, 'copies[].cwd')
      optional(c.force, v => boolean(v, 'copies[].force'))
    }
  }
  return value as unknown as TransferRecord
}

export function checkFileRecord (value: Fields, fileId: string): FileRecord {
  if (parsed(value.fileId, 'fileId', parseFileId) != null && value.fileId !== fileId) throw new RecordInvalidError(`fileId ${String(value.fileId)} is not the key's ${fileId}`)
  if (!/^[0-9a-f]{64}$/.test(string(value.sha256, 'sha256'))) throw new RecordInvalidError('sha256 is not 64 lowercase hex digits')
  integer(value.size, 'size')
  integer(value.chunkSize, 'chunkSize', MIN_CHUNK_SIZE, MAX_CHUNK_SIZE)
  checkMetadata(value.metadata)
  const location = object(value.location, 'location')
  if (oneOf(location.kind, 'location.kind', ['blob', 'path']) === 'path') {
    absolutePath(location.path, 'location.path')
    integer(location.size, 'location.size')
    finite(location.mtimeMs, 'location.mtimeMs')
    optional(location.ino, v => finite(v, 'location.ino'))
    optional(location.dev, v => finite(v, 'location.dev'))
  }
  finite(value.added, 'added')
  optional(value.listingOf, v => parsed(v, 'listingOf', parseCollectionId))
  optional(value.damaged, v => finite(v, 'damaged'))
  optional(value.changed, v => checkChanged(v))
  optional(value.details, v => checkDetails(v))
  optional(value.thumbnailOf, v => parsed(v, 'thumbnailOf', parseContentId))
  optional(value.ciphertext, v => boolean(v, 'ciphertext'))
  optional(value.encrypted, v => checkEncryptedFacts(v))
  optional(value.visibility, v => oneOf(v, 'visibility', ['public', 'contacts', 'private']))
  optional(value.replica, v => {
    const r = object(v, 'replica')
    string(r.from, 'replica.from')
    finite(r.accepted, 'replica.accepted')
  })
  return value as unknown as FileRecord
}

/** The sealed facts of an encrypted file this node holds the key of */
function checkChanged (value: unknown): FileRecord['changed'] {
  const changed = object(value, 'changed')
  finite(changed.at, 'changed.at')
  oneOf(changed.status, 'changed.status', ['modified', 'missing'])
  string(changed.reason, 'changed.reason')
  return changed as unknown as FileRecord['changed']
}

function checkEncryptedFacts (value: unknown): FileRecord['encrypted'] {
  const e = object(value, 'encrypted')
  if (string(e.name, 'encrypted.name').length === 0) throw new RecordInvalidError('encrypted.name is empty')
  string(e.mimeType, 'encrypted.mimeType', MAX_MIME_LENGTH)
  integer(e.plaintextSize, 'encrypted.plaintextSize')
  if (!/^[0-9a-f]{64}$/.test(string(e.plaintextSha256, 'encrypted.plaintextSha256'))) throw new RecordInvalidError('encrypted.plaintextSha256 is not 64 lowercase hex digits')
  optional(e.path, v => absolutePath(v, 'encrypted.path'))
  return e as unknown as FileRecord['encrypted']
}

export function checkCollectionRecord (value: Fields, collectionId: string): CollectionRecord {
  if (parsed(value.collectionId, 'collectionId', parseCollectionId) != null && value.collectionId !== collectionId) throw new RecordInvalidError('collectionId is not the key\'s')
  parsed(value.listingFileId, 'listingFileId', parseFileId)
  string(value.name, 'name')
  integer(value.files, 'files')
  integer(value.directories, 'directories')
  integer(value.size, 'size')
  string(value.description, 'description', MAX_DESCRIPTION_LENGTH)
  stringArray(value.tags, 'tags', MAX_TAGS, MAX_TAG_LENGTH)
  finite(value.created, 'created')
  finite(value.added, 'added')
  optional(value.path, v => absolutePath(v, 'path'))
  optional(value.details, v => checkDetails(v))
  return value as unknown as CollectionRecord
}

export function checkCollectionDownload (value: Fields, collectionId: string): SavedCollectionDownload {
  if (parsed(value.collectionId, 'collectionId', parseCollectionId) != null && value.collectionId !== collectionId) throw new RecordInvalidError('collectionId is not the key\'s')
  absolutePath(value.output, 'output')
  stringArray(value.peers, 'peers', MAX_REMEMBERED_SOURCES)
  oneOf(value.priority, 'priority', PRIORITIES)
  optional(value.force, v => { if (v !== true) throw new RecordInvalidError('force is true or absent') })
  return value as unknown as SavedCollectionDownload
}

/** A contact (contacts/contact-store.ts; the key names its peer id) */
export function checkContactRecord (value: Fields): { name?: string, added: number } {
  optional(value.name, v => string(v, 'name', MAX_CONTACT_NAME_LENGTH))
  finite(value.added, 'added')
  return value as { name?: string, added: number }
}

function checkMetadata (value: unknown): FileMetadata {
  const md = object(value, 'metadata')
  if (string(md.name, 'metadata.name').length === 0) throw new RecordInvalidError('metadata.name is empty')
  string(md.mimeType, 'metadata.mimeType', MAX_MIME_LENGTH)
  string(md.description, 'metadata.description', MAX_DESCRIPTION_LENGTH)
  stringArray(md.tags, 'metadata.tags', MAX_TAGS, MAX_TAG_LENGTH)
  finite(md.created, 'metadata.created')
  return md as unknown as FileMetadata
}

/** Offer details of a shared file or collection (records from before them have none) */
function checkDetails (value: unknown): OfferDetails {
  const d = object(value, 'details')
  oneOf(d.category, 'details.category', CATEGORIES)
  integer(d.modified, 'details.modified')
  optional(d.thumbnail, v => parsed(v, 'details.thumbnail', parseFileId))
  return d as unknown as OfferDetails
}

/** A file id or a collection id (what a thumbnail shows) */
function parseContentId (text: string): unknown {
  try {
    return parseFileId(text)
  } catch {
    return parseCollectionId(text)
  }
}
