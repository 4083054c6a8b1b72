/**
 * Thumbnails as files of their own: the WebP bytes are written to a temporary file
 * in the repo's folder and shared through the normal share path, so each thumbnail has a
 * manifest and a file id, is served and verified like any file and provided on the
 * DHT. Its record says which content it shows (`thumbnailOf`), which keeps it out of
 * `ls` and lets `rm` of that content take it along.
 */
import { randomUUID } from 'node:crypto'
import { rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '@libp2p/interface'
import type { CollectionStore } from '../collection/collection-store.js'
import { PathNotFoundError, fsError } from '../errors.js'
import type { FileIndex } from '../dht/index.js'
import { type ShareThumbnails, shareFile, statToShare } from '../share.js'
import type { FileStore } from '../store/file-store.js'
import { THUMBNAIL_SOURCE_TYPES, renderThumbnail } from './render.js'

export interface ThumbnailsComponents {
  store: FileStore
  /** where the temporary file a thumbnail is shared from is written (Node-side: rendering and sharing read paths) */
  scratchDir: string
  chunkSize: number
  /** collections name thumbnails too */
  collections: Pick<CollectionStore, 'list'>
  /** a thumbnail forgotten is no longer provided */
  index: Pick<FileIndex, 'withdraw'>
  log: Logger
}

export class Thumbnails implements ShareThumbnails {
  /** renders run one at a time: a collection of large photos decodes one image, not `collectionConcurrency` */
  private rendering: Promise<unknown> = Promise.resolve()

  constructor (private readonly components: ThumbnailsComponents) {}

  async fromGiven (path: string): Promise<Uint8Array> {
    const info = await statToShare(path)
    if (info == null || !info.isFile()) throw new PathNotFoundError(`No such image for the thumbnail: ${path}`)
    return this.render(path)
  }

  async fromContent (path: string, mimeType: string): Promise<Uint8Array | undefined> {
    if (!THUMBNAIL_SOURCE_TYPES.has(mimeType)) return undefined
    try {
      return await this.render(path)
    } catch (err: any) {
      // a corrupt image or a decompression bomb is shared all the same, without a thumbnail
      this.components.log('no thumbnail: %s', err.message)
      return undefined
    }
  }

  private async render (path: string): Promise<Uint8Array> {
    const run = this.rendering.then(async () => renderThumbnail(path))
    this.rendering = run.catch(() => {})
    return run
  }

  async store (bytes: Uint8Array, of: string, name: string): Promise<string> {
    const { store, scratchDir, chunkSize } = this.components
    const tmp = join(scratchDir, `.import-thumbnail-${randomUUID()}`)
    try {
      await writeFile(tmp, bytes, { mode: 0o600 })
      const record = await shareFile({ store, chunkSize }, tmp, { copy: true }, { name: `${name}.thumbnail.webp`, thumbnailOf: of })
      return record.fileId
    } catch (err) {
      throw fsError(err, scratchDir)
    } finally {
      await rm(tmp, { force: true })
    }
  }

  /**
   * Forgets a thumbnail `formerOwner` no longer shows, unless another stored file or
   * collection still names it (then it shows that one), or the user shared the same
   * bytes as a file of their own.
   */
  async release (thumbnailId: string, formerOwner: string): Promise<void> {
    const { store, collections, index } = this.components
    const stored = await store.get(thumbnailId)
    const record = stored?.record
    if (stored == null || record?.thumbnailOf == null) return
    const owners = [
      ...(await store.list()).filter(r => r.details?.thumbnail === thumbnailId).map(r => r.fileId),
      ...(await collections.list()).filter(c => c.details?.thumbnail === thumbnailId).map(c => c.collectionId)
    ].filter(id => id !== formerOwner)
    if (owners.length > 0) {
      if (!owners.includes(record.thumbnailOf)) await store.setThumbnailOf(thumbnailId, owners[0])
      return
    }
    await index.withdraw(record)
    await store.remove(thumbnailId)
  }
}
