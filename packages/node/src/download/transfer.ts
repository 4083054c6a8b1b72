/**
 * One download in the daemon: a partial file and workers fetching from several
 * sources at once. It finds sources (given peers, peers it remembers, peers that ask
 * us for the same file, DHT providers) and adds them as they appear, up to
 * `maxSources`; drops sources that fail; checkpoints (sync, then record verified
 * chunks) every `checkpointInterval`; and on completion checks the whole-file
 * SHA-256, puts the file in place and becomes a provider of it.
 *
 * A download may start before anyone has given its manifest (nobody reachable has
 * the file yet): it waits, `stalled`, and takes the manifest and the file's name from
 * the first source whose Offer verifies. With no source delivering it never fails:
 * it says why (`stallReason`) and looks again (`LookSchedule`).
 */
import { resolve } from 'node:path'
import type { Connection, Logger } from '@libp2p/interface'
import { Bitfield, type Manifest, type Priority } from '@peershare/protocol'
import { AbortedError, DiskFullError, FileChangedError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import type { ServableFile } from '../exchange/servable.js'
import type { FileRecord } from '../store/file-record.js'
import { sleep } from '../signals.js'
import type { ChunkData } from './chunk-data.js'
import type { ChunkPicker } from './chunk-picker.js'
import type { PartAssembly } from './part-assembly.js'
import type { Credit } from './source-worker.js'
import { claimDownload } from './claim-download.js'
import { AheadRuns } from './decrypt-ahead.js'
import { type DownloadKeys, finishEncrypted, unlockIfHeld } from './decrypt-download.js'
import { type DestinationOptions, placeDownload } from './destination.js'
import { DownloadContent } from './download-content.js'
import { DownloadCopies, copyDestination, goesElsewhere } from './download-copies.js'
import { LookSchedule } from './look-schedule.js'
import { RateMeter } from './rate-meter.js'
import { type PoolHost, SourcePool, type SourceFinder, type TransferSettings } from './source-pool.js'
import { Deliveries, type TransferProgress, type TransferStatus } from './transfer-progress.js'
import type { MetricsEvents } from '../metrics/index.js'
import type { TransferRecord, TransferStore } from './transfer-store.js'

/** Chunk writes a download keeps in flight before a source must wait */
const MAX_PENDING_WRITES = 4

export type { SourceFinder, TransferSettings } from './source-pool.js'
export type { SourceTotals, StallReason, TransferProgress, TransferStatus } from './transfer-progress.js'

export interface TransferComponents {
  finder: SourceFinder
  transfers: TransferStore
  takeDownload(bytes: number, priority: Priority, signal: AbortSignal): Promise<void>
  /**
   * the download is complete and verified at `record.location`: keep and announce it,
   * and return the record kept (a repair of a file removed meanwhile: drop it, undefined)
   */
  completed(record: FileRecord, manifestBytes: Uint8Array, repair: boolean): Promise<FileRecord | undefined>
  /** where a download into the repo (`destination.repo`) puts the file: the blob path */
  blobPath(fileId: string): string
  /**
   * whether a file a download placed is still there as placed (the store's own check of
   * a record against its content): a download paused after placing its file (a full
   * disk) may resume much later
   */
  intact(placed: FileRecord): Promise<boolean>
  /** keys of encrypted files, and the hook asking peers for one (decrypt-download.ts) */
  keys: DownloadKeys
  settings: TransferSettings
  log: Logger
  /** chunks received and rejected, sources banned (metrics/) */
  events?: Pick<MetricsEvents, 'chunkReceived' | 'chunkRejected' | 'peerBanned'>
}

export class Transfer implements PoolHost {
  private readonly record: TransferRecord
  private content: DownloadContent | undefined
  private adopting: Promise<void> | undefined
  private readonly pendingWrites = new Set<Promise<void>>()
  private readonly sources: SourcePool
  private readonly watchers = new Set<(index: number) => void>()
  private readonly listeners = new Set<(p: TransferProgress) => void>()
  /** the rate shown (sparse: a slow download's 1 MiB chunks come further apart than the window) */
  private readonly meter = new RateMeter(3000, Date.now, true)
  private readonly delivered = new Deliveries()
  private lastCheckpoint = 0
  /** resolves the run loop's wait between checks */
  private wakeLoop?: () => void
  private status: TransferStatus
  private controller = new AbortController()
  /**
   * What ends the DHT lookups: with the download, except that a complete one lets its
   * lookup walk to its end (bounded by the lookup timeout), so the provide that follows
   * sends its records to the closest peers the lookup found, walking nothing itself
   * (dht/optimistic-provide.ts)
   */
  private lookups = new AbortController()
  private finished = Promise.withResolvers<FileRecord>()
  private bytesReceived = 0
  private wireBytesReceived = 0
  private error: TransferProgress['error']
  /** a local failure (disk full, I/O error, output exists) that ends the download whatever the sources do */
  private fatal: Error | undefined
  private runLoop: Promise<void> | undefined
  /** a pause halting and saving its state */
  private pausing: Promise<void> | undefined
  /** set once every chunk is in: placing and storing the file */
  private completing: Promise<void> | undefined
  /** when to look for sources, and whether the download is stalled */
  private readonly looks: LookSchedule
  /** the node is stopping: the download resumes on the next start */
  private stopping = false
  /** copies for starts that joined it wanting the file elsewhere (download-copies.ts) */
  private readonly copies: DownloadCopies
  /** the stored file, once complete (a copy asked for then is placed from it) */
  private stored: FileRecord | undefined
  /** the size of a file kept already (`Transfer.kept`: no content to count) */
  private keptSize: number | undefined
  /**
   * The file as placed at its destination by a completion whose next step failed (the
   * record's store on a full disk): its partial file is gone, so a resume stores it, and
   * neither hashes nor places it again
   */
  private placed: FileRecord | undefined
  /** an encrypted download's plaintext, decrypted as its chunks arrive */
  private readonly plaintext: AheadRuns

  constructor (private readonly components: TransferComponents, record: TransferRecord, content?: DownloadContent) {
    this.record = record
    this.content = content
    this.status = record.state
    if (record.reason === 'disk-full') this.error = { code: 'ERR_DISK_FULL', message: 'Paused: the disk was full; resume once there is room' }
    this.looks = new LookSchedule(components.settings)
    this.plaintext = new AheadRuns(() => this.record.decrypt?.output, async manifest => unlockIfHeld(components.keys, this.fileId, manifest), components.log)
    this.copies = new DownloadCopies(record.copies)
    this.sources = new SourcePool({
      host: this,
      finder: components.finder,
      settings: components.settings,
      log: components.log,
      remembered: record.sources,
      fixedSources: record.fixedSources === true,
      rememberedChanged: () => { void components.transfers.save(this.record).catch(() => {}) }
    })
    // nobody may be waiting on a transfer that ends before anyone attaches
    this.finished.promise.catch(() => {})
  }

  /**
   * A start of a file the node keeps already as stored (its own share, a finished
   * download, a held replica): complete from the start, nothing fetched, nothing saved.
   * The caller copied the file where the start asked (kept-file.ts `startKept`).
   */
  static kept (components: TransferComponents, record: TransferRecord, stored: FileRecord): Transfer {
    const transfer = new Transfer(components, { ...record, metadata: stored.metadata })
    transfer.status = 'completed'
    transfer.stored = stored
    transfer.keptSize = stored.size
    transfer.finished.resolve(stored)
    return transfer
  }

  get fileId (): string { return this.record.fileId }
  get priority (): Priority { return this.record.priority }
  get signal (): AbortSignal { return this.controller.signal }
  get state (): TransferStatus { return this.status }
  /** the offered name (an encrypted file's sealed one); the file id until a source has answered */
  get name (): string { return this.record.decrypt?.name ?? this.record.metadata?.name ?? this.record.fileId }
  get running (): boolean { return this.status === 'running' && !this.controller.signal.aborted }
  /** true once a source's verified manifest is known */
  get ready (): boolean { return this.content != null }
  /** fetched from its given peers only (a replica fetch: `StartOptions.onlyFrom`) */
  get fixedSources (): boolean { return this.record.fixedSources === true }
  get manifest (): Manifest { return this.loaded().manifest }
  get picker (): ChunkPicker { return this.loaded().picker }
  get parts (): PartAssembly { return this.loaded().parts }

  isDone (): boolean {
    return this.content?.isDone() === true
  }

  /** Resolves with the stored file once complete; rejects if it fails or is cancelled */
  async done (): Promise<FileRecord> {
    return this.finished.promise
  }

  onProgress (listener: (p: TransferProgress) => void): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  progress (): TransferProgress {
    const bytesDone = this.content?.bytesDone() ?? this.keptSize ?? 0
    const bytesTotal = this.content?.manifest.size ?? this.keptSize ?? null
    const rate = this.status === 'running' ? this.meter.rate : 0
    // a source that began to deliver ends the stall at the loop's next turn: said at once here
    const stall = this.status === 'running' && this.looks.stalled && this.sources.active === 0 ? this.sources.stall() : undefined
    return {
      fileId: this.fileId,
      name: this.name,
      output: this.record.decrypt?.output ?? this.record.output ?? this.outputSoFar(),
      state: stall != null ? 'stalled' : this.status,
      priority: this.priority,
      bytesDone,
      bytesTotal,
      rate,
      eta: rate > 0 && bytesTotal != null ? (bytesTotal - bytesDone) / rate : null,
      stallReason: stall?.reason ?? null,
      stallMessage: stall?.message ?? null,
      nextLookIn: stall == null ? null : this.looks.secondsToNextLook(),
      sources: this.sources.active,
      sourceStats: this.delivered.totals(this.sources),
      bytesReceived: this.bytesReceived,
      wireBytesReceived: this.wireBytesReceived,
      banned: this.sources.bannedPeers,
      ...(this.error != null ? { error: this.error } : {})
    }
  }

  /** Where the file goes, as far as it is known before the manifest: the output asked for, or the directory */
  private outputSoFar (): string {
    const { repo, cwd, output } = this.record.destination ?? {}
    return repo === true ? '' : resolve(cwd ?? process.cwd(), output ?? '.')
  }

  /** Starts (or restarts) fetching, with `first` as a source if given */
  start (first?: FetchSession): void {
    // cancelled: its state and partial file are gone, and it is no longer listed (a start that joined it as it was cancelled)
    if (this.status === 'cancelled') {
      first?.abort(new AbortedError(`Download of ${this.name} cancelled`))
      return
    }
    // the node is stopping (a start queued behind the shutdown): it resumes on the next start as saved
    if (this.stopping) {
      first?.abort(new AbortedError(`The node is stopping: the download of ${this.name} resumes when it starts again`))
      return
    }
    // a run still ending (paused or failed a moment ago: halting, its state being saved) ends first
    const ending = this.status === 'paused' || this.status === 'failed' ? this.endOfPreviousRun() : undefined
    if (this.runLoop != null && ending == null) {
      if (first != null) void this.sources.add(first)
      return
    }
    if (this.status === 'failed' || this.error != null) {
      this.finished = Promise.withResolvers<FileRecord>()
      this.finished.promise.catch(() => {})
      this.error = undefined
    }
    // a write that failed as a pause halted (a full disk) is not this run's: a late one of
    // the run before, after this, still fails or pauses the new run (`run`)
    this.fatal = undefined
    // a completion that failed (a full disk as the file was stored) was the run before's:
    // a pause or cancel now waits for this run's (`tooLateToStop`), not that settled one
    this.completing = undefined
    // a manifest that could not be adopted (say, the output existed) is tried afresh
    if (this.content == null) this.adopting = undefined
    this.status = 'running'
    // a resume is saved, so that a restart resumes it too (a paused record stays paused)
    const resumed = this.record.state !== 'running'
    this.record.state = 'running'
    delete this.record.reason
    if (resumed) void this.components.transfers.save(this.record).catch(() => {})
    const controller = new AbortController()
    this.controller = controller
    this.lookups = new AbortController()
    this.looks.reset()
    const run = ending == null ? this.run(controller, first) : ending.then(async () => this.run(controller, first))
    const loop: Promise<void> = run.finally(() => { if (this.runLoop === loop) this.runLoop = undefined })
    this.runLoop = loop
  }

  /** Settles once the run and the pause before it have ended; undefined if neither is under way */
  private endOfPreviousRun (): Promise<unknown> | undefined {
    if (this.runLoop == null && this.pausing == null) return undefined
    return Promise.allSettled([this.runLoop, this.pausing])
  }

  /** fetched again into the blob of a stored file (`StartOptions.repair`) */
  get repair (): boolean { return this.record.repair === true }

  /**
   * A user's own download joined this replica fetch (`fixedSources`) or repair, and takes
   * it over: every source may serve it now, the size a replica request stated binds it no
   * more (the manifest, checked against the file id, has it), and it is kept when done
   * even if the file was removed meanwhile. Saved for a restart (the store refuses the
   * save once the download's state is deleted: completed or cancelled).
   */
  takeOver (): void {
    if (!this.fixedSources && !this.repair) return
    delete this.record.fixedSources
    delete this.record.expectedSize
    delete this.record.repair
    this.sources.openToAll()
    void this.components.transfers.save(this.record).catch(() => {})
  }

  /** More peers said to have the file (a `get --peer` attaching to this download) */
  suggest (targets: string[]): void {
    if (targets.length > 0 && this.running) this.sources.suggest(targets, this.controller.signal)
  }

  /** A connection opened: a source fetched through a relay moves to it if it is direct */
  connectionOpened (connection: Pick<Connection, 'remotePeer' | 'remoteAddr' | 'limits'>): void {
    if (this.running) this.sources.connectionOpened(connection.remotePeer.toString(), connection)
  }

  /** Something changed in the swarm (a peer connected): a stalled download looks for sources again now */
  wake (): void {
    this.looks.wake()
  }

  /** Stops fetching; keeps the partial file and state to resume later */
  async pause (): Promise<void> {
    if (await this.tooLateToStop()) return
    if (this.status !== 'running') return
    this.status = 'paused'
    this.record.state = 'paused'
    // a resume meanwhile starts its run once this has ended (`start`)
    const pausing = this.halt().then(async () => this.components.transfers.save(this.record))
    this.pausing = pausing
    try {
      await pausing
    } finally {
      if (this.pausing === pausing) this.pausing = undefined
    }
    this.emit()
  }

  /** Stops fetching and deletes the partial file and state */
  async cancel (): Promise<void> {
    if (await this.tooLateToStop()) return
    this.status = 'cancelled'
    await this.halt()
    await this.content?.remove()
    await this.plaintext.removeLeftover(this.content?.manifest)
    await this.components.transfers.delete(this.fileId)
    const cancelled = new AbortedError(`Download of ${this.name} cancelled`)
    this.finished.reject(cancelled)
    this.copies.fail(cancelled)
    this.emit()
  }

  /** the file goes into the repo (a replica fetch, a repair, a hold, a stream's read) */
  get intoRepo (): boolean { return this.record.destination?.repo === true }

  /** True when a start asking for the file at `destination` needs a copy (download-copies.ts) */
  goesElsewhere (destination: DestinationOptions): boolean {
    return goesElsewhere(this.record.destination, destination)
  }

  /**
   * A start that joined this download wants the file at `destination`, elsewhere (a
   * second `get` with another output, a user's `get` taking over a replica fetch or a
   * repair): a copy is placed there once the file is complete; `placed` resolves with its
   * path. Resolves once the copy is saved with the download (a restart still places it).
   */
  async copyTo (destination: DestinationOptions): Promise<{ placed: Promise<string> }> {
    // its start is told at once: a cancelled download never places its copies
    if (this.status === 'cancelled') throw new AbortedError(`Download of ${this.name} cancelled`)
    const { placed, added } = this.copies.add(copyDestination(destination))
    if (!added) return { placed }
    this.record.copies = this.copies.destinations
    // saved for a restart (refused by the store once the state is deleted), or placed now if complete
    if (this.stored != null) void this.placeCopies(this.stored)
    else await this.components.transfers.save(this.record).catch(() => {})
    return { placed }
  }

  /** Stops for a node shutdown: state stays as it is, so the download resumes on restart */
  async shutdown (): Promise<void> {
    // the run loop ending now is not a failure: the saved state must stay `running`
    this.stopping = true
    await this.halt()
    await this.content?.close()
  }

  /** A peer asked us for this file: it may be downloading it too, and have chunks */
  noteInterest (peer: string): void {
    this.sources.noteInterest(peer, this.controller.signal)
  }

  /** What we serve of this download to other peers; undefined before the manifest is known */
  servable (): ServableFile | undefined {
    const content = this.content
    if (content == null || this.record.metadata == null) return undefined
    return {
      fileId: this.fileId,
      manifest: content.manifest,
      manifestBytes: content.manifestBytes,
      metadata: this.record.metadata,
      have: new Bitfield(content.have.length, content.have.toBytes()),
      watch: (onChunk) => this.watch(onChunk),
      open: async () => content.partial.reader()
    }
  }

  /** Chunk `index` failed its hash when read back for a peer: it is fetched again (the damaged bytes never left) */
  forget (index: number): void {
    const content = this.content
    if (content == null || !content.forget(index)) return
    this.components.log('chunk %d of %s was damaged in %s and will be fetched again', index, this.fileId, content.partial.path)
    void this.components.transfers.saveVerified(this.fileId, content.durable.toBytes()).catch(() => {})
    this.sources.wakeAll()
  }

  /** Calls `onChunk` with each chunk verified and written from now on; returns the unsubscribe */
  watch (onChunk: (index: number) => void): () => void {
    this.watchers.add(onChunk)
    return () => this.watchers.delete(onChunk)
  }

  /** True when chunk `index` is verified and written (readable with `readChunk`) */
  holds (index: number): boolean {
    return this.content?.have.has(index) === true
  }

  /** A verified chunk from the partial file (fails once the download completed and closed it) */
  async readChunk (index: number): Promise<Uint8Array> {
    return this.loaded().partial.read(index)
  }

  // PoolHost

  /** Takes the manifest and the offered name from the first verified session: the destination and partial file follow */
  async adopt (session: FetchSession): Promise<void> {
    this.adopting ??= this.load(session).catch((err: Error) => {
      this.fatal ??= err
      this.controller.abort()
      throw err
    })
    await this.adopting
  }

  async takeDownload (bytes: number, signal: AbortSignal): Promise<void> {
    await this.components.takeDownload(bytes, this.priority, signal)
  }

  /** Checks a chunk on the hash thread, feeding the whole-file hash when it continues the prefix */
  async verify (index: number, data: ChunkData): Promise<ChunkData | undefined> {
    return this.loaded().verify(index, data)
  }

  /**
   * Writes a verified chunk. Writes run in the background (the disk works while the
   * next chunk is decrypted and hashed), at most MAX_PENDING_WRITES asked for at once
   * (the partial file makes them one at a time); a chunk counts as held, and is served
   * and hashed, once its write completed.
   */
  async accept (peer: string, index: number, data: ChunkData, wireBytes = data.byteLength, credit?: Credit[]): Promise<void> {
    const content = this.loaded()
    this.bytesReceived += data.byteLength
    this.wireBytesReceived += wireBytes
    const write = this.writeChunk(content, index, data).then(
      () => { this.written(peer, index, data, credit) },
      (err: Error) => {
        // the picker counted it as arrived: after a resume it must be fetched again
        content.picker.forget(index)
        this.fatal ??= err
        this.controller.abort()
      }
    )
    this.pendingWrites.add(write)
    void write.finally(() => this.pendingWrites.delete(write))
    if (this.pendingWrites.size >= MAX_PENDING_WRITES) await Promise.race(this.pendingWrites)
  }

  /** A chunk into the partial file; a full disk where decrypting ahead holds room gets it back (AheadRuns.yieldRoom) for one more try */
  private async writeChunk (content: DownloadContent, index: number, data: ChunkData): Promise<void> {
    try {
      await content.partial.write(index, data)
    } catch (err: any) {
      if (err?.name !== 'DiskFullError' || !(await this.plaintext.yieldRoom())) throw err
      await content.partial.write(index, data)
    }
  }

  cancelElsewhere (peers: string[], index: number, part?: number): void {
    this.sources.cancelElsewhere(peers, index, part)
  }

  expel (peer: string): void {
    this.sources.expel(peer)
  }

  strike (peer: string): boolean {
    const banned = this.sources.strike(peer)
    this.components.events?.chunkRejected(banned)
    return banned
  }

  received (bytes: number, ms: number): void {
    this.components.events?.chunkReceived(bytes, ms)
  }

  lyingOffer (): void {
    this.components.events?.peerBanned('bad-offer')
  }

  // the download itself

  private loaded (): DownloadContent {
    if (this.content == null) throw new Error(`The manifest of ${this.fileId} is not known yet`)
    return this.content
  }

  private async load (session: FetchSession): Promise<void> {
    const partial = await claimDownload(this.components, this.record, session, this.controller.signal)
    if (this.status === 'cancelled') {
      await partial.remove()
      // the claim may have saved the record after `cancel` deleted it
      await this.components.transfers.delete(this.fileId)
      throw new AbortedError(`Download of ${this.fileId} cancelled`)
    }
    this.content = new DownloadContent(session.manifest, session.manifestBytes, new Bitfield(session.manifest.chunkHashes.length), partial, this.record.inOrder)
    this.emit()
  }

  /** `credit`: who sent which bytes of a chunk joined from parts (else all came from `peer`) */
  private written (peer: string, index: number, data: ChunkData, credit: Credit[] = [{ peer, bytes: data.byteLength }]): void {
    const content = this.loaded()
    this.delivered.add(peer, credit)
    this.meter.add(data.byteLength)
    // last: its buffer may go to the next chunk
    content.written(index, data)
    this.plaintext.written(content, index)
    for (const watcher of this.watchers) watcher(index)
    this.emit(true)
    // an idle source may now take a chunk another one holds (the end game), or stop when done
    this.sources.wakeAll()
    if (content.isDone()) this.wakeLoop?.()
  }

  /**
   * One run, from `start` to complete, failed or stopped. `controller` is its own: a
   * start after a pause or failure makes a new one before this run has ended, and this
   * run's end must then neither fail the download nor settle the new run's `finished`.
   */
  private async run (controller: AbortController, first?: FetchSession): Promise<void> {
    const finished = this.finished
    try {
      // stopped before it began (a start waiting on the run before it): paused, cancelled
      // or shut down, the catch lets it end; a write of the run before failing meanwhile
      // (a full disk) left `fatal`, and fails or pauses it as its own would
      if (controller.signal.aborted) {
        first?.abort(new AbortedError(`Download of ${this.name} stopped`))
        throw this.fatal ?? new AbortedError('Download stopped')
      }
      if (this.placed == null) await this.content?.prime()
      if (first != null) void this.sources.add(first)
      await this.fetchAll()
      // a pause, cancel or shutdown that came just before the last chunk's write ended
      // halted this run meanwhile: the file is not completed under it (it stays paused or
      // running for the next start, or is removed)
      if (this.controller !== controller || this.status !== 'running' || this.stopping) throw new AbortedError('Download stopped')
      this.completing = this.complete()
      await this.completing
    } catch (caught: any) {
      if (this.controller !== controller || this.status !== 'running' || this.stopping) return
      // a full disk pauses: `resume` once there is room writes again (the failed chunk was never recorded)
      const diskFull = caught?.name === 'DiskFullError'
      const err = diskFull ? new DiskFullError(`${caught.message}: the download is paused: free some room, then \`peershare resume ${this.fileId}\` goes on`, { cause: caught }) : caught
      this.status = diskFull ? 'paused' : 'failed'
      this.error = { code: err.code ?? 'ERR_INTERNAL', message: err.message }
      this.record.state = 'paused'
      if (diskFull) this.record.reason = 'disk-full'
      await this.halt()
      await this.components.transfers.save(this.record).catch(() => {})
      finished.reject(err)
      // resumed meanwhile (a start that joined with a copy elsewhere): its copies are the new run's
      if (this.controller === controller) this.copies.fail(err)
      this.emit()
    }
  }

  /** Runs until every chunk is written, looking for sources and checkpointing as it goes */
  private async fetchAll (): Promise<void> {
    const { settings } = this.components
    const signal = this.controller.signal
    while (!this.isDone()) {
      if (this.fatal != null) throw this.fatal
      if (signal.aborted) throw new AbortedError('Download stopped')
      // a stalled download asks peers that failed lately again too; the look goes first, so
      // that a download is not called stalled before it looked (its peers opening, the DHT asked)
      if (this.sources.wantsMore() && this.looks.due()) void this.sources.find(signal, this.looks.stalled, this.lookups.signal)
      if (this.looks.update(this.sources.active > 0, this.sources.stalled())) this.emit()
      if (Date.now() - this.lastCheckpoint >= settings.checkpointInterval) await this.checkpoint()
      // nothing else may report while stalled: the rate decays and the countdown moves
      if (Date.now() - this.lastEmit >= 1000) this.emit()
      // the last chunk came during the checkpoint: its wake-up found no wait, so none is begun
      if (this.isDone()) break
      // woken early by the last chunk: a small file should not wait out the tick
      await new Promise<void>(resolve => {
        this.wakeLoop = resolve
        sleep(Math.min(settings.checkpointInterval, 250), signal).then(resolve, resolve)
      })
    }
  }

  /** Syncs written chunks, then records them as verified */
  private async checkpoint (): Promise<void> {
    this.lastCheckpoint = Date.now()
    const content = this.content
    if (content == null || !(await content.sync())) return
    await this.components.transfers.saveVerified(this.fileId, content.durable.toBytes())
  }

  private async complete (): Promise<void> {
    const content = this.loaded()
    if (this.placed == null) {
      await Promise.allSettled([...this.pendingWrites])
      await this.checkpoint()
      this.placed = await placeDownload(content, this.record, async cipherPath => finishEncrypted(this.components.keys, this.record, content.manifest, cipherPath, this.controller.signal, this.plaintext.ahead))
    } else {
      // a try after a failed store: nothing else checks the signal on this way
      if (this.controller.signal.aborted) throw new AbortedError('Download stopped')
      if (!(await this.components.intact(this.placed))) {
        throw new FileChangedError(`${this.name} was moved or changed where it was downloaded to before it could be stored: put it back, or cancel and get it again`)
      }
    }
    const record = this.placed
    const kept = await this.components.completed(record, content.manifestBytes, this.repair)
    // not kept, so not announced: nothing waits for the lookup's walk
    if (kept == null) this.lookups.abort()
    await this.components.transfers.delete(this.fileId)
    this.status = 'completed'
    this.stored = kept ?? record
    this.components.log('%s complete: %d chunk bytes received as %d on the wire', this.fileId, this.bytesReceived, this.wireBytesReceived)
    this.emit()
    this.finished.resolve(this.stored)
    await this.halt()
    await this.placeCopies(this.stored)
  }

  /** Places the copies asked for by starts that joined */
  private async placeCopies (stored: FileRecord): Promise<void> {
    await this.copies.placeFrom(stored, () => this.components.blobPath(this.fileId), this.components.log)
  }

  /**
   * True when the download is complete, or becomes so: once every chunk is verified the
   * file is being placed and stored, and a cancel or pause then would leave it half done
   * (placed but reported cancelled, stored and announced after its state was deleted)
   */
  private async tooLateToStop (): Promise<boolean> {
    // every chunk is in and the run is about to complete (its loop still in a checkpoint's
    // sync and save): that is too late as well, once the run has begun completing
    while (this.completing == null && this.isDone() && this.status === 'running' && !this.controller.signal.aborted) await sleep(10, this.controller.signal).catch(() => {})
    await this.completing?.catch(() => {})
    return this.status === 'completed'
  }

  private async halt (): Promise<void> {
    this.controller.abort()
    if (this.status !== 'completed') this.lookups.abort()
    this.sources.wakeAll()
    await Promise.allSettled([...this.pendingWrites])
    this.content?.stopHashing()
    await this.plaintext.stop()
    // a failed sync forgot its chunks (fetched again on a resume); said here, as nothing else reports it
    await this.checkpoint().catch((err: Error) => { this.components.log('%s: checkpoint failed - %s', this.fileId, err.message) })
  }

  private lastEmit = 0
  private emit (throttled = false): void {
    const now = Date.now()
    if (throttled && now - this.lastEmit < 200) return
    this.lastEmit = now
    const progress = this.progress()
    for (const listener of this.listeners) listener(progress)
  }
}
