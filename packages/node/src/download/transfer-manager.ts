/**
 * The downloads of a node: starts them (or attaches to one already running for the
 * same file), lists and controls them, restores them after a restart (re-verifying
 * what the partial file holds), and offers their verified chunks to other peers.
 * A download by file id starts at once, even when nobody has the file yet: it waits,
 * stalled, for a source (its manifest comes with the first one).
 */
import type { Connection, Logger, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  Bitfield,
  type FileRef,
  bytesToHex,
  type Manifest,
  formatFileId
} from '@peershare/protocol'
import { FileNotFoundError, SourceBusyError, TransferFinishedError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import type { PartialFiles, ServableFile, WantedFile } from '../exchange/servable.js'
import { type HeldCiphertext, startFromHeldCopy } from './decrypt-download.js'
import { type StartDestination, refuseExistingOutput, startRecord, startsIntoRepo } from './destination.js'
import { DownloadContent } from './download-content.js'
import { type KeptFile, startKept } from './kept-file.js'
import { PartialFile } from './partial-file.js'
import { type SourceFinder, Transfer, type TransferComponents, type TransferProgress } from './transfer.js'
import type { TransferRecord, TransferStore } from './transfer-store.js'

export interface StartOptions extends StartDestination {
  /** a peer that has the file, asked first; without it the DHT is asked */
  from?: PeerId | Multiaddr
  /** more peers known to have the file (multiaddrs with /p2p/, or peer ids), tried at once */
  peers?: string[]
  /** cancels finding the first source by SHA-256 (the download itself then runs on its own) */
  signal?: AbortSignal
  /**
   * the size the file must have: a manifest giving another fails the download before
   * anything is written (a holder reserved quota for the size a replica request stated)
   */
  size?: number
  /**
   * a start the node makes for itself (a thumbnail's fetch): it joins a download under
   * way as it is, never taking over a replica fetch or a repair as a user's start does
   */
  internal?: boolean
  /**
   * fetch from `from` and `peers` only: no DHT lookup, no peer that asks us for the
   * file, no grant senders. A replica fetch takes what its asker serves, so a request
   * cannot make the holder fetch (and then serve) what the asker could not give it
   */
  onlyFrom?: boolean
  /** the caller puts the file where it wants it itself (a collection's files, copied from the store): a join makes no copy */
  ownCopies?: boolean
  /**
   * this start joined a download that puts the file elsewhere: a copy goes where this
   * start asked, once the file is complete; told the copy's path (download-copies.ts)
   */
  copied?: (placed: Promise<string>) => void
}

export interface TransferManagerComponents extends Omit<TransferComponents, 'finder'> {
  finder: SourceFinder
  /** the first source: `from`, or a provider from the DHT */
  openFirst(ref: FileRef, options: { from?: PeerId | Multiaddr, signal?: AbortSignal }): Promise<FetchSession>
  /** the node keeps this file already (a finished download): for a clear answer to pause/resume/cancel */
  isStored(fileId: string): Promise<boolean>
  /** a user's download took over the replica fetch of this file (`Transfer.takeOver`), or started one of a file held as a replica: it is no replica any more */
  takenOver?(fileId: string): void
  /** the complete ciphertext of an encrypted file, when the node holds it in its repo (a download to read it starts from there) */
  heldCiphertext?(fileId: string): Promise<HeldCiphertext | undefined>
  /** the file when the node keeps it as stored (its own share, a finished download, a held replica): a user's start copies it from there, or for a start into the repo (`intoRepo`) takes it as it is */
  keptFile?(fileId: string, intoRepo: boolean): Promise<KeptFile | undefined>
  /** the file id of a SHA-256 the node keeps (a start by SHA-256 asks nobody for it) */
  keptId?(sha256: string): Promise<string | undefined>
  transfers: TransferStore
  log: Logger
}

export class TransferManager implements PartialFiles {
  private readonly transfers = new Map<string, Transfer>()
  /** the last start of each file under way: starts of one file run one after another (`oneAtATime`) */
  private readonly starts = new Map<string, Promise<unknown>>()
  private readonly progressListeners = new Set<(p: TransferProgress) => void>()

  constructor (private readonly components: TransferManagerComponents) {}

  /**
   * Starts downloading `ref`, or returns the download of that file already under way.
   * By file id the download starts at once (stalled until a source answers); by
   * SHA-256 a first source must answer to say which file id it is (else FileNotFoundError).
   */
  async start (ref: FileRef, options: StartOptions = {}): Promise<Transfer> {
    const peers = [...new Set([...(options.from == null ? [] : [options.from.toString()]), ...(options.peers ?? [])])]
    if (ref.kind === 'file-id') return this.startFile(formatFileId(ref.fileId), peers, options)
    const kept = isUserStart(options) ? await this.components.keptId?.(bytesToHex(ref.sha256)) : undefined
    if (kept != null) return this.startFile(kept, peers, options)
    const session = await this.openFirst(ref, options)
    try {
      return await this.startFile(formatFileId(session.fileId), peers, options, session)
    } catch (err: any) {
      session.abort(err)
      throw err
    }
  }

  /** A start of `fileId`: a failed download it replaces, else the one under way it joins, else a new one; `first`, an open session with a source */
  private async startFile (fileId: string, peers: string[], options: StartOptions, first?: FetchSession): Promise<Transfer> {
    return this.oneAtATime(fileId, async () => {
      await this.replaceFailed(fileId, options)
      const existing = this.transfers.get(fileId)
      if (existing == null) return this.create(fileId, peers, options, first)
      const joined = await this.joined(existing, options)
      if (first != null) joined.start(first)
      else joined.suggest(peers)
      return joined
    })
  }

  /**
   * Runs the starts of one file one after another: each finds the download the one
   * before made, replaced or left, and nothing else starts that file while it checks an
   * output or cancels a failed download. Starts at once (a peer's Wants for a damaged
   * file each asking for its repair, a `get` beside a replica's fetch) so join one
   * download rather than make one each, of which only the last was listed; and a start
   * joining a download never resumes one another start has just cancelled.
   */
  private async oneAtATime<T> (fileId: string, start: () => Promise<T>): Promise<T> {
    const run = (this.starts.get(fileId) ?? Promise.resolve()).then(start)
    const settled = run.then(() => {}, () => {})
    this.starts.set(fileId, settled)
    try {
      return await run
    } finally {
      if (this.starts.get(fileId) === settled) this.starts.delete(fileId)
    }
  }

  /** A new download (unless the node keeps the file: `startKept`): its record saved before anything else, so a restart resumes it */
  private async create (fileId: string, sources: string[], options: StartOptions, first?: FetchSession): Promise<Transfer> {
    const intoRepo = startsIntoRepo(options)
    const output = options.output ?? options.offeredName
    // at once: each await waits its turn on a busy event loop
    const [kept] = await Promise.all([
      // a collection's file start (`ownCopies`) tried the store itself: it downloads
      isUserStart(options) && options.ownCopies !== true ? this.components.keptFile?.(fileId, intoRepo) : undefined,
      intoRepo ? undefined : refuseExistingOutput({ ...options, output })
    ])
    const fromStore = kept == null ? undefined : await startKept(this.components, kept, options, first)
    if (fromStore != null) return fromStore
    // the repo's copy failed (marked damaged): its repair fetches the file again, and this
    // start gets its copy from it, as a start that joins a repair does (a download of its
    // own would put the file's record at its output and leave the blob behind)
    if (kept?.inRepo === true && !intoRepo) {
      // a replica's too: the file is the user's from now on, as for any download of it
      this.components.takenOver?.(fileId)
      return this.joined(await this.create(fileId, sources, { repair: true, priority: options.priority }, first), options)
    }
    // a user's download of a file held as a replica: the file is theirs from now on
    if (isUserStart(options)) this.components.takenOver?.(fileId)
    const record: TransferRecord = {
      ...startRecord(fileId, options),
      ...(options.stream === true ? { inOrder: true } : {}),
      sources,
      ...(options.size == null ? {} : { expectedSize: options.size }),
      ...(options.onlyFrom === true ? { fixedSources: true as const } : {}),
      ...(options.repair === true ? { repair: true as const } : {})
    }
    // at once: each await waits its turn on a busy event loop
    const [, held] = await Promise.all([this.components.transfers.begin(record), this.components.heldCiphertext?.(record.fileId)])
    const transfer = new Transfer(this.components, record, held == null ? undefined : await this.fromHeldCopy(record, held))
    this.track(transfer)
    transfer.start(first)
    return transfer
  }

  /** An encrypted file whose ciphertext the node holds, to be read: it starts complete, to decrypt (decrypt-download.ts) */
  private async fromHeldCopy (record: TransferRecord, held: HeldCiphertext): Promise<DownloadContent | undefined> {
    return startFromHeldCopy(this.components.keys, this.components.transfers, record, held).catch((err: Error) => {
      this.components.log('the held copy of %s does not start its download (fetching instead): %s', record.fileId, err.message)
      return undefined
    })
  }

  /** The first source: `from`, else the first of `peers` that answers, else a DHT provider */
  private async openFirst (ref: FileRef, options: StartOptions): Promise<FetchSession> {
    if (options.from == null) {
      for (const peer of options.peers ?? []) {
        const signal = options.signal ?? AbortSignal.timeout(this.components.settings.sourceRefreshInterval)
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

  /** Calls `listener` with every progress report of every download (the web UI's live updates); returns the unsubscribe */
  onProgress (listener: (p: TransferProgress) => void): () => void {
    this.progressListeners.add(listener)
    return () => this.progressListeners.delete(listener)
  }

  list (): TransferProgress[] {
    return [...this.transfers.values()].map(t => t.progress())
  }

  async pause (fileId: string): Promise<TransferProgress> {
    const transfer = await this.require(fileId)
    await transfer.pause()
    return transfer.progress()
  }

  async resume (fileId: string): Promise<TransferProgress> {
    const transfer = await this.require(fileId)
    transfer.start()
    return transfer.progress()
  }

  async cancel (fileId: string): Promise<void> {
    await (await this.require(fileId)).cancel()
    this.transfers.delete(fileId)
  }

  /**
   * Cancels the download of `fileId` if one is there and not complete, removing its
   * partial file and saved state; nothing if there is none (a replica fetch given up on
   * is not a download to resume)
   */
  async discard (fileId: string): Promise<void> {
    const transfer = this.transfers.get(fileId)
    if (transfer != null && transfer.state !== 'completed') await this.cancel(fileId)
  }

  /**
   * Loads downloads interrupted by a stop or crash; checks their partial files;
   * resumes those that were running (stalled ones too). Returns what it loaded.
   */
  async restore (): Promise<Transfer[]> {
    const restored: Transfer[] = []
    for (const saved of await this.components.transfers.all()) {
      const { record } = saved
      try {
        const content = saved.manifest == null ? undefined : await this.reopen(record, saved.manifest, saved.verified)
        const transfer = new Transfer(this.components, record, content)
        this.track(transfer)
        restored.push(transfer)
        if (record.state === 'running') transfer.start()
      } catch (err: any) {
        this.components.log('cannot restore download of %s: %s', record.fileId, err.message)
      }
    }
    return restored
  }

  /**
   * The partial file of a saved download, every chunk recorded as verified hashed
   * again. A verified list that does not fit the manifest is not trusted: every chunk
   * of the partial file is checked instead, and those that match are kept.
   */
  private async reopen (record: TransferRecord, saved: { manifest: Manifest, bytes: Uint8Array }, verified?: Uint8Array): Promise<DownloadContent> {
    const { manifest } = saved
    const count = manifest.chunkHashes.length
    const partial = await PartialFile.reopen(record.partialPath as string, manifest, record.output)
    let durable = new Bitfield(count)
    let invalid = false
    try {
      if (verified != null) durable = Bitfield.decode(count, verified)
    } catch (err: any) {
      this.components.log('the verified list of %s is invalid (%s): checking every chunk', record.fileId, err.message)
      invalid = true
      durable = Bitfield.full(count)
    }
    const damaged = await partial.recheck(durable)
    if (damaged > 0 || invalid) {
      this.components.log('%d damaged chunks in %s will be fetched again', damaged, record.partialPath)
      await this.components.transfers.saveVerified(record.fileId, durable.toBytes())
    }
    return new DownloadContent(manifest, saved.bytes, durable, partial, record.inOrder)
  }

  /** Stops every download for a node shutdown; each resumes on the next start */
  async stop (): Promise<void> {
    await Promise.allSettled([...this.transfers.values()].map(async t => t.shutdown()))
    this.transfers.clear()
  }

  find (wanted: WantedFile): ServableFile | undefined {
    for (const transfer of this.transfers.values()) {
      if (!transfer.ready) continue
      const match = 'fileId' in wanted ? transfer.fileId === wanted.fileId : bytesToHex(transfer.manifest.sha256) === wanted.sha256
      if (match && transfer.state !== 'cancelled') return transfer.servable()
    }
    return undefined
  }

  /** A verified chunk of a download failed its hash when read for a peer: fetch it again */
  chunkDamaged (fileId: string, index: number): void {
    this.transfers.get(fileId)?.forget(index)
  }

  /** A peer connected: stalled downloads look for sources again at once (it may be one come back) */
  /** A connection opened: downloads fetching from that peer through a relay move to it if it is direct */
  connectionOpened (connection: Pick<Connection, 'remotePeer' | 'remoteAddr' | 'limits'>): void {
    for (const transfer of this.transfers.values()) transfer.connectionOpened(connection)
  }

  wake (): void {
    for (const transfer of this.transfers.values()) transfer.wake()
  }

  noteInterest (fileId: string, peer: PeerId): void {
    this.transfers.get(fileId)?.noteInterest(peer.toString())
  }

  private track (transfer: Transfer): void {
    this.transfers.set(transfer.fileId, transfer)
    // a completed download is a stored file now, a cancelled one is gone (whoever cancelled it:
    // a get's signal, a preview's timeout); failed ones stay, to be resumed (and may complete on a later run)
    transfer.onProgress(p => {
      if ((p.state === 'completed' || p.state === 'cancelled') && this.transfers.get(p.fileId) === transfer) this.transfers.delete(p.fileId)
      for (const listener of this.progressListeners) listener(p)
    })
  }

  /**
   * A download under way that a start joins. A user's start takes a replica fetch or a
   * repair over (the holder lets the fetch go: `takenOver`; the file is kept even if
   * removed meanwhile); a replica fetch never joins a user's download, which would make
   * the user's file a replica, or cancel it when the fetch gives up. A user's start that
   * wants the file elsewhere than the download puts it gets a copy there (`copied`).
   */
  private async joined (existing: Transfer, options: StartOptions): Promise<Transfer> {
    if (options.onlyFrom === true && !existing.fixedSources) throw new SourceBusyError(`${existing.fileId} is being downloaded by the user: not fetched as a replica`)
    const user = isUserStart(options)
    // a copy for a user's start that named another output, or whose file would otherwise stay in the repo;
    // a start naming none (say, a `get --peer` adding a source) joins as it is
    const destination = { ...options, output: options.output ?? options.offeredName }
    const elsewhere = user && options.hold !== true && options.stream !== true && options.ownCopies !== true &&
      (options.output != null || existing.intoRepo) && existing.goesElsewhere(destination)
    // a copy's output named outright must not exist either: said now, not when the download ends
    if (elsewhere) await refuseExistingOutput(destination)
    if (user && (existing.fixedSources || existing.repair)) {
      const replica = existing.fixedSources
      existing.takeOver()
      if (replica) this.components.takenOver?.(existing.fileId)
    }
    if (elsewhere) options.copied?.((await existing.copyTo(destination)).placed)
    return this.revive(existing)
  }

  /**
   * A user's start that names another place than a failed download of the file that
   * verified nothing (its place failed it before its first chunk: a folder it may not
   * write in): the failed one is cancelled and the start makes a new download at the new
   * place, rather than join the old one and fail again where it failed. A start naming
   * the same place, or none (a `get --peer` adding a source), resumes it; so does any
   * start of a failed download holding verified chunks, which are never thrown away here.
   * Called inside `oneAtATime`: no other start of the file runs meanwhile.
   */
  private async replaceFailed (fileId: string, options: StartOptions): Promise<void> {
    const existing = this.transfers.get(fileId)
    if (existing?.state !== 'failed' || options.onlyFrom === true || options.repair === true || options.internal === true || options.ownCopies === true) return
    if (options.hold === true || options.stream === true || (options.output == null && !existing.intoRepo)) return
    const destination = { ...options, output: options.output ?? options.offeredName }
    if (!existing.goesElsewhere(destination) || existing.progress().bytesDone > 0) return
    // the new place is checked before the old download is given up
    await refuseExistingOutput(destination)
    if (this.transfers.get(fileId) !== existing || existing.state !== 'failed') return
    this.components.log('the failed download of %s gives way to one at another place', fileId)
    this.transfers.delete(fileId)
    try {
      await existing.cancel()
    } catch (err) {
      // a cancel that fails (its partial file or saved state not removed) leaves the download listed, as it was
      if (!this.transfers.has(fileId)) this.transfers.set(fileId, existing)
      throw err
    }
  }

  private revive (transfer: Transfer): Transfer {
    if (transfer.state === 'paused' || transfer.state === 'failed') transfer.start()
    return transfer
  }

  private async require (fileId: string): Promise<Transfer> {
    const transfer = this.transfers.get(fileId)
    if (transfer != null) return transfer
    if (await this.components.isStored(fileId)) {
      throw new TransferFinishedError(`The download of ${fileId} is finished: the file is in place (\`peershare ls\` shows it, \`peershare rm\` forgets it)`)
    }
    throw new FileNotFoundError(`No download of ${fileId}`)
  }
}

/** A start the user made: not a replica fetch, a repair, nor one the node makes for itself */
function isUserStart (options: StartOptions): boolean {
  return options.onlyFrom !== true && options.repair !== true && options.internal !== true
}
