/**
 * Downloading a collection: fetch and verify the listing, lay out the tree under the
 * output directory (empty folders and empty files made at once, every parent checked
 * so nothing is written through a symlink), then fetch each distinct file with the
 * normal engine (multi-source, verified, resumable), a few at a time. Files already in
 * place and verified are skipped, so running `get` again resumes an interrupted
 * collection; the download is also saved once its tree is laid out, and a restarted
 * node carries on with it (`CollectionDownloads.restore`).
 */
import type { PeerId } from '@libp2p/interface'
import type { CollectionProgress, CollectionState } from '@peershare/client'
import type { Multiaddr } from '@multiformats/multiaddr'
import { createHash } from 'node:crypto'
import { lstat, realpath } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import {
  type CollectionEntry,
  type CollectionId,
  type Priority,
  collectionTotals,
  formatCollectionId,
  formatFileId,
  parseFileId,
  sanitizeFileName
} from '@peershare/protocol'
import { OutputExistsError, OutputUnsafeError, fsError } from '../errors.js'
import type { KeptFile } from '../download/kept-file.js'
import type { Transfer } from '../download/transfer.js'
import type { TransferManager } from '../download/transfer-manager.js'
import type { FileStore } from '../store/file-store.js'
import type { CollectionRecord, CollectionStore } from './collection-store.js'
import { type FetchListingComponents, type FetchedListing, fetchListing } from './fetch-listing.js'
import { type ListingComponents, storeListing } from './listing-file.js'
import { createEmptyFile, ensureDirectories, targetPath } from './safe-fs.js'
import { mapLimit } from './share-collection.js'
import { fileSha256 } from '../fs-read.js'
import { mkdirForUser } from '../file-modes.js'

export interface CollectionDownloadOptions {
  /** a peer that has the collection, asked first */
  from?: PeerId | Multiaddr
  /** more peers that have it (multiaddrs with /p2p/, or peer ids) */
  peers?: string[]
  /** the directory to recreate the tree in; default: the collection's name in `cwd` */
  output?: string
  cwd?: string
  priority?: Priority
  /** replaces files at the output that are not the collection's (`get --force`); directories and symlinks never */
  force?: boolean
  /** cancels fetching the listing */
  signal?: AbortSignal
}

// the JSON shapes live with the control API's client
export type { CollectionProgress, CollectionState }

export interface CollectionDownloadComponents {
  store: FileStore
  collections: CollectionStore
  listing: FetchListingComponents
  listingStore: ListingComponents
  transfers: Pick<TransferManager, 'start'>
  /** the file when the node keeps it intact (download/kept-file.ts): its copy verifies every chunk and marks a rotted one damaged */
  keptFile(fileId: string): Promise<Pick<KeptFile, 'copyTo'> | undefined>
  /** provides the collection id once the whole tree is here */
  announce(collectionId: CollectionId): void
  /** the name a signed offer in the catalog gives the collection, preferred to the listing's */
  offeredName?(collectionId: string): Promise<string | undefined>
  concurrency: number
}

type FileEntry = Extract<CollectionEntry, { kind: 'file' }>

export class CollectionDownload {
  readonly collectionId: string
  private readonly listeners = new Set<(p: CollectionProgress) => void>()
  private readonly running = new Map<string, { bytes: number, rate: number }>()
  private readonly result: Promise<CollectionRecord>
  /** settles once the listing is verified and the tree laid out (or that failed) */
  private readonly prepared = Promise.withResolvers<void>()
  /** set when the node stops: the saved download stays, to resume on the next start */
  private stopping = false
  private state: CollectionState = 'listing'
  private name = ''
  private output = ''
  private filesDone = 0
  private filesTotal = 0
  private bytesDone = 0
  private bytesTotal = 0
  private error?: { code: string, message: string }

  constructor (private readonly components: CollectionDownloadComponents, private readonly id: CollectionId, private readonly options: CollectionDownloadOptions) {
    this.collectionId = formatCollectionId(id)
    this.result = this.run()
    this.result.catch(() => {})
    this.prepared.promise.catch(() => {})
  }

  /** Waits until the listing is verified and the tree laid out; rejects if that failed */
  async ready (): Promise<void> {
    return this.prepared.promise
  }

  /** The node is stopping: what fails from now on is the stop, not the download */
  markStopping (): void {
    this.stopping = true
  }

  async done (): Promise<CollectionRecord> {
    return this.result
  }

  progress (): CollectionProgress {
    let inFlight = 0
    let rate = 0
    for (const r of this.running.values()) {
      inFlight += r.bytes
      rate += r.rate
    }
    return {
      collectionId: this.collectionId,
      name: this.name,
      output: this.output,
      state: this.state,
      filesDone: this.filesDone,
      filesTotal: this.filesTotal,
      bytesDone: this.bytesDone + inFlight,
      bytesTotal: this.bytesTotal,
      rate,
      active: this.running.size,
      ...(this.error == null ? {} : { error: this.error })
    }
  }

  onProgress (listener: (p: CollectionProgress) => void): () => void {
    this.listeners.add(listener)
    return () => { this.listeners.delete(listener) }
  }

  private emit (): void {
    const p = this.progress()
    for (const listener of this.listeners) listener(p)
  }

  private async run (): Promise<CollectionRecord> {
    try {
      const listing = await fetchListing(this.components.listing, this.id, this.options)
      const totals = collectionTotals(listing.collection)
      this.name = (await this.components.offeredName?.(this.collectionId)) ?? listingName(listing)
      this.filesTotal = totals.files
      this.bytesTotal = totals.size
      if (listing.peer != null) {
        await storeListing(this.components.listingStore, this.collectionId, listing.bytes, { ...listing.metadata, name: this.name })
      }
      const root = await this.makeRoot()
      const sources = this.sources(listing)
      await this.components.collections.saveDownload({ collectionId: this.collectionId, output: root, peers: sources, priority: this.options.priority ?? 'normal', ...(this.options.force === true ? { force: true } : {}) })
      this.state = 'running'
      this.emit()
      const pending = await this.layOut(root, listing.collection.entries)
      this.prepared.resolve()
      await mapLimit([...pending.values()], this.components.concurrency, async (targets) => this.fetchFile(targets, sources))
      const record = await this.record(listing, totals)
      await this.components.collections.removeDownload(this.collectionId)
      this.state = 'completed'
      this.emit()
      this.components.announce(this.id)
      return record
    } catch (err: any) {
      this.state = 'failed'
      this.error = { code: typeof err?.code === 'string' ? err.code : 'ERR_INTERNAL', message: String(err?.message ?? err) }
      this.emit()
      this.prepared.reject(err)
      if (!this.stopping) await this.components.collections.removeDownload(this.collectionId).catch(() => {})
      throw err
    }
  }

  /** The output directory, created if missing; its real path, so stored paths match later runs */
  private async makeRoot (): Promise<string> {
    const cwd = this.options.cwd ?? process.cwd()
    const root = this.options.output == null ? join(cwd, this.name) : resolve(cwd, this.options.output)
    const info = await lstat(root).catch(() => undefined)
    if (info != null && !info.isDirectory() && !info.isSymbolicLink()) throw new OutputExistsError(`Output exists and is not a directory: ${root}`)
    try {
      await mkdirForUser(root)
      this.output = await realpath(root)
    } catch (err) {
      throw fsError(err, root)
    }
    return this.output
  }

  /**
   * Makes every directory and empty file; returns the files still to fetch, grouped by
   * file id (identical content is fetched once and copied). Files already verified in
   * place count as done.
   */
  private async layOut (root: string, entries: CollectionEntry[]): Promise<Map<string, Array<{ entry: FileEntry, target: string }>>> {
    const pending = new Map<string, Array<{ entry: FileEntry, target: string }>>()
    for (const entry of entries) {
      const target = targetPath(root, entry.path)
      const segments = entry.path.split('/')
      if (entry.kind === 'directory') {
        await ensureDirectories(root, segments)
        continue
      }
      await ensureDirectories(root, segments.slice(0, -1))
      if (entry.fileId == null) {
        await createEmptyFile(target, this.options.force === true)
        this.fileDone(0)
      } else if (await this.inPlace(entry, target)) {
        this.fileDone(entry.size)
      } else {
        const fileId = formatFileId(entry.fileId)
        pending.set(fileId, [...(pending.get(fileId) ?? []), { entry, target }])
      }
    }
    return pending
  }

  /** True when `target` already holds the entry's verified content; when another file is there, false with `force` (it is replaced), else throws */
  private async inPlace (entry: FileEntry, target: string): Promise<boolean> {
    const info = await lstat(target).catch(() => undefined)
    if (info == null) return false
    if (info.isSymbolicLink()) throw new OutputUnsafeError(`${target} is a symbolic link: not followed`)
    const stored = entry.fileId == null ? undefined : await this.components.store.get(formatFileId(entry.fileId))
    if (info.isFile() && stored != null && info.size === entry.size) {
      const { location } = stored.record
      if (location.kind === 'path' && location.path === target && location.mtimeMs === info.mtimeMs) return true
      if (await sha256Of(target) === stored.record.sha256) return true
    }
    if (info.isFile() && this.options.force === true) return false
    throw new OutputExistsError(`Output exists: ${target}${info.isFile() ? ' (--force replaces it)' : ''}`)
  }

  private fileDone (bytes: number): void {
    this.filesDone++
    this.bytesDone += bytes
    this.emit()
  }

  /** Peers to ask first for every file: whoever served the listing, and those the caller named */
  private sources (listing: FetchedListing): string[] {
    const out = [
      ...(listing.peer == null ? [] : [listing.peer.toString()]),
      ...(this.options.from == null ? [] : [this.options.from.toString()]),
      ...(this.options.peers ?? [])
    ]
    return [...new Set(out)]
  }

  /** One distinct file: copied from the store if this node has it, else downloaded; then copied to its other paths */
  private async fetchFile (targets: Array<{ entry: FileEntry, target: string }>, sources: string[]): Promise<void> {
    const { entry } = targets[0]
    const fileId = formatFileId(entry.fileId as CollectionId)
    let remaining = targets
    if (!(await this.copyFromStore(fileId, targets[0].target))) {
      // the download went to the target, unless it joined one going elsewhere (then it is copied from the store)
      if (await this.download(fileId, targets[0].target, sources) === targets[0].target) {
        this.fileDone(entry.size)
        remaining = targets.slice(1)
      }
    } else {
      this.fileDone(entry.size)
      remaining = targets.slice(1)
    }
    for (const { target } of remaining) {
      if (!(await this.copyFromStore(fileId, target))) throw new OutputExistsError(`Could not copy the downloaded file to ${target}`)
      this.fileDone(entry.size)
    }
  }

  private async copyFromStore (fileId: string, target: string): Promise<boolean> {
    const kept = await this.components.keptFile(fileId)
    return kept != null && await kept.copyTo(target, this.options.force === true)
  }

  /** Downloads the file, to `target` unless it joins a download going elsewhere; returns where the download put it */
  private async download (fileId: string, target: string, sources: string[]): Promise<string> {
    const ref = { kind: 'file-id' as const, fileId: parseFileId(fileId) }
    // joined a download going elsewhere: `fetchFile` copies the file from the store itself
    const transfer: Transfer = await this.components.transfers.start(ref, { peers: sources, output: target, cwd: this.output, priority: this.options.priority, force: this.options.force, ownCopies: true })
    const unsubscribe = transfer.onProgress(p => {
      this.running.set(fileId, { bytes: p.bytesDone, rate: p.rate })
      this.emit()
    })
    try {
      await transfer.done()
      return transfer.progress().output
    } finally {
      unsubscribe()
      this.running.delete(fileId)
    }
  }

  private async record (listing: FetchedListing, totals: ReturnType<typeof collectionTotals>): Promise<CollectionRecord> {
    const previous = await this.components.collections.get(this.collectionId)
    const listingFileId = (await this.components.store.findBySha256(createHash('sha256').update(listing.bytes).digest('hex'))) ?? ''
    const record: CollectionRecord = {
      collectionId: this.collectionId,
      listingFileId,
      name: this.name,
      ...totals,
      description: previous?.description ?? listing.metadata.description,
      tags: previous?.tags ?? listing.metadata.tags,
      created: previous?.created ?? listing.metadata.created,
      added: previous?.added ?? Date.now(),
      path: this.output
    }
    await this.components.collections.put(record)
    return record
  }
}

/** The collection's name from its listing file's metadata (already sanitised on receipt) */
function listingName (listing: FetchedListing): string {
  try {
    return sanitizeFileName(listing.metadata.name)
  } catch {
    return 'collection'
  }
}

async function sha256Of (path: string): Promise<string> {
  return (await fileSha256(path)).toString('hex')
}
