/**
 * Collections: a folder or several files shared under one id. `shareCollection`
 * walks and shares the tree and stores its listing; `CollectionDownloads` recreates a
 * collection's tree from its id, each file through the normal transfer engine;
 * `CollectionStore` remembers the collections this node shares or downloaded.
 * The listing format and its validation live in `@peershare/protocol` (collection.ts).
 */
import type { CollectionId } from '@peershare/protocol'
import { formatCollectionId, parseCollectionId } from '@peershare/protocol'
import { CollectionDownload, type CollectionDownloadComponents, type CollectionDownloadOptions } from './download-collection.js'

export { CollectionStore, type CollectionRecord } from './collection-store.js'
export { shareCollection, type ShareCollectionComponents, type SharedCollection } from './share-collection.js'
export { CollectionDownload, type CollectionDownloadOptions, type CollectionProgress, type CollectionState } from './download-collection.js'
export { COLLECTION_MIME } from './listing-file.js'

/** The collection downloads of a node: one per collection id at a time, attached to by a second `get` */
export class CollectionDownloads {
  private readonly downloads = new Map<string, CollectionDownload>()

  constructor (private readonly components: CollectionDownloadComponents) {}

  /** Starts downloading a collection, or returns its download already under way */
  start (collectionId: CollectionId, options: CollectionDownloadOptions = {}): CollectionDownload {
    const key = formatCollectionId(collectionId)
    const existing = this.downloads.get(key)
    if (existing != null) return existing
    const download = new CollectionDownload(this.components, collectionId, options)
    this.downloads.set(key, download)
    const forget = (): void => { this.downloads.delete(key) }
    download.done().then(forget, forget)
    return download
  }

  list (): CollectionDownload[] {
    return [...this.downloads.values()]
  }

  /** Carries on with the collection downloads a stop or crash interrupted (their files' downloads resume on their own) */
  async restore (): Promise<void> {
    for (const saved of await this.components.collections.downloads()) {
      this.start(parseCollectionId(saved.collectionId), { output: saved.output, peers: saved.peers, priority: saved.priority, force: saved.force })
    }
  }

  /** The node is stopping: running downloads stay saved, to resume on the next start */
  stop (): void {
    for (const download of this.downloads.values()) download.markStopping()
    this.downloads.clear()
  }
}
