/**
 * Sharing a folder or several files as a collection: walk the tree (symlinks and
 * special files skipped, never followed), share each non-empty file as usual (its own
 * file id and manifest), list every file and empty directory under its sanitised
 * path, and store the listing as a file whose SHA-256 the collection id names.
 */
import { readdir } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import {
  type Category,
  type CollectionEntry,
  MAX_COLLECTION_BYTES,
  MAX_COLLECTION_DEPTH,
  MAX_COLLECTION_ENTRIES,
  buildCollection,
  categoryForMime,
  collectionIdFromBytes,
  collectionTotals,
  encodeCollection,
  formatCollectionId,
  parseFileId,
  sanitizeFileName,
  sanitizePathSegment
} from '@peershare/protocol'
import { BadRequestError, PathNotFoundError, fsError } from '../errors.js'
import { dominantCategory } from '../metadata/index.js'
import { type ShareComponents, type ShareOptions, checkCategory, checkDescription, renderGivenThumbnail, shareFile, statToShare } from '../share.js'
import type { FileRecord, OfferDetails } from '../store/file-record.js'
import type { CollectionRecord, CollectionStore } from './collection-store.js'
import { storeListing } from './listing-file.js'

export interface ShareCollectionComponents extends ShareComponents {
  collections: CollectionStore
  /** files hashed at once */
  concurrency: number
}

export interface SharedCollection {
  record: CollectionRecord
  /** the listing, stored as a file */
  listing: FileRecord
  /** the non-empty files, each shared as usual */
  files: FileRecord[]
  /** paths left out: symlinks, sockets, devices (relative to the collection) */
  skipped: string[]
}

/** A file found in the tree, with the path it gets in the collection */
interface Found {
  source: string
  path: string
  size: number
}

/**
 * Shares `paths` as one collection. One directory: its contents, named after it.
 * Several paths: each under its own name, the collection named after their folder.
 */
export async function shareCollection (components: ShareCollectionComponents, paths: string[], options: ShareOptions = {}): Promise<SharedCollection> {
  if (paths.length === 0) throw new BadRequestError('Nothing to share')
  const given = { ...checkDescription(options), ...checkCategory(options.category) }
  // a thumbnail given for the collection is made before any file is stored: a bad one shares nothing
  const givenThumbnail = await renderGivenThumbnail(components, options.thumbnail)
  const walk = new Walk()
  const single = paths.length === 1 ? await statToShare(paths[0]) : undefined
  if (single?.isDirectory() === true) {
    await walk.directory(paths[0], [])
  } else {
    for (const path of paths) await walk.top(path)
  }
  const shared = await mapLimit(walk.files.filter(f => f.size > 0), components.concurrency, async (f) => shareFile(components, f.source, { signal: options.signal, copy: options.copy }))
  const ids = new Map(walk.files.filter(f => f.size > 0).map((f, i) => [f.path, shared[i]]))
  const entries: CollectionEntry[] = [
    ...walk.files.map((f): CollectionEntry => {
      const record = ids.get(f.path)
      // the size shared, not the size seen while walking: the file may have changed since
      return record == null ? { kind: 'file', path: f.path, size: 0 } : { kind: 'file', path: f.path, size: record.size, ...(record.size > 0 ? { fileId: parseFileId(record.fileId) } : {}) }
    }),
    ...walk.emptyDirs.map((path): CollectionEntry => ({ kind: 'directory', path }))
  ]
  const bytes = encodeCollection(buildCollection(entries))
  if (bytes.byteLength > MAX_COLLECTION_BYTES) throw new BadRequestError(`The listing would be ${bytes.byteLength} bytes, over the limit of ${MAX_COLLECTION_BYTES}`)
  const collectionId = formatCollectionId(await collectionIdFromBytes(bytes))
  const previous = await components.collections.get(collectionId)
  const name = collectionName(paths, single?.isDirectory() === true)
  const created = previous?.created ?? Date.now()
  const record: CollectionRecord = {
    ...previous,
    collectionId,
    name,
    ...totalsOf(entries),
    description: given.description ?? previous?.description ?? '',
    tags: given.tags ?? previous?.tags ?? [],
    created,
    added: previous?.added ?? Date.now(),
    listingFileId: ''
  }
  const listing = await storeListing(components, collectionId, bytes, { name, description: record.description, tags: record.tags, created })
  record.listingFileId = listing.fileId
  const thumbnail = givenThumbnail == null ? previous?.details?.thumbnail : await components.thumbnails?.store(givenThumbnail, collectionId, name)
  record.details = collectionDetails(shared, given.category ?? previous?.details?.category, thumbnail)
  await components.collections.put(record)
  const replaced = previous?.details?.thumbnail
  if (replaced != null && replaced !== thumbnail) await components.thumbnails?.release(replaced, collectionId)
  return { record, listing, files: shared, skipped: walk.skipped }
}

/** A collection's offer details: the category chosen or the one with the most bytes, the newest file's mtime */
function collectionDetails (files: FileRecord[], category: Category | undefined, thumbnail: string | undefined): OfferDetails {
  let modified = 0
  for (const f of files) modified = Math.max(modified, f.details?.modified ?? 0)
  return {
    category: category ?? dominantCategory(files.map(f => ({ size: f.size, category: f.details?.category ?? categoryForMime(f.metadata.mimeType) }))),
    modified,
    ...(thumbnail == null ? {} : { thumbnail })
  }
}

function totalsOf (entries: CollectionEntry[]): Pick<CollectionRecord, 'files' | 'directories' | 'size'> {
  return collectionTotals({ version: 1, entries })
}

function collectionName (paths: string[], isDirectory: boolean): string {
  const base = isDirectory ? basename(paths[0]) : basename(dirname(paths[0]))
  try {
    return sanitizeFileName(base)
  } catch {
    return 'collection'
  }
}

/** The files and empty directories of a tree, each under its sanitised relative path */
class Walk {
  readonly files: Found[] = []
  readonly emptyDirs: string[] = []
  readonly skipped: string[] = []
  private readonly seen = new Set<string>()
  private count = 0

  /** One path given by the user: a file or a directory (a symlink given by name is followed) */
  async top (path: string): Promise<void> {
    const info = await statToShare(path)
    if (info == null) throw new PathNotFoundError(`No such file or directory: ${path}`)
    const name = this.segment(basename(path), path)
    if (info.isDirectory()) await this.directory(path, [name])
    else if (info.isFile()) this.add({ source: path, path: name, size: info.size })
    else throw new PathNotFoundError(`Not a regular file or directory: ${path}`)
  }

  /** Everything under `dir`; `prefix` is its path in the collection ([] for the root) */
  async directory (dir: string, prefix: string[]): Promise<void> {
    if (prefix.length >= MAX_COLLECTION_DEPTH) throw new BadRequestError(`${dir} is nested deeper than ${MAX_COLLECTION_DEPTH} levels`)
    const before = this.count
    const children = await readdir(dir, { withFileTypes: true }).catch((err) => { throw fsError(err, dir) })
    children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    for (const child of children) {
      const source = join(dir, child.name)
      const path = [...prefix, this.segment(child.name, source)]
      // never followed: a link could point anywhere, outside the folder included
      if (child.isSymbolicLink() || !(child.isFile() || child.isDirectory())) {
        this.skipped.push(path.join('/'))
        continue
      }
      if (child.isDirectory()) await this.directory(source, path)
      else this.add({ source, path: path.join('/'), size: (await statToShare(source))?.size ?? 0 })
    }
    if (this.count === before && prefix.length > 0) this.addDir(prefix.join('/'))
  }

  private add (found: Found): void {
    this.claim(found.path)
    this.files.push(found)
  }

  private addDir (path: string): void {
    this.claim(path)
    this.emptyDirs.push(path)
  }

  private claim (path: string): void {
    if (this.seen.has(path)) throw new BadRequestError(`Two entries would both be named ${JSON.stringify(path)} in the collection`)
    this.seen.add(path)
    if (++this.count > MAX_COLLECTION_ENTRIES) throw new BadRequestError(`More than ${MAX_COLLECTION_ENTRIES} entries in one collection`)
  }

  private segment (name: string, source: string): string {
    try {
      return sanitizePathSegment(name)
    } catch {
      throw new BadRequestError(`Cannot share ${source}: its name cannot be made safe`)
    }
  }
}

/** `fn` over `items`, at most `limit` at once, results in order; the first failure rejects and starts no more */
export async function mapLimit<T, R> (items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length)
  let next = 0
  let failed = false
  const worker = async (): Promise<void> => {
    while (next < items.length && !failed) {
      const i = next++
      try {
        results[i] = await fn(items[i])
      } catch (err) {
        failed = true
        throw err
      }
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
