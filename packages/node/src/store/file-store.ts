/**
 * The local file store: which files this node can serve, their manifests, and
 * read access to their chunks. Records live in the datastore under `/files`,
 * `/manifests` and `/sha256` (an index from whole-file hash to file id); content
 * lives in the blob store (blob-store.ts) or, for downloads, at the path the user chose.
 */
import type { Stats } from 'node:fs'
import { open, readFile, stat } from 'node:fs/promises'
import { chunkLength, chunkOffset, decodeManifest, type Manifest } from '@peershare/protocol'
import { Key, type Datastore } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { chunkMatches } from '../download/chunk-data.js'
import { getIfPresent } from '../datastore-read.js'
import { NoBlobPathError } from '../errors.js'
import { InOrder } from '../in-order.js'
import { ShortReadError } from '../fs-read.js'
import { type Quarantine, checkFileRecord, jsonObject } from '../records/index.js'
import type { BlobReader, BlobStore, BlobWriter } from './blob-store.js'
import { type ChunkReader, threadVerifiedRead } from './chunk-readers.js'
import type { FileRecord } from './file-record.js'
import { fileReader } from './fs-blob-store.js'

export interface StoredFile {
  record: FileRecord
  manifest: Manifest
  manifestBytes: Uint8Array
}

/**
 * Whether a stored file's content is still the one verified: `modified` when a file
 * outside the repo changed size or mtime, `missing` when it cannot be found or read,
 * `damaged` when a chunk failed its hash (or a blob in the repo has the wrong size).
 * Only `ok` files are served and provided.
 */
export type ContentStatus = 'ok' | 'modified' | 'missing' | 'damaged'

/** A content status and, when not `ok`, what was found */
export interface ContentCheck {
  status: ContentStatus
  reason?: string
}

/**
 * What differs between a file outside the repo and its record: size, mtime, or (when
 * recorded) inode and device, so a file replaced by another under the same name is
 * seen even with the same size and mtime; undefined when nothing does
 */
export function pathChange (location: Extract<FileRecord['location'], { kind: 'path' }>, info: Pick<Stats, 'size' | 'mtimeMs' | 'ino' | 'dev'>): string | undefined {
  if (info.size !== location.size) return `size ${info.size} bytes, was ${location.size}`
  if (info.mtimeMs !== location.mtimeMs) return `modified at ${new Date(info.mtimeMs).toISOString()}, was ${new Date(location.mtimeMs).toISOString()}`
  if ((location.ino != null && info.ino !== location.ino) || (location.dev != null && info.dev !== location.dev)) return 'replaced by another file (inode)'
  return undefined
}

export interface FileStoreComponents {
  datastore: Datastore
  /** the content of the repo's files */
  blobs: BlobStore
  /** where records that do not decode are set aside */
  quarantine: Quarantine
}

const FILES = '/peershare/files'
const MANIFESTS = '/peershare/manifests'
const BY_SHA256 = '/peershare/sha256'

/** A file's record as the datastore holds it */
function recordEntry (record: FileRecord): { key: Key, value: Uint8Array } {
  return { key: new Key(`${FILES}/${record.fileId}`), value: uint8ArrayFromString(JSON.stringify(record)) }
}

export class FileStore {
  private readonly datastore: Datastore
  /** where the content of the repo's files lives: sharing writes there */
  readonly blobs: BlobStore
  private readonly quarantine: Quarantine
  private recordWrites = 0
  /**
   * Changes to records one at a time, each reading what the one before wrote: a change
   * not waited for (a chunk found damaged while serving) could otherwise land after an
   * `rm` and bring the file's record back, or undo another change (in-order.ts)
   */
  private readonly changes = new InOrder()

  constructor (components: FileStoreComponents) {
    this.datastore = components.datastore
    this.blobs = components.blobs
    this.quarantine = components.quarantine
  }

  /** Where a stored file's bytes are on disk: its blob, or the path a download was saved to */
  contentPath (record: FileRecord): string {
    return record.location.kind === 'blob' ? this.blobPath(record.fileId) : record.location.path
  }

  /** Path of the blob holding a file's content, for the parts that need a path (blob-store.ts `path`) */
  blobPath (fileId: string): string {
    if (this.blobs.path == null) throw new NoBlobPathError(`This node's blob store keeps no files on disk: blob ${fileId} has no path`)
    return this.blobs.path(fileId)
  }

  /** The whole content of a small stored file (a collection's listing) */
  async readContent (record: FileRecord): Promise<Uint8Array> {
    if (record.location.kind === 'path') return readFile(record.location.path)
    const reader = await this.blobs.open(record.fileId)
    if (reader == null) throw new ShortReadError(`No blob for ${record.fileId}`)
    try {
      return await reader.read(record.size, 0)
    } finally {
      await reader.close()
    }
  }

  /** Reads of a stored file's content: its blob, or the file a download was saved to; undefined when gone */
  private async openContent (record: FileRecord): Promise<BlobReader | undefined> {
    if (record.location.kind === 'blob') return this.blobs.open(record.fileId)
    const handle = await open(record.location.path, 'r').catch(() => undefined)
    return handle == null ? undefined : fileReader(handle)
  }

  /**
   * Stores a file's record and manifest. `blob` (written, not yet committed) becomes the
   * file's blob in the same change, and a blob kept from before goes in it when the file
   * is now served from its place: a blob is named, deleted and recorded one change at a
   * time, so an `rm` meeting a `share --copy` of the same bytes never leaves a record whose
   * blob it deleted
   */
  async put (record: FileRecord, manifestBytes: Uint8Array, blob?: BlobWriter): Promise<void> {
    // the disk's write-back of a large copy is waited for outside the queue: other changes go on meanwhile
    await blob?.sync?.()
    await this.changes.run(async () => {
      if (blob != null) await blob.commit(record.fileId)
      const held = record.location.kind === 'path' ? await this.getRecord(record.fileId) : undefined
      await this.writeWhole(record, manifestBytes)
      if (held?.location.kind === 'blob') await this.blobs.delete(record.fileId)
    })
  }

  /**
   * Stores the record `make` builds from the one held now (undefined when none), or
   * nothing when it returns undefined. The read and the write are one change: a
   * download completing keeps what the user changed meanwhile (visibility), and a
   * repair finding the file removed leaves it removed; `dropped` then runs in the same
   * change (the repair's blob goes). A blob held before goes when the file is now served
   * from its place, as in `put`. Returns what was stored.
   */
  async putFrom (fileId: string, manifestBytes: Uint8Array, make: (held: FileRecord | undefined) => Promise<FileRecord | undefined>, dropped?: () => Promise<void>): Promise<FileRecord | undefined> {
    return this.changes.run(async () => {
      const held = await this.getRecord(fileId)
      const record = await make(held)
      if (record == null) {
        await dropped?.()
        return record
      }
      await this.writeWhole(record, manifestBytes)
      if (held?.location.kind === 'blob' && record.location.kind === 'path') await this.blobs.delete(fileId)
      return record
    })
  }

  /** A file's record, manifest and hash entry in one batch */
  private async writeWhole (record: FileRecord, manifestBytes: Uint8Array): Promise<void> {
    const batch = this.datastore.batch()
    batch.put(new Key(`${MANIFESTS}/${record.fileId}`), manifestBytes)
    batch.put(new Key(`${BY_SHA256}/${record.sha256}`), uint8ArrayFromString(record.fileId))
    const { key, value } = recordEntry(record)
    batch.put(key, value)
    await batch.commit()
    this.recordWrites++
  }

  /**
   * Counts the writes of records (put, changed, removed, set aside): a reader that kept a
   * record reads it again once this has moved (a serve session asks before every chunk)
   */
  get recordRevision (): number {
    return this.recordWrites
  }

  private async writeRecord (record: FileRecord): Promise<void> {
    const { key, value } = recordEntry(record)
    await this.datastore.put(key, value)
    this.recordWrites++
  }

  async has (fileId: string): Promise<boolean> {
    return this.datastore.has(new Key(`${FILES}/${fileId}`))
  }

  async get (fileId: string): Promise<StoredFile | undefined> {
    const record = await this.getRecord(fileId)
    return record == null ? undefined : this.withManifest(record)
  }

  /**
   * Only the record of a stored file, its manifest not read: what serve-time
   * authorisation looks at, so a refusal costs what a miss costs, whatever the file's size
   */
  async getRecord (fileId: string): Promise<FileRecord | undefined> {
    const bytes = await getIfPresent(this.datastore, new Key(`${FILES}/${fileId}`))
    if (bytes == null) return undefined
    try {
      return checkFileRecord(jsonObject(bytes), fileId)
    } catch (err: any) {
      await this.setAside(fileId, err.message)
      return undefined
    }
  }

  /** A stored file's record with its manifest (read and checked against the record) */
  async withManifest (record: FileRecord): Promise<StoredFile | undefined> {
    const { fileId } = record
    try {
      const manifestBytes = await this.datastore.get(new Key(`${MANIFESTS}/${fileId}`))
      const manifest = decodeManifest(manifestBytes)
      if (manifest.size !== record.size) throw new Error(`the manifest's size ${manifest.size} is not the record's ${record.size}`)
      return { record, manifest, manifestBytes }
    } catch (err: any) {
      await this.setAside(fileId, err.message)
      return undefined
    }
  }

  /** The file id of a stored file with this whole-file SHA-256 (hex), if any */
  async findBySha256 (sha256Hex: string): Promise<string | undefined> {
    const bytes = await getIfPresent(this.datastore, new Key(`${BY_SHA256}/${sha256Hex.toLowerCase()}`))
    return bytes == null ? undefined : uint8ArrayToString(bytes)
  }

  async list (): Promise<FileRecord[]> {
    const out: FileRecord[] = []
    const bad: Array<[string, string]> = []
    for await (const { key, value } of this.datastore.query({ prefix: FILES })) {
      try {
        out.push(checkFileRecord(jsonObject(value), key.name()))
      } catch (err: any) {
        bad.push([key.name(), err.message])
      }
    }
    for (const [fileId, reason] of bad) await this.setAside(fileId, reason)
    return out.sort((a, b) => a.added - b.added)
  }

  /** A file whose record or manifest does not decode is set aside and forgotten */
  private async setAside (fileId: string, reason: string): Promise<void> {
    await this.quarantine.setAside([new Key(`${FILES}/${fileId}`), new Key(`${MANIFESTS}/${fileId}`)], `file ${fileId}: ${reason}`)
    this.recordWrites++
  }

  /** Forgets a file; deletes its blob (a download's output file is the user's and stays) */
  async remove (fileId: string): Promise<boolean> {
    const stored = await this.changes.run(async () => {
      const stored = await this.get(fileId)
      if (stored == null) return undefined
      const batch = this.datastore.batch()
      for (const key of [`${FILES}/${fileId}`, `${MANIFESTS}/${fileId}`, `${BY_SHA256}/${stored.record.sha256}`]) batch.delete(new Key(key))
      await batch.commit()
      this.recordWrites++
      // in the same change: a share of the same bytes commits its blob in its own (put)
      if (stored.record.location.kind === 'blob') await this.blobs.delete(fileId)
      return stored
    })
    return stored != null
  }

  /**
   * Checks a file's content against its record: size, and for a file outside the repo
   * its mtime, inode and device (cheap, no hashing: `damagedChunks` hashes); a file
   * marked damaged stays so, as does a file shared in place once found changed
   */
  async contentStatus (record: FileRecord): Promise<ContentStatus> {
    return (await this.contentCheck(record)).status
  }

  /** contentStatus, with what differs when the content is not `ok` (for `ls`) */
  async contentCheck (record: FileRecord): Promise<ContentCheck> {
    const { location } = record
    if (record.changed != null) return { status: record.changed.status, reason: record.changed.reason }
    if (location.kind === 'blob') {
      const size = await this.blobs.size(record.fileId)
      if (size == null) return { status: 'missing', reason: 'its copy in the repo is gone' }
      // nobody edits a blob in the repo: a wrong size there is damage, not a user's change
      if (size !== record.size) return { status: 'damaged', reason: `its copy in the repo holds ${size} bytes, not ${record.size}` }
    } else {
      const info = await stat(location.path).catch((err: NodeJS.ErrnoException) => err)
      if (info instanceof Error) return { status: 'missing', reason: `${location.path}: ${info.code ?? info.message}` }
      const change = pathChange(location, info)
      if (change != null) return { status: 'modified', reason: `${location.path}: ${change}` }
    }
    return record.damaged == null ? { status: 'ok' } : { status: 'damaged', reason: 'a chunk fails its hash' }
  }

  /** Marks a file shared in place changed or gone (undefined: clears the mark); returns the record, or undefined when not stored */
  async setChanged (fileId: string, changed: FileRecord['changed']): Promise<FileRecord | undefined> {
    return this.patch(fileId, { changed })
  }

  /** Records where a file outside the repo is now, as stat sees it (a clean re-hash after a restart); undefined when not stored */
  async setLocation (fileId: string, location: FileRecord['location']): Promise<FileRecord | undefined> {
    return this.patch(fileId, { location })
  }

  /** Records which file a stored thumbnail belongs to now; the record, or undefined when not stored */
  async setThumbnailOf (fileId: string, owner: string): Promise<FileRecord | undefined> {
    return this.patch(fileId, { thumbnailOf: owner })
  }

  /** Changes who a stored file is served to (absent: public); returns the record, or undefined when not stored */
  async setVisibility (fileId: string, visibility: NonNullable<FileRecord['visibility']>): Promise<FileRecord | undefined> {
    return this.patch(fileId, { visibility })
  }

  /** Sets the replication policy of a stored file (min 0: kept local only, the field goes); undefined when not stored */
  async setReplication (fileId: string, policy: { min: number, max: number }): Promise<FileRecord | undefined> {
    return this.patch(fileId, { replication: policy.min > 0 ? policy : undefined })
  }

  /** A stored record with some fields replaced (undefined values removed) */
  private async patch (fileId: string, change: Partial<FileRecord>): Promise<FileRecord | undefined> {
    return this.changes.run(async () => {
      const record = await this.getRecord(fileId)
      if (record == null) return undefined
      const updated: FileRecord = { ...record, ...change }
      for (const [k, v] of Object.entries(change)) if (v === undefined) delete updated[k as keyof FileRecord]
      await this.writeRecord(updated)
      return updated
    })
  }

  /** Marks a stored file a replica held for `replica.from` (replication/holder/), or with undefined the user's own; returns the record, or undefined when not stored */
  async setReplica (fileId: string, replica: FileRecord['replica']): Promise<FileRecord | undefined> {
    return this.patch(fileId, { replica })
  }

  /** Marks a file damaged (`at` unix ms) or, with undefined, no longer damaged; returns the updated record */
  async setDamaged (fileId: string, at: number | undefined): Promise<FileRecord | undefined> {
    return this.patch(fileId, { damaged: at })
  }

  /**
   * Hashes every chunk of a stored file against its manifest; returns the indices
   * that fail (all of them when the content cannot be opened). Reads one chunk at a time.
   */
  async damagedChunks (stored: StoredFile): Promise<number[]> {
    const { manifest } = stored
    const count = manifest.chunkHashes.length
    const reader = await this.openContent(stored.record).catch(() => undefined)
    if (reader == null) return Array.from({ length: count }, (_, i) => i)
    const damaged: number[] = []
    try {
      for (let i = 0; i < count; i++) {
        const data = await reader.read(chunkLength(manifest, i), chunkOffset(manifest, i)).catch(() => undefined)
        if (data == null || !chunkMatches(manifest, i, data)) damaged.push(i)
      }
    } finally {
      await reader.close()
    }
    return damaged
  }

  /**
   * Opens a stored file for serving. Returns undefined when the content is gone or,
   * for a file outside the repo, was changed since it was verified (size or mtime).
   */
  async openReader (stored: StoredFile): Promise<ChunkReader | undefined> {
    const { record, manifest } = stored
    if (await this.contentStatus(record) !== 'ok') return undefined
    const reader = await this.openContent(record)
    if (reader == null) return undefined
    const path = record.location.kind === 'path' ? record.location.path : this.blobs.path?.(record.fileId)
    const checked = path == null ? undefined : threadVerifiedRead(path, manifest)
    let closed = false
    return {
      read: async (index: number) => reader.read(chunkLength(manifest, index), chunkOffset(manifest, index)),
      ...(checked == null
        ? {}
        : {
            // the thread reads by path: a closed reader must fail as a read of its closed handle does
            readVerified: async (index: number) => {
              if (closed) throw Object.assign(new Error('Chunk reader is closed'), { code: 'EBADF' })
              return checked(index)
            }
          }),
      close: async () => {
        closed = true
        await reader.close()
      }
    }
  }
}
