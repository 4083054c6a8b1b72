/**
 * What the node keeps about each collection it shares or downloaded, under
 * `/peershare/collections/<collection id>`. The listing itself is a stored file (its
 * record has `listingOf` set), so it is served and verified like any other file.
 */
import type { Priority } from '@peershare/protocol'
import { Key, type Datastore } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'

export interface CollectionRecord {
  /** canonical text form of the collection id */
  collectionId: string
  /** file id of the listing, stored as a file */
  listingFileId: string
  /** the shared folder's name (or the parent folder's, for several files) */
  name: string
  /** files in the collection, empty ones included */
  files: number
  /** empty directories listed */
  directories: number
  /** total bytes of its files */
  size: number
  description: string
  tags: string[]
  /** unix ms the sharer created the collection */
  created: number
  /** unix ms this node got it */
  added: number
  /** where a downloaded collection was saved */
  path?: string
}

/** A collection download under way, saved so a restarted node carries on with it */
export interface SavedCollectionDownload {
  collectionId: string
  /** the real path of the directory the tree goes in */
  output: string
  /** peers asked first for every file */
  peers: string[]
  priority: Priority
}

const COLLECTIONS = '/peershare/collections'
const DOWNLOADS = '/peershare/collection-downloads'

export class CollectionStore {
  constructor (private readonly datastore: Datastore) {}

  async put (record: CollectionRecord): Promise<void> {
    await this.datastore.put(new Key(`${COLLECTIONS}/${record.collectionId}`), uint8ArrayFromString(JSON.stringify(record)))
  }

  async get (collectionId: string): Promise<CollectionRecord | undefined> {
    const key = new Key(`${COLLECTIONS}/${collectionId}`)
    if (!(await this.datastore.has(key))) return undefined
    return JSON.parse(uint8ArrayToString(await this.datastore.get(key))) as CollectionRecord
  }

  async list (): Promise<CollectionRecord[]> {
    const out: CollectionRecord[] = []
    for await (const { value } of this.datastore.query({ prefix: COLLECTIONS })) {
      out.push(JSON.parse(uint8ArrayToString(value)) as CollectionRecord)
    }
    return out.sort((a, b) => a.added - b.added)
  }

  async saveDownload (download: SavedCollectionDownload): Promise<void> {
    await this.datastore.put(new Key(`${DOWNLOADS}/${download.collectionId}`), uint8ArrayFromString(JSON.stringify(download)))
  }

  async removeDownload (collectionId: string): Promise<void> {
    await this.datastore.delete(new Key(`${DOWNLOADS}/${collectionId}`))
  }

  async downloads (): Promise<SavedCollectionDownload[]> {
    const out: SavedCollectionDownload[] = []
    for await (const { value } of this.datastore.query({ prefix: DOWNLOADS })) {
      out.push(JSON.parse(uint8ArrayToString(value)) as SavedCollectionDownload)
    }
    return out
  }

  async remove (collectionId: string): Promise<boolean> {
    const key = new Key(`${COLLECTIONS}/${collectionId}`)
    if (!(await this.datastore.has(key))) return false
    await this.datastore.delete(key)
    return true
  }
}
