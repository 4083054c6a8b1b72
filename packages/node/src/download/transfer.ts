/**
 * One download in the daemon: a verified manifest, a partial file, and workers
 * fetching from several sources at once. It finds sources (given peers, peers it
 * remembers, peers that ask us for the same file, DHT providers) and adds them as
 * they appear, up to `maxSources`; drops sources that fail; checkpoints (sync, then
 * record verified chunks) every `checkpointInterval` (500 ms by default); and on completion checks the
 * whole-file SHA-256, links the file into place and becomes a provider of it.
 */
import { link, stat } from 'node:fs/promises'
import type { Logger } from '@libp2p/interface'
import { Bitfield, type Manifest, type Priority, bytesToHex } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { AbortedError, OutputExistsError, PeerMisbehavedError, fsError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import type { ServableFile } from '../exchange/servable.js'
import type { FileRecord } from '../store/file-record.js'
import type { ChunkData } from './chunk-data.js'
import { ChunkPicker } from './chunk-picker.js'
import type { PartialFile } from './partial-file.js'
import { PrefixHasher } from './prefix-hasher.js'
import { RateMeter } from './rate-meter.js'
import { sleep } from '../signals.js'
import { type SourceTotals, type TransferProgress, type TransferStatus, bytesHeld } from './transfer-progress.js'
import { SourcePool, type SourceFinder, type TransferSettings } from './source-pool.js'
import type { WorkerHost } from './source-worker.js'
import type { TransferRecord, TransferStore } from './transfer-store.js'

/** Chunk writes a download keeps in flight before a source must wait */
const MAX_PENDING_WRITES = 4

export type { SourceFinder, TransferSettings } from './source-pool.js'
export type { SourceTotals, TransferProgress, TransferStatus } from './transfer-progress.js'

export interface TransferComponents {
  finder: SourceFinder
  transfers: TransferStore
  takeDownload(bytes: number, priority: Priority, signal: AbortSignal): Promise<void>
  /** the download is complete and verified at `record.location`: keep and announce it */
  completed(record: FileRecord, manifestBytes: Uint8Array): Promise<void>
  settings: TransferSettings
  log: Logger
}

export class Transfer implements WorkerHost {
  readonly manifest: Manifest
  readonly picker: ChunkPicker
  private readonly record: TransferRecord
  private readonly manifestBytes: Uint8Array
  /** chunks verified, written and synced: what a restart may trust */
  private readonly durable: Bitfield
  /** chunks verified and written: what we serve to others */
  private readonly have: Bitfield
  private readonly unsynced = new Set<number>()
  private readonly pendingWrites = new Set<Promise<void>>()
  private readonly sources: SourcePool
  private readonly watchers = new Set<(index: number) => void>()
  private readonly listeners = new Set<(p: TransferProgress) => void>()
  private readonly meter = new RateMeter()
  private readonly delivered = new Map<string, { chunks: number, bytes: number }>()
  private lastCheckpoint = 0
  /** resolves the run loop's wait between checks */
  private wakeLoop?: () => void
  private hasher: PrefixHasher
  private hashing: Promise<void> = Promise.resolve()
  private status: TransferStatus
  private controller = new AbortController()
  private finished = Promise.withResolvers<FileRecord>()
  private bytesReceived = 0
  private error: TransferProgress['error']
  /** a local failure (disk full, I/O error) that ends the download whatever the sources do */
  private fatal: Error | undefined
  private runLoop: Promise<void> | undefined

  constructor (
    private readonly components: TransferComponents,
    record: TransferRecord,
    manifest: Manifest,
    manifestBytes: Uint8Array,
    durable: Bitfield,
    private readonly partial: PartialFile
  ) {
    this.record = record
    this.manifest = manifest
    this.manifestBytes = manifestBytes
    this.durable = durable
    this.have = new Bitfield(durable.length, durable.toBytes())
    this.picker = new ChunkPicker(durable.length, new Bitfield(durable.length, durable.toBytes()))
    this.hasher = new PrefixHasher(manifest, partial.handle)
    this.status = record.state
    this.sources = new SourcePool({
      host: this,
      finder: components.finder,
      settings: components.settings,
      log: components.log,
      remembered: record.sources,
      rememberedChanged: () => { void components.transfers.save(this.record).catch(() => {}) }
    })
    // nobody may be waiting on a transfer that ends before anyone attaches
    this.finished.promise.catch(() => {})
  }

  get fileId (): string { return this.record.fileId }
  get priority (): Priority { return this.record.priority }
  get signal (): AbortSignal { return this.controller.signal }
  get state (): TransferStatus { return this.status }
  get name (): string { return this.record.metadata.name }
  get running (): boolean { return this.status === 'running' && !this.controller.signal.aborted }

  isDone (): boolean {
    return this.have.complete
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
    const bytesDone = bytesHeld(this.manifest, this.have)
    const rate = this.status === 'running' ? this.meter.rate : 0
    const left = this.manifest.size - bytesDone
    return {
      fileId: this.fileId,
      name: this.record.metadata.name,
      output: this.record.output,
      state: this.status,
      priority: this.priority,
      bytesDone,
      bytesTotal: this.manifest.size,
      rate,
      ...(rate > 0 ? { eta: left / rate } : {}),
      sources: this.sources.active,
      sourceStats: this.sourceTotals(),
      bytesReceived: this.bytesReceived,
      banned: this.sources.bannedPeers,
      ...(this.error != null ? { error: this.error } : {})
    }
  }

  /** Starts (or restarts) fetching, with `first` as a source if given */
  start (first?: FetchSession): void {
    if (this.runLoop != null) {
      if (first != null) this.sources.add(first)
      return
    }
    if (this.status === 'failed') {
      this.finished = Promise.withResolvers<FileRecord>()
      this.finished.promise.catch(() => {})
      this.error = undefined
    }
    this.status = 'running'
    this.record.state = 'running'
    this.controller = new AbortController()
    this.sources.restartClock()
    this.runLoop = this.run(first).finally(() => { this.runLoop = undefined })
  }

  /** Stops fetching; keeps the partial file and state to resume later */
  async pause (): Promise<void> {
    if (this.status !== 'running') return
    this.status = 'paused'
    this.record.state = 'paused'
    await this.halt()
    await this.components.transfers.save(this.record)
    this.emit()
  }

  /** Stops fetching and deletes the partial file and state */
  async cancel (): Promise<void> {
    this.status = 'cancelled'
    await this.halt()
    await this.partial.remove()
    await this.components.transfers.delete(this.fileId)
    this.finished.reject(new AbortedError(`Download of ${this.record.metadata.name} cancelled`))
    this.emit()
  }

  /** Stops for a node shutdown: state stays as it is, so the download resumes on restart */
  async shutdown (): Promise<void> {
    await this.halt()
    await this.partial.close()
  }

  /** A peer asked us for this file: it may be downloading it too, and have chunks */
  noteInterest (peer: string): void {
    this.sources.noteInterest(peer, this.controller.signal)
  }

  /** What we serve of this download to other peers */
  servable (): ServableFile {
    return {
      fileId: this.fileId,
      manifest: this.manifest,
      manifestBytes: this.manifestBytes,
      metadata: this.record.metadata,
      have: new Bitfield(this.have.length, this.have.toBytes()),
      watch: (onChunk) => {
        this.watchers.add(onChunk)
        return () => this.watchers.delete(onChunk)
      },
      open: async () => this.partial.reader()
    }
  }

  // WorkerHost

  async takeDownload (bytes: number, signal: AbortSignal): Promise<void> {
    await this.components.takeDownload(bytes, this.priority, signal)
  }

  /**
   * Writes a verified chunk. Writes run in the background (the disk works while the
   * next chunk is decrypted and hashed), at most MAX_PENDING_WRITES at once; a chunk
   * counts as held, and is served and hashed, once its write completed.
   */
  async accept (peer: string, index: number, data: ChunkData): Promise<void> {
    this.bytesReceived += data.byteLength
    const write = this.partial.write(index, data).then(
      () => { this.written(peer, index, data) },
      (err: Error) => {
        this.picker.release(peer, index)
        this.fatal ??= err
        this.controller.abort()
      }
    )
    this.pendingWrites.add(write)
    void write.finally(() => this.pendingWrites.delete(write))
    if (this.pendingWrites.size >= MAX_PENDING_WRITES) await Promise.race(this.pendingWrites)
  }

  private written (peer: string, index: number, data: ChunkData): void {
    this.have.set(index)
    this.unsynced.add(index)
    const totals = this.delivered.get(peer) ?? { chunks: 0, bytes: 0 }
    totals.chunks++
    totals.bytes += data.byteLength
    this.delivered.set(peer, totals)
    this.meter.add(data.byteLength)
    for (const watcher of this.watchers) watcher(index)
    const hashed = this.hashing.then(async () => this.hasher.add(index, data))
    // awaited at completion; a download stopped before then must not leave a rejection unhandled
    hashed.catch(() => {})
    this.hashing = hashed
    this.emit(true)
    if (this.isDone()) {
      this.sources.wakeAll()
      this.wakeLoop?.()
    }
  }

  cancelElsewhere (peers: string[], index: number): void {
    this.sources.cancelElsewhere(peers, index)
  }

  strike (peer: string): boolean {
    return this.sources.strike(peer)
  }

  // the download itself

  private async run (first?: FetchSession): Promise<void> {
    try {
      await this.primeHasher()
      if (first != null) this.sources.add(first)
      await this.fetchAll()
      await this.complete()
    } catch (err: any) {
      if (this.status !== 'running') return
      this.status = 'failed'
      this.error = { code: err.code ?? 'ERR_INTERNAL', message: err.message }
      this.record.state = 'paused'
      await this.halt()
      await this.components.transfers.save(this.record).catch(() => {})
      this.finished.reject(err)
      this.emit()
    }
  }

  /** Chunks verified before a restart count toward the whole-file hash */
  private async primeHasher (): Promise<void> {
    this.hasher = new PrefixHasher(this.manifest, this.partial.handle)
    for (let i = 0; i < this.have.length; i++) if (this.have.has(i)) await this.hasher.addStored(i)
  }

  /** Runs until every chunk is written, looking for sources and checkpointing as it goes */
  private async fetchAll (): Promise<void> {
    const { settings } = this.components
    const signal = this.controller.signal
    let lastLookup = 0
    let lookups = 0
    while (!this.isDone()) {
      if (this.fatal != null) throw this.fatal
      if (signal.aborted) throw new AbortedError('Download stopped')
      // look again soon at first (providers answer at different speeds), then less often
      const interval = Math.min(settings.sourceRefreshInterval, 1000 * 2 ** lookups)
      if (this.sources.wantsMore() && Date.now() - lastLookup >= interval) {
        lastLookup = Date.now()
        lookups++
        void this.sources.find(signal)
      }
      if (this.sources.starved()) throw this.sources.noSourceError()
      if (Date.now() - this.lastCheckpoint >= settings.checkpointInterval) await this.checkpoint()
      // woken early by the last chunk: a small file should not wait out the tick
      await new Promise<void>(resolve => {
        this.wakeLoop = resolve
        sleep(Math.min(settings.checkpointInterval, 250), signal).then(resolve, resolve)
      })
    }
    await this.hashing
  }

  /** Syncs written chunks, then records them as verified */
  private async checkpoint (): Promise<void> {
    this.lastCheckpoint = Date.now()
    if (this.unsynced.size === 0) return
    const batch = [...this.unsynced]
    await this.partial.sync()
    for (const index of batch) {
      this.durable.set(index)
      this.unsynced.delete(index)
    }
    await this.components.transfers.saveVerified(this.fileId, this.durable.toBytes())
  }

  private async complete (): Promise<void> {
    await this.checkpoint()
    await this.hashing
    if (!equals(this.hasher.digest(), this.manifest.sha256)) {
      throw new PeerMisbehavedError(`The manifest of ${this.fileId} gives a SHA-256 its chunks do not have`)
    }
    await this.partial.close()
    const output = this.record.output
    try {
      await link(this.partial.path, output)
    } catch (err: any) {
      throw err.code === 'EEXIST' ? new OutputExistsError(`Output exists: ${output}; the verified download stays at ${this.partial.path}`) : fsError(err, output)
    }
    await this.partial.remove()
    const info = await stat(output)
    const record: FileRecord = {
      fileId: this.fileId,
      sha256: bytesToHex(this.manifest.sha256),
      size: this.manifest.size,
      chunkSize: this.manifest.chunkSize,
      metadata: this.record.metadata,
      location: { kind: 'path', path: output, size: info.size, mtimeMs: info.mtimeMs },
      added: Date.now()
    }
    await this.components.completed(record, this.manifestBytes)
    await this.components.transfers.delete(this.fileId)
    this.status = 'completed'
    this.emit()
    this.finished.resolve(record)
    await this.halt()
  }

  private async halt (): Promise<void> {
    this.controller.abort()
    this.sources.wakeAll()
    await Promise.allSettled([...this.pendingWrites])
    await this.checkpoint().catch(() => {})
  }

  private sourceTotals (): SourceTotals[] {
    const peers = new Set([...this.delivered.keys(), ...this.sources.activePeers()])
    return [...peers].map(peerId => ({
      peerId,
      chunks: this.delivered.get(peerId)?.chunks ?? 0,
      bytes: this.delivered.get(peerId)?.bytes ?? 0,
      active: this.sources.has(peerId),
      rate: this.sources.rate(peerId)
    }))
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
