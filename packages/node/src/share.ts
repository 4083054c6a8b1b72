/**
 * Sharing a local file: one sequential pass that hashes every chunk and the whole
 * file, in memory bounded by one chunk. By default the file is shared in place: the
 * record keeps its path, size, mtime, inode and device, and serving reads it there
 * (every chunk checked against its hash); `copy` copies the bytes into the blob store
 * in the same pass instead.
 * The same pass keeps the file's head, from which its MIME type is detected; the
 * record carries the offer details (category, times, thumbnail) the catalog publishes.
 */
import { createHash } from 'node:crypto'
import type { Stats } from 'node:fs'
import { type FileHandle, open, stat } from 'node:fs/promises'
import { basename } from 'node:path'
import {
  type Category,
  MANIFEST_VERSION,
  MAX_CHUNKS,
  MAX_FILE_SIZE,
  chunkSizeFor,
  chunkCountFor,
  MAX_DESCRIPTION_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  encodeManifest,
  fileIdFromManifestBytes,
  formatFileId,
  parseCategory,
  sanitizeFileName,
  type FileMetadata,
  type Manifest
} from '@peershare/protocol'
import { readUpTo } from './fs-read.js'
import { AbortedError, BadRequestError, FileChangedError, InvalidCategoryError, PathNotFoundError, fsError } from './errors.js'
import { SNIFF_BYTES, chooseCategory, detectMimeType, originalTimes } from './metadata/index.js'
import type { BlobWriter } from './store/blob-store.js'
import { type FileLocation, type FileRecord, type OfferDetails, blobRecord } from './store/file-record.js'
import { type FileStore, pathChange } from './store/file-store.js'

export interface ShareOptions {
  description?: string
  tags?: string[]
  /** the offer's category (one of CATEGORIES, any case); without it the MIME type's, or the one chosen before */
  category?: string
  /** path of an image (JPEG, PNG, WebP, GIF, AVIF, TIFF) shown for the file or collection; images get one made anyway */
  thumbnail?: string
  /**
   * encrypt the file for these recipients (Ed25519 peer ids; none: only this node holds
   * the key until a grant): a fresh key per share, so a new file id each time (encryption/)
   */
  to?: string[]
  /** who the file is served to (access/); without it a file shared before keeps its visibility, a new one is public */
  visibility?: NonNullable<FileRecord['visibility']>
  /** how many peers keep the file alive (replication/); without it config `replication.shareDefault` (0:0, local only) */
  replicas?: { min: number, max: number }
  /**
   * keep a private copy in the repo's blob store instead of serving the file from its
   * path (what uploads, thumbnails and encrypted shares always do) @default false
   */
  copy?: boolean
  signal?: AbortSignal
}

/**
 * What sharing needs of thumbnails (`../thumbnails/`, given here so that module can
 * share its thumbnail files through this one without an import cycle)
 */
export interface ShareThumbnails {
  /** the thumbnail of an image the user gave; throws PathNotFoundError or InvalidThumbnailError */
  fromGiven(path: string): Promise<Uint8Array>
  /** the thumbnail of a shared file when it is an image the node decodes, else undefined (never throws) */
  fromContent(path: string, mimeType: string): Promise<Uint8Array | undefined>
  /** stores thumbnail bytes as a file of the repo that shows `of`; returns its file id */
  store(bytes: Uint8Array, of: string, name: string): Promise<string>
  /** forgets a thumbnail that `formerOwner` no longer shows, unless something else still names it */
  release(thumbnailId: string, formerOwner: string): Promise<void>
}

export interface ShareComponents {
  /** the content goes into its blob store */
  store: FileStore
  chunkSize: number
  /** absent: no thumbnails (what storing a thumbnail itself uses) */
  thumbnails?: ShareThumbnails
}

/** How a file the node makes itself is stored: its name, and the content its thumbnail shows */
export interface StoreAs {
  name?: string
  thumbnailOf?: string
}

/**
 * Shares the file at `path`: hashes it where it is (or copies it into the blob store
 * with `copy`, hashing as it goes), detects
 * its MIME type from its head, records it with its offer details, and makes or stores
 * its thumbnail. Sharing the same content again updates what was given (see mergeMetadata).
 */
export async function shareFile (components: ShareComponents, path: string, options: ShareOptions = {}, as: StoreAs = {}): Promise<FileRecord> {
  const given = checkShareOptions(as.name ?? basename(path), options)
  const info = await statToShare(path)
  if (info == null || !info.isFile()) throw new PathNotFoundError(`No such file: ${path}`)
  // a file too large for MAX_CHUNKS chunks of the node's size gets larger chunks
  const chunkSize = chunkSizeFor(info.size, components.chunkSize)
  if (chunkCountFor(info.size, chunkSize) > MAX_CHUNKS) {
    throw new BadRequestError(`${path} is too large: at most ${MAX_FILE_SIZE} bytes (${MAX_CHUNKS} chunks of ${chunkSize} bytes)`)
  }
  // a thumbnail the user gave is made before anything is stored: a bad one shares nothing
  const givenThumbnail = await renderGivenThumbnail(components, options.thumbnail)

  const { fileId, manifest, manifestBytes, head, location, blob } = options.copy === true
    ? await importFile(components, path, chunkSize, options.signal)
    : await hashInPlace(path, chunkSize, options.signal)
  try {
    return await storeShared(components, { path, info, given, givenThumbnail, fileId, manifest, manifestBytes, head, location, blob }, options, as)
  } finally {
    await blob?.abort()
  }
}

/** Records a hashed file with its offer details (its blob, when copied, committed with the record) */
async function storeShared (components: ShareComponents, file: HashedFile & SharedPath, options: ShareOptions, as: StoreAs): Promise<FileRecord> {
  const { path, info, given, givenThumbnail, fileId, manifest, manifestBytes, head, location, blob } = file
  const previous = (await components.store.get(fileId))?.record
  const mimeType = await detectMimeType(head, given.name)
  const times = originalTimes(info)
  const thumbnail = await thumbnailFor(components, { fileId, path, name: given.name, mimeType, previous }, givenThumbnail)
  const details: OfferDetails = {
    category: chooseCategory(mimeType, given.category, previous?.details?.category),
    modified: times.modified,
    ...(thumbnail == null ? {} : { thumbnail })
  }
  const record: FileRecord = {
    ...blobRecord(fileId, manifest, mergeMetadata({ ...given, mimeType, created: times.created }, previous), previous),
    location,
    details,
    ...visibilityFor(options.visibility ?? previous?.visibility),
    // content the user shared as a file of its own stays one, even if it is also a thumbnail
    ...(as.thumbnailOf != null && (previous == null || previous.thumbnailOf != null) ? { thumbnailOf: as.thumbnailOf } : {})
  }
  // shared in place now: a copy kept from an earlier share is no longer needed (put deletes it)
  await components.store.put(record, manifestBytes, blob).catch((err) => { throw fsError(err, 'the datastore') })
  const replaced = previous?.details?.thumbnail
  if (replaced != null && replaced !== thumbnail) await components.thumbnails?.release(replaced, fileId)
  return record
}

/** The record's visibility field: absent for public (what records without one mean) */
function visibilityFor (visibility: FileRecord['visibility']): Pick<FileRecord, 'visibility'> {
  return visibility == null || visibility === 'public' ? {} : { visibility }
}

/** The file being shared, as found before hashing it */
interface SharedPath {
  path: string
  info: Stats
  given: GivenMetadata
  /** the thumbnail the user gave, rendered */
  givenThumbnail?: Uint8Array
}

/** A file hashed for sharing: its id, manifest, first bytes, and where its content is kept */
interface HashedFile {
  fileId: string
  manifest: Manifest
  manifestBytes: Uint8Array
  head: Uint8Array
  location: FileLocation
  /** the copy in the blob store (`--copy`), written but not yet named: the record's put commits it */
  blob?: BlobWriter
}

/** Copies the file into the blob store under its file id, with its manifest and first bytes */
async function importFile (components: ShareComponents, path: string, chunkSize: number, signal?: AbortSignal): Promise<HashedFile> {
  const blob = await components.store.blobs.create()
  try {
    const { manifest, head } = await copyAndHash(path, blob, chunkSize, signal)
    const manifestBytes = encodeManifest(manifest)
    const fileId = formatFileId(await fileIdFromManifestBytes(manifestBytes))
    return { fileId, manifest, manifestBytes, head, location: { kind: 'blob' }, blob }
  } catch (err) {
    await blob.abort()
    throw fsError(err, path)
  }
}

/**
 * Hashes the file where it is; its location is what stat said before the pass, which
 * must still hold after it (same size, mtime, inode, device): a file written to while
 * it was hashed would be recorded with chunks it no longer has
 */
async function hashInPlace (path: string, chunkSize: number, signal?: AbortSignal): Promise<HashedFile> {
  const input = await open(path, 'r').catch((err) => { throw fsError(err, path) })
  try {
    const before = await input.stat()
    const { manifest, head } = await hashChunks(input, chunkSize, undefined, signal)
    const after = await stat(path)
    const location: FileLocation = { kind: 'path', path, size: before.size, mtimeMs: before.mtimeMs, ino: before.ino, dev: before.dev }
    const change = pathChange(location, after) ?? (manifest.size === before.size ? undefined : `read ${manifest.size} bytes of ${before.size}`)
    if (change != null) throw new FileChangedError(`${path} changed while it was being shared (${change}): share it again once it is written`)
    const manifestBytes = encodeManifest(manifest)
    const fileId = formatFileId(await fileIdFromManifestBytes(manifestBytes))
    return { fileId, manifest, manifestBytes, head, location }
  } catch (err) {
    throw fsError(err, path)
  } finally {
    await input.close()
  }
}

/**
 * The file id of the thumbnail a shared file gets: the one the user gave; else the one
 * it had (a re-share keeps it); else one made from the content when it is an image
 */
async function thumbnailFor (components: ShareComponents, file: { fileId: string, path: string, name: string, mimeType: string, previous?: FileRecord }, given?: Uint8Array): Promise<string | undefined> {
  const { thumbnails, store } = components
  const kept = file.previous?.details?.thumbnail
  if (thumbnails == null) return kept
  if (given != null) return notItself(await thumbnails.store(given, file.fileId, file.name), file.fileId)
  if (kept != null && await store.has(kept)) return kept
  // rendered from the file just hashed, not its blob: a blob store may keep no files
  const made = await thumbnails.fromContent(file.path, file.mimeType)
  return made == null ? undefined : notItself(await thumbnails.store(made, file.fileId, file.name), file.fileId)
}

/** A small WebP shared as it is may come out of rendering byte for byte: it is not its own thumbnail */
function notItself (thumbnailId: string, fileId: string): string | undefined {
  return thumbnailId === fileId ? undefined : thumbnailId
}

/** The thumbnail made of the image the user gave (`--thumbnail`), checked before anything is stored */
export async function renderGivenThumbnail (components: ShareComponents, path: string | undefined): Promise<Uint8Array | undefined> {
  if (path == null) return undefined
  if (components.thumbnails == null) throw new BadRequestError('This share takes no thumbnail')
  return components.thumbnails.fromGiven(path)
}

/** Metadata given with a share; description and tags only when the caller gave them */
type GivenMetadata = Pick<FileMetadata, 'name'> & Partial<Pick<FileMetadata, 'description' | 'tags'>> & { category?: Category }

function checkShareOptions (name: string, options: ShareOptions): GivenMetadata {
  return { name: sanitizeFileName(name), ...checkDescription(options), ...checkCategory(options.category) }
}

/** The category a user named, as `{ category }`; `{}` when none was given */
export function checkCategory (value: string | undefined): { category?: Category } {
  if (value == null) return {}
  try {
    return { category: parseCategory(value) }
  } catch (err: any) {
    throw new InvalidCategoryError(err.message)
  }
}

/** Validates description and tags, keeping absent ones absent */
export function checkDescription (options: Pick<ShareOptions, 'description' | 'tags'>): Partial<Pick<FileMetadata, 'description' | 'tags'>> {
  const out: Partial<Pick<FileMetadata, 'description' | 'tags'>> = {}
  if (options.tags != null) {
    const tags = [...new Set(options.tags)]
    if (tags.length > MAX_TAGS) throw new BadRequestError(`At most ${MAX_TAGS} tags`)
    if (tags.some(t => t.length === 0 || t.length > MAX_TAG_LENGTH)) throw new BadRequestError(`Tags are 1 to ${MAX_TAG_LENGTH} characters`)
    out.tags = tags
  }
  if (options.description != null) {
    if (options.description.length > MAX_DESCRIPTION_LENGTH) throw new BadRequestError(`Description is at most ${MAX_DESCRIPTION_LENGTH} characters`)
    out.description = options.description
  }
  return out
}

/**
 * Sharing content again updates its metadata: what is given now replaces what was
 * there, what is not given (no --tag, no --description) keeps its earlier value. The
 * creation time is the earliest known: the same content may come from a newer copy.
 */
export function mergeMetadata (given: GivenMetadata & Pick<FileMetadata, 'mimeType' | 'created'>, previous?: Pick<FileRecord, 'metadata'>): FileMetadata {
  const before = previous?.metadata
  return {
    name: given.name,
    mimeType: given.mimeType,
    description: given.description ?? before?.description ?? '',
    tags: given.tags ?? before?.tags ?? [],
    created: earliest(given.created, before?.created ?? 0)
  }
}

/** The earlier of two unix ms times, 0 standing for unknown */
function earliest (a: number, b: number): number {
  if (a <= 0) return Math.max(b, 0)
  return b > 0 ? Math.min(a, b) : a
}

/** The file's stat, undefined when it does not exist; a permission problem is said as such */
export async function statToShare (path: string): Promise<Stats | undefined> {
  try {
    return await stat(path)
  } catch (err: any) {
    if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined
    throw fsError(err, path)
  }
}

/** Copies `src` into the blob `dest` (committed by the caller) while hashing it */
async function copyAndHash (src: string, dest: BlobWriter, chunkSize: number, signal?: AbortSignal): Promise<{ manifest: Manifest, head: Uint8Array }> {
  const input = await open(src, 'r')
  try {
    return await hashChunks(input, chunkSize, dest, signal)
  } finally {
    await input.close()
  }
}

/**
 * Reads `input` chunk by chunk, hashing each chunk and the whole, writing a copy to
 * `dest` when given; keeps a copy of the first SNIFF_BYTES (the read buffer is reused)
 */
async function hashChunks (input: FileHandle, chunkSize: number, dest: BlobWriter | undefined, signal?: AbortSignal): Promise<{ manifest: Manifest, head: Uint8Array }> {
  const whole = createHash('sha256')
  const chunkHashes: Uint8Array[] = []
  const buf = Buffer.allocUnsafe(chunkSize)
  let size = 0
  let head = new Uint8Array(0)
  while (true) {
    if (signal?.aborted === true) throw new AbortedError('Share cancelled')
    const n = await readUpTo(input, buf, size)
    if (n === 0) break
    const chunk = buf.subarray(0, n)
    if (size === 0) head = Uint8Array.from(chunk.subarray(0, SNIFF_BYTES))
    chunkHashes.push(createHash('sha256').update(chunk).digest())
    whole.update(chunk)
    await dest?.write(chunk, size)
    size += n
    if (n < chunkSize) break
  }
  return { manifest: { version: MANIFEST_VERSION, size, chunkSize, chunkHashes, sha256: whole.digest() }, head }
}
