/**
 * What sharing and forgetting content do across the node's services: a share is
 * stored, provided on the DHTs, offered (signed, gossiped) and its thumbnail
 * provided; a removal withdraws it from the DHTs and the catalog, stops a repair,
 * forgets it and releases its thumbnail.
 */
import type { PeerId } from '@libp2p/interface'
import { type CollectionId, parseCollectionId } from '@peershare/protocol'
import type { CollectionStore, SharedCollection } from './collection/index.js'
import { shareCollection } from './collection/index.js'
import type { Discovery } from './discovery/index.js'
import type { TransferManager } from './download/transfer-manager.js'
import { type FileKeys, parseRecipients, shareEncryptedFile } from './encryption/index.js'
import { visibilityOf } from './access/index.js'
import { BadRequestError, FileNotFoundError } from './errors.js'
import type { FileIndex } from './dht/index.js'
import { type ShareOptions, shareFile } from './share.js'
import type { ContentHealth } from './store/content-health.js'
import type { FileRecord } from './store/file-record.js'
import type { FileStore } from './store/file-store.js'
import type { Thumbnails } from './thumbnails/index.js'

export interface LocalContentComponents {
  store: FileStore
  collections: CollectionStore
  index: Pick<FileIndex, 'announce' | 'announceCollection' | 'withdraw' | 'withdrawCollection'>
  discovery: Pick<Discovery, 'publish' | 'withdraw'>
  thumbnails: Thumbnails
  transfers: Pick<TransferManager, 'get' | 'cancel'>
  health: Pick<ContentHealth, 'reset'>
  chunkSize: number
  collectionConcurrency: number
  fileKeys: Pick<FileKeys, 'put'>
  /** an encrypted file was shared for `recipients`: grant each its key (the keys service) */
  grantKeys(record: FileRecord, recipients: PeerId[]): Promise<void>
  /** the peer id (text) a contact's name stands for; anything else as it is (contacts/) */
  resolvePeer(nameOrPeerId: string): string
}

export class LocalContent {
  constructor (private readonly components: LocalContentComponents) {}

  /**
   * Shares a local file: hashes it where it is (or stores a copy, `copy`), announces
   * it; returns its record (with the file id). Sharing again a file found changed or
   * gone takes it as it is now: a new record, served and provided again.
   */
  async share (path: string, options: ShareOptions = {}): Promise<FileRecord> {
    if (options.to != null) return this.shareEncrypted(path, options as ShareOptions & { to: string[] })
    const { store, chunkSize, thumbnails, index, discovery, health } = this.components
    const record = await shareFile({ store, chunkSize, thumbnails }, path, options)
    health.reset(record.fileId)
    // shared again with less visibility: names it had in the DHTs are dropped first
    if (visibilityOf(record) !== 'public') await index.withdraw(record)
    index.announce(record)
    await discovery.publish([record])
    await this.announceThumbnail(record)
    return record
  }

  /**
   * Changes who a stored file is served to, at once: serving checks the record on every
   * request; the DHTs drop the names it may no longer be provided under and provide the
   * others; its offer is replaced (contacts), withdrawn (private) or published (public)
   */
  async setVisibility (fileId: string, visibility: NonNullable<FileRecord['visibility']>): Promise<FileRecord> {
    const { store, index, discovery } = this.components
    const record = await store.setVisibility(fileId, visibility)
    if (record == null) throw new FileNotFoundError(`Not a local file: ${fileId}`)
    await index.withdraw(record)
    index.announce(record)
    await discovery.publish([record])
    await this.announceThumbnail(record)
    return record
  }

  /**
   * Shares a local file encrypted for `options.to`: stored and provided under its id
   * (and its ciphertext's SHA-256) only, never offered in the catalog; nothing that
   * would travel in clear (description, tags, category, thumbnail) is taken
   */
  private async shareEncrypted (path: string, options: ShareOptions & { to: string[] }): Promise<FileRecord> {
    const clear = (['description', 'tags', 'category', 'thumbnail'] as const).filter(k => options[k] != null)
    if (clear.length > 0) throw new BadRequestError(`An encrypted file takes no ${clear.join(', ')}: peers would read them in clear`)
    // contact names become their peer ids; parseRecipients then insists on Ed25519 ids
    const recipients = parseRecipients(options.to.map(to => this.components.resolvePeer(to)))
    const { store, chunkSize, fileKeys, index } = this.components
    const record = await shareEncryptedFile({ store, chunkSize, fileKeys }, path, { signal: options.signal, visibility: options.visibility })
    index.announce(record)
    await this.components.grantKeys(record, recipients)
    return record
  }

  /** Shares files and folders as one collection: every file as usual, the listing stored and provided under the collection id */
  async shareCollection (paths: string[], options: ShareOptions = {}): Promise<SharedCollection> {
    if (options.to != null) throw new BadRequestError('Folders are not encrypted as one: share each file with --to')
    const { store, chunkSize, thumbnails, collections, collectionConcurrency: concurrency, index, discovery } = this.components
    if (options.visibility != null && options.visibility !== 'public') throw new BadRequestError('Collections are public: share a file on its own to limit who sees it')
    const shared = await shareCollection({ store, chunkSize, thumbnails, collections, concurrency }, paths, options)
    for (const file of shared.files) this.components.health.reset(file.fileId)
    // the collection first: announcements queue, and its files may be thousands
    index.announceCollection(parseCollectionId(shared.record.collectionId))
    index.announce(shared.listing)
    for (const file of shared.files) index.announce(file)
    // offers: the collection, then its files (a listing is not offered)
    await discovery.publish([shared.record, ...shared.files])
    for (const content of [shared.record, ...shared.files]) await this.announceThumbnail(content)
    return shared
  }

  /** Forgets a stored file and stops providing and offering it */
  async removeFile (fileId: string): Promise<void> {
    const { store, index, discovery, transfers, health, thumbnails } = this.components
    const stored = await store.get(fileId)
    if (stored == null) throw new FileNotFoundError(`Not a local file: ${fileId}`)
    await index.withdraw(stored.record)
    await discovery.withdraw(fileId)
    // a repair under way is not wanted any more
    if (transfers.get(fileId) != null) await transfers.cancel(fileId)
    await store.remove(fileId)
    health.reset(fileId)
    if (stored.record.details?.thumbnail != null) await thumbnails.release(stored.record.details.thumbnail, fileId)
  }

  /** Forgets a collection (its listing too) and stops providing it; its files stay shared */
  async removeCollection (collectionId: CollectionId): Promise<void> {
    const { store, collections, index, discovery, thumbnails } = this.components
    const record = await collections.get(collectionId.toString())
    if (record == null) throw new FileNotFoundError(`Not a local collection: ${collectionId.toString()}`)
    await index.withdrawCollection(collectionId)
    await discovery.withdraw(record.collectionId)
    await collections.remove(record.collectionId)
    if (record.details?.thumbnail != null) await thumbnails.release(record.details.thumbnail, record.collectionId)
    const listing = await store.get(record.listingFileId)
    if (listing != null) {
      await index.withdraw(listing.record)
      await store.remove(record.listingFileId)
    }
  }

  /**
   * A thumbnail is provided like any file, so others can fetch and verify it; that of a
   * contacts or private file is not (its id is in the offer contacts get, and a
   * thumbnail's content would tell what the file shows)
   */
  private async announceThumbnail (record: { details?: FileRecord['details'], visibility?: FileRecord['visibility'] }): Promise<void> {
    const { details } = record
    if (visibilityOf(record) !== 'public') return
    const thumbnail = details?.thumbnail == null ? undefined : await this.components.store.get(details.thumbnail)
    if (thumbnail != null) this.components.index.announce(thumbnail.record)
  }
}
