/**
 * Sharing a local file: one sequential pass that hashes every chunk and the whole
 * file while copying the bytes into the blob store, in memory bounded by one chunk.
 */
import { createHash, randomUUID } from 'node:crypto'
import type { Stats } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import { basename, join } from 'node:path'
import {
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
  sanitizeFileName,
  type FileMetadata,
  type Manifest
} from '@peershare/protocol'
import mime from 'mime'
import { readUpTo } from './fs-read.js'
import { AbortedError, BadRequestError, PathNotFoundError, fsError } from './errors.js'
import { type FileRecord, blobRecord } from './store/file-record.js'
import type { FileStore } from './store/file-store.js'

export interface ShareOptions {
  description?: string
  tags?: string[]
  signal?: AbortSignal
}

export interface ShareComponents {
  store: FileStore
  blobDir: string
  chunkSize: number
}

export async function shareFile (components: ShareComponents, path: string, options: ShareOptions = {}): Promise<FileRecord> {
  const metadata = checkShareOptions(path, options)
  const info = await statToShare(path)
  if (info == null || !info.isFile()) throw new PathNotFoundError(`No such file: ${path}`)
  // a file too large for MAX_CHUNKS chunks of the node's size gets larger chunks
  const chunkSize = chunkSizeFor(info.size, components.chunkSize)
  if (chunkCountFor(info.size, chunkSize) > MAX_CHUNKS) {
    throw new BadRequestError(`${path} is too large: at most ${MAX_FILE_SIZE} bytes (${MAX_CHUNKS} chunks of ${chunkSize} bytes)`)
  }

  const tmp = join(components.blobDir, `.import-${randomUUID()}`)
  try {
    const manifest = await copyAndHash(path, tmp, chunkSize, options.signal)
    const manifestBytes = encodeManifest(manifest)
    const fileId = formatFileId(await fileIdFromManifestBytes(manifestBytes))
    // same content shared before: the blob is already there and identical
    await rename(tmp, components.store.blobPath(fileId))
    const previous = (await components.store.get(fileId))?.record
    const record = blobRecord(fileId, manifest, mergeMetadata(metadata, previous), previous)
    await components.store.put(record, manifestBytes)
    return record
  } catch (err) {
    throw fsError(err, components.blobDir)
  } finally {
    await rm(tmp, { force: true })
  }
}

/** Metadata given with a share; description and tags only when the caller gave them */
type GivenMetadata = Pick<FileMetadata, 'name' | 'mimeType'> & Partial<Pick<FileMetadata, 'description' | 'tags'>>

function checkShareOptions (path: string, options: ShareOptions): GivenMetadata {
  const name = sanitizeFileName(basename(path))
  return { name, mimeType: mime.getType(name) ?? 'application/octet-stream', ...checkDescription(options) }
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
 * there, what is not given (no --tag, no --description) keeps its earlier value.
 */
export function mergeMetadata (given: GivenMetadata, previous?: Pick<FileRecord, 'metadata'>): FileMetadata {
  const before = previous?.metadata
  return {
    name: given.name,
    mimeType: given.mimeType,
    description: given.description ?? before?.description ?? '',
    tags: given.tags ?? before?.tags ?? [],
    created: before?.created ?? Date.now()
  }
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

/** Reads `src` chunk by chunk, hashing each chunk and the whole, writing a durable copy to `dest` */
async function copyAndHash (src: string, dest: string, chunkSize: number, signal?: AbortSignal): Promise<Manifest> {
  const input = await open(src, 'r')
  const output = await open(dest, 'w', 0o600)
  try {
    const whole = createHash('sha256')
    const chunkHashes: Uint8Array[] = []
    const buf = Buffer.allocUnsafe(chunkSize)
    let size = 0
    while (true) {
      if (signal?.aborted === true) throw new AbortedError('Share cancelled')
      const n = await readUpTo(input, buf, size)
      if (n === 0) break
      const chunk = buf.subarray(0, n)
      chunkHashes.push(createHash('sha256').update(chunk).digest())
      whole.update(chunk)
      await output.write(chunk, 0, n, size)
      size += n
      if (n < chunkSize) break
    }
    await output.sync()
    return { version: MANIFEST_VERSION, size, chunkSize, chunkHashes, sha256: whole.digest() }
  } finally {
    await input.close()
    await output.close()
  }
}
