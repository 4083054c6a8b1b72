/**
 * What the node keeps about each collection it shares or downloaded, under
 * `/peershare/collections/<collection id>`; a record that does not decode is set
 * aside (quarantined) and skipped. The listing itself is a stored file (its
 * record has `listingOf` set), so it is served and verified like any other file.
 */
import type { Priority } from '@peershare/protocol'
import { Key, type Datastore, type Pair } from 'interface-datastore'
import { fromString as uint8ArrayFromString } from 'uint8arrays/from-string'
import { getIfPresent } from '../datastore-read.js'
import { type Quarantine, checkCollectionDownload, checkCollectionRecord, jsonObject } from '../records/index.js'
import type { OfferDetails } from '../store/file-record.js'

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
  /**
   * offer details of a collection this node shares: `--category` or the category with
   * the most bytes of its files, the newest file's mtime, the `--thumbnail` given
   */
  details?: OfferDetails
}

/** A collection download under way, saved so a restarted node carries on with it */
export interface SavedCollectionDownload {
  collectionId: string
  /** the real path of the directory the tree goes in */
  output: string
  /** peers asked first for every file */
  peers: string[]
  priority: Priority
  /** `get --force`: files at the output that are not the collection's are replaced */
  force?: true
}

const COLLECTIONS = '/peershare/collections'
const DOWNLOADS = '/peershare/collection-downloads'

export class CollectionStore {
  constructor (private readonly datastore: Datastore, private readonly quarantine: Quarantine) {}

  async put (record: CollectionRecord): Promise<void> {
    await this.datastore.put(new Key(`${COLLECTIONS}/${record.collectionId}`), uint8ArrayFromString(JSON.stringify(record)))
  }

  async get (collectionId: string): Promise<CollectionRecord | undefined> {
    const key = new Key(`${COLLECTIONS}/${collectionId}`)
    // one read: `has` is a whole read of its own
    const value = await getIfPresent(this.datastore, key)
    if (value == null) return undefined
    return (await this.decode([{ key, value }], checkCollectionRecord, 'collection'))[0]
  }

  async list (): Promise<CollectionRecord[]> {
    const out = await this.decode(this.under(COLLECTIONS), checkCollectionRecord, 'collection')
    return out.sort((a, b) => a.added - b.added)
  }

  async saveDownload (download: SavedCollectionDownload): Promise<void> {
    await this.datastore.put(new Key(`${DOWNLOADS}/${download.collectionId}`), uint8ArrayFromString(JSON.stringify(download)))
  }

  async removeDownload (collectionId: string): Promise<void> {
    await this.datastore.delete(new Key(`${DOWNLOADS}/${collectionId}`))
  }

  async downloads (): Promise<SavedCollectionDownload[]> {
    return this.decode(this.under(DOWNLOADS), checkCollectionDownload, 'collection download')
  }

  private under (prefix: string): Iterable<Pair> | AsyncIterable<Pair> {
    return this.datastore.query({ prefix: new Key(prefix).toString() })
  }

  /** The records of `entries` that decode; the others are set aside */
  private async decode<T> (entries: Iterable<Pair> | AsyncIterable<Pair>, check: (value: Record<string, unknown>, id: string) => T, kind: string): Promise<T[]> {
    const out: T[] = []
    const bad: Array<[Key, string]> = []
    for await (const entry of entries) {
      try {
        out.push(check(jsonObject(entry.value), entry.key.name()))
      } catch (err: any) {
        bad.push([entry.key, `${kind} ${entry.key.name()}: ${err.message}`])
      }
    }
    for (const [badKey, reason] of bad) await this.quarantine.setAside([badKey], reason)
    return out
  }

  async remove (collectionId: string): Promise<boolean> {
    const key = new Key(`${COLLECTIONS}/${collectionId}`)
    if (!(await this.datastore.has(key))) return false
    await this.datastore.delete(key)
    return true
  }
}
