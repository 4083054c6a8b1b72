/**
 * The downloads of a node: starts them (or attaches to one already running for the
 * same file), lists and controls them, restores them after a restart (re-verifying
 * what the partial file holds), and offers their verified chunks to other peers.
 */
import type { Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  Bitfield,
  type FileRef,
  type Priority,
  bytesToHex,
  formatFileId,
  parseFileId,
  verifyManifest
} from '@peershare/protocol'
import { FileNotFoundError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import type { PartialFiles, ServableFile, WantedFile } from '../exchange/servable.js'
import { type DestinationOptions, destinationPath } from './destination.js'
import { PartialFile, siblingPath } from './partial-file.js'
import { type SourceFinder, Transfer, type TransferComponents, type TransferProgress } from './transfer.js'
import type { TransferStore } from './transfer-store.js'

export interface StartOptions extends DestinationOptions {
  /** a peer that has the file, asked first; without it the DHT is asked */
  from?: PeerId | Multiaddr
  /** more peers known to have the file (multiaddrs with /p2p/, or peer ids), tried at once */
  peers?: string[]
  priority?: Priority
  /** cancels finding the first source (the download itself then runs on its own) */
  signal?: AbortSignal
}

export interface TransferManagerComponents extends Omit<TransferComponents, 'finder'> {
  finder: SourceFinder
  /** the first source: `from`, or a provider from the DHT */
  openFirst(ref: FileRef, options: { from?: PeerId | Multiaddr, signal?: AbortSignal }): Promise<FetchSession>
  transfers: TransferStore
  log: Logger
}

export class TransferManager implements PartialFiles {
  private readonly transfers = new Map<string, Transfer>()

  constructor (private readonly components: TransferManagerComponents) {}

  /** Starts downloading `ref`, or returns the download of that file already under way */
  async start (ref: FileRef, options: StartOptions = {}): Promise<Transfer> {
    if (ref.kind === 'file-id') {
      const existing = this.transfers.get(formatFileId(ref.fileId))
      if (existing != null) return this.revive(existing)
    }
    const session = await this.openFirst(ref, options)
    const fileId = formatFileId(session.fileId)
    const existing = this.transfers.get(fileId)
    if (existing != null) {
      this.revive(existing).start(session)
      return existing
    }
    try {
      const output = await destinationPath(options, session.metadata)
      const partial = await PartialFile.create(siblingPath(output, '.peershare-partial'), session.manifest, output)
      const record = {
        fileId,
        output,
        partialPath: partial.path,
        metadata: session.metadata,
        priority: options.priority ?? 'normal',
        state: 'running' as const,
        sources: [...new Set([...(options.from == null ? [] : [options.from.toString()]), ...(options.peers ?? [])])],
        created: Date.now()
      }
      await this.components.transfers.save(record, session.manifestBytes)
      const transfer = new Transfer(this.components, record, session.manifest, session.manifestBytes, new Bitfield(session.manifest.chunkHashes.length), partial)
      this.track(transfer)
      transfer.start(session)
      return transfer
    } catch (err: any) {
      session.abort(err)
      throw err
    }
  }

  /** The first source: `from`, else the first of `peers` that answers, else a DHT provider */
  private async openFirst (ref: FileRef, options: StartOptions): Promise<FetchSession> {
    if (options.from == null) {
      for (const peer of options.peers ?? []) {
        const signal = options.signal ?? AbortSignal.timeout(this.components.settings.noSourceTimeout)
        try {
          return await this.components.finder.open(peer, ref, signal)
        } catch (err: any) {
          if (options.signal?.aborted === true) throw err
          this.components.log('first source %s: %s', peer, err.message)
        }
      }
    }
    return this.components.openFirst(ref, options)
  }

  get (fileId: string): Transfer | undefined {
    return this.transfers.get(fileId)
  }

  list (): TransferProgress[] {
    return [...this.transfers.values()].map(t => t.progress())
  }

  async pause (fileId: string): Promise<TransferProgress> {
    const transfer = this.require(fileId)
    await transfer.pause()
    return transfer.progress()
  }

  async resume (fileId: string): Promise<TransferProgress> {
    const transfer = this.require(fileId)
    transfer.start()
    return transfer.progress()
  }

  async cancel (fileId: string): Promise<void> {
    await this.require(fileId).cancel()
    this.transfers.delete(fileId)
  }

  /** Loads downloads interrupted by a stop or crash; checks their partial files; resumes those that were running */
  async restore (): Promise<void> {
    for (const saved of await this.components.transfers.all()) {
      const { record } = saved
      try {
        const manifest = await verifyManifest(parseFileId(record.fileId), saved.manifestBytes)
        const count = manifest.chunkHashes.length
        const durable = saved.verified.byteLength === Math.ceil(count / 8) ? Bitfield.decode(count, saved.verified) : new Bitfield(count)
        const partial = await PartialFile.reopen(record.partialPath, manifest)
        const damaged = await partial.recheck(durable)
        if (damaged > 0) {
          this.components.log('%d damaged chunks in %s will be fetched again', damaged, record.partialPath)
          await this.components.transfers.saveVerified(record.fileId, durable.toBytes())
        }
        const transfer = new Transfer(this.components, record, manifest, saved.manifestBytes, durable, partial)
        this.track(transfer)
        if (record.state === 'running') transfer.start()
      } catch (err: any) {
        this.components.log('cannot restore download of %s: %s', record.fileId, err.message)
      }
    }
  }

  /** Stops every download for a node shutdown; each resumes on the next start */
  async stop (): Promise<void> {
    await Promise.allSettled([...this.transfers.values()].map(async t => t.shutdown()))
    this.transfers.clear()
  }

  find (wanted: WantedFile): ServableFile | undefined {
    for (const transfer of this.transfers.values()) {
      const match = 'fileId' in wanted ? transfer.fileId === wanted.fileId : bytesToHex(transfer.manifest.sha256) === wanted.sha256
      if (match && transfer.state !== 'cancelled') return transfer.servable()
    }
    return undefined
  }

  noteInterest (fileId: string, peer: PeerId): void {
    this.transfers.get(fileId)?.noteInterest(peer.toString())
  }

  private track (transfer: Transfer): void {
    this.transfers.set(transfer.fileId, transfer)
    // a completed download is a stored file now; failed ones stay, to be resumed
    transfer.done().then(() => { this.transfers.delete(transfer.fileId) }, () => {})
  }

  private revive (transfer: Transfer): Transfer {
    if (transfer.state === 'paused' || transfer.state === 'failed') transfer.start()
    return transfer
  }

  private require (fileId: string): Transfer {
    const transfer = this.transfers.get(fileId)
    if (transfer == null) throw new FileNotFoundError(`No download of ${fileId}`)
    return transfer
  }
}
