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
import { Bitfield, type FileRef, type Manifest, type Priority, bytesToHex, parseFileId } from '@peershare/protocol'
import { equals } from 'uint8arrays/equals'
import { AbortedError, FileNotFoundError, OutputExistsError, PeerMisbehavedError, fsError } from '../errors.js'
import type { FetchSession } from '../exchange/fetch-session.js'
import type { ServableFile } from '../exchange/servable.js'
import type { FileRecord } from '../store/file-record.js'
import type { ChunkData } from './chunk-data.js'
import { ChunkPicker } from './chunk-picker.js'
import type { PartialFile } from './partial-file.js'
import { PrefixHasher } from './prefix-hasher.js'
import { RateMeter } from './rate-meter.js'
import { SourceWorker, type WorkerHost } from './source-worker.js'
import type { TransferRecord, TransferStore } from './transfer-store.js'

/** Chunk writes a download keeps in flight before a source must wait */
const MAX_PENDING_WRITES = 4
/** Peers that asked us for this file, remembered as possible sources */
const MAX_INTERESTED = 256

export type TransferStatus = 'running' | 'paused' | 'completed' | 'failed' | 'cancelled'

export interface TransferProgress {
  fileId: string
  name: string
  output: string
  state: TransferStatus
  priority: Priority
  bytesDone: number
  bytesTotal: number
  /** bytes per second over the last few seconds */
  rate: number
  /** seconds left at the current rate, when known */
  eta?: number
  /** sources being fetched from now */
  sources: number
  /** per source: chunks and bytes it delivered in this run, and its current rate if still active */
  sourceStats: SourceTotals[]
  /** chunk bytes received since this process started the download (including any discarded) */
  bytesReceived: number
  /** sources banned from this download for sending data that failed verification */
  banned: string[]
  error?: { code: string, message: string }
}

export interface SourceTotals {
  peerId: string
  chunks: number
  bytes: number
  active: boolean
  rate: number
}

export interface TransferSettings {
  maxSources: number
  /** bad chunks a source may send before it is banned for this file */
  maxStrikes: number
  /** how often to look for more sources while running (ms) */
  sourceRefreshInterval: number
  /** give up when no source could be reached for this long (ms) */
  noSourceTimeout: number
  /** how often verified chunks are synced and recorded (ms) */
  checkpointInterval: number
}

/** Where sources come from: the rest of the node, narrowed to what a transfer uses */
export interface SourceFinder {
  /** opens a session for the file with a peer (a multiaddr or peer id as text) */
  open(target: string, ref: FileRef, signal: AbortSignal): Promise<FetchSession>
  /** peers the DHT says have the file (peer ids as text) */
  providers(fileId: string, signal: AbortSignal): AsyncIterable<string>
}

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
  private readonly workers = new Map<string, SourceWorker>()
  private readonly opening = new Set<string>()
  private readonly failedAt = new Map<string, number>()
  private readonly banned = new Set<string>()
  private readonly strikes = new Map<string, number>()
  private readonly interested = new Set<string>()
  private readonly watchers = new Set<(index: number) => void>()
  private readonly listeners = new Set<(p: TransferProgress) => void>()
  private readonly meter = new RateMeter()
  private readonly delivered = new Map<string, { chunks: number, bytes: number }>()
  private lastCheckpoint = 0
  private hasher: PrefixHasher
  private hashing: Promise<void> = Promise.resolve()
  private status: TransferStatus
  private controller = new AbortController()
  private finished = Promise.withResolvers<FileRecord>()
  private bytesReceived = 0
  private lastSourceAt = Date.now()
  private error: TransferProgress['error']
  /** a local failure (disk full, I/O error) that ends the download whatever the sources do */
  private fatal: Error | undefined
  /** why the last source was dropped, for the error when none is left */
  private lastSourceError: Error | undefined
  private running: Promise<void> | undefined

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
    // nobody may be waiting on a transfer that ends before anyone attaches
    this.finished.promise.catch(() => {})
  }

  get fileId (): string { return this.record.fileId }
  get priority (): Priority { return this.record.priority }
  get signal (): AbortSignal { return this.controller.signal }
  get state (): TransferStatus { return this.status }

  isDone (): boolean {
    return this.picker.count === 0 || this.have.complete
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
    const bytesDone = this.bytesOf(this.have)
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
      sources: this.workers.size,
      sourceStats: this.sourceTotals(),
      bytesReceived: this.bytesReceived,
      banned: [...this.banned],
      ...(this.error != null ? { error: this.error } : {})
    }
  }

  /** Starts (or restarts) fetching, with `first` as a source if given */
  start (first?: FetchSession): void {
    if (this.running != null) {
      if (first != null) this.addSession(first)
      return
    }
    if (this.status === 'failed') {
      this.finished = Promise.withResolvers<FileRecord>()
      this.finished.promise.catch(() => {})
      this.error = undefined
    }
    this.status = 'running'
    this.record.state = 'running'
    this.lastSourceAt = Date.now()
    this.controller = new AbortController()
    this.running = this.run(first).finally(() => { this.running = undefined })
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
    if (this.interested.size >= MAX_INTERESTED && !this.interested.has(peer)) return
    this.interested.add(peer)
    if (this.status === 'running') this.tryOpen(peer, this.controller.signal)
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
    if (this.isDone()) for (const worker of this.workers.values()) worker.wake()
  }

  cancelElsewhere (peers: string[], index: number): void {
    for (const peer of peers) this.workers.get(peer)?.cancelChunk(index)
  }

  strike (peer: string): boolean {
    const strikes = (this.strikes.get(peer) ?? 0) + 1
    this.strikes.set(peer, strikes)
    this.components.log('bad chunk from %s for %s (%d strikes)', peer, this.fileId, strikes)
    if (strikes < this.components.settings.maxStrikes) return false
    this.banned.add(peer)
    return true
  }

  // the download itself

  private async run (first?: FetchSession): Promise<void> {
    try {
      await this.primeHasher()
      if (first != null) this.addSession(first)
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
      if (this.workers.size < settings.maxSources && Date.now() - lastLookup >= interval) {
        lastLookup = Date.now()
        lookups++
        void this.findSources(signal)
      }
      if (this.workers.size === 0 && this.opening.size === 0 && Date.now() - this.lastSourceAt > settings.noSourceTimeout) {
        throw this.noSourceError()
      }
      if (Date.now() - this.lastCheckpoint >= settings.checkpointInterval) await this.checkpoint()
      await sleep(Math.min(settings.checkpointInterval, 250), signal).catch(() => {})
    }
    await this.hashing
  }

  private async findSources (signal: AbortSignal): Promise<void> {
    const candidates = [...this.record.sources, ...this.interested]
    for (const peer of candidates) this.tryOpen(peer, signal)
    try {
      for await (const peer of this.components.finder.providers(this.fileId, signal)) {
        if (this.workers.size + this.opening.size >= this.components.settings.maxSources) break
        this.tryOpen(peer, signal)
      }
    } catch (err: any) {
      this.components.log('provider lookup for %s failed: %s', this.fileId, err.message)
    }
  }

  private tryOpen (target: string, signal: AbortSignal): void {
    const id = peerIdOf(target)
    const retryAfter = (this.failedAt.get(id) ?? 0) + this.components.settings.sourceRefreshInterval
    if (this.workers.has(id) || this.opening.has(id) || this.banned.has(id) || Date.now() < retryAfter) return
    if (this.workers.size + this.opening.size >= this.components.settings.maxSources) return
    this.opening.add(id)
    this.components.finder.open(target, { kind: 'file-id', fileId: parseFileId(this.fileId) }, signal)
      .then(session => { this.addSession(session) })
      .catch((err: any) => {
        this.failedAt.set(id, Date.now())
        this.components.log('source %s for %s: %s', target, this.fileId, err.message)
      })
      .finally(() => { this.opening.delete(id) })
  }

  private addSession (session: FetchSession): void {
    const peer = session.peer.toString()
    if (this.workers.has(peer) || this.banned.has(peer) || this.status !== 'running' || this.controller.signal.aborted) {
      void session.complete()
      return
    }
    const worker = new SourceWorker(this, session)
    this.workers.set(peer, worker)
    this.lastSourceAt = Date.now()
    this.remember(session)
    worker.run()
      .catch((err: any) => {
        this.failedAt.set(peer, Date.now())
        this.lastSourceError = err
        this.components.log('source %s dropped from %s: %s', peer, this.fileId, err.message)
      })
      .finally(() => {
        this.workers.delete(peer)
        this.lastSourceAt = Date.now()
        // its chunks in flight are free again: let the others take them
        for (const other of this.workers.values()) other.wake()
      })
  }

  /** Why the download cannot go on: naming a banned peer when there is one */
  private noSourceError (): Error {
    const name = this.record.metadata.name
    if (this.banned.size > 0) {
      return new PeerMisbehavedError(`No source left for ${name}: ${[...this.banned].join(', ')} sent data that fails verification and was banned`)
    }
    const last = this.lastSourceError == null ? '' : ` (last: ${this.lastSourceError.message})`
    return new FileNotFoundError(`No source for ${name} answered for ${this.components.settings.noSourceTimeout / 1000} s${last}`)
  }

  /** Remembers a source by peer id, so a restarted download can ask it again */
  private remember (session: FetchSession): void {
    const id = session.peer.toString()
    if (this.record.sources.some(s => peerIdOf(s) === id)) return
    this.record.sources.push(id)
    this.record.sources.splice(0, Math.max(0, this.record.sources.length - 64))
    void this.components.transfers.save(this.record).catch(() => {})
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
    for (const worker of this.workers.values()) worker.wake()
    await Promise.allSettled([...this.pendingWrites])
    await this.checkpoint().catch(() => {})
  }

  private sourceTotals (): SourceTotals[] {
    const peers = new Set([...this.delivered.keys(), ...this.workers.keys()])
    return [...peers].map(peerId => ({
      peerId,
      chunks: this.delivered.get(peerId)?.chunks ?? 0,
      bytes: this.delivered.get(peerId)?.bytes ?? 0,
      active: this.workers.has(peerId),
      rate: this.workers.get(peerId)?.stats().rate ?? 0
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

  private bytesOf (field: Bitfield): number {
    if (field.complete) return this.manifest.size
    let bytes = field.count * this.manifest.chunkSize
    const last = field.length - 1
    if (field.has(last)) bytes -= this.manifest.chunkSize - (this.manifest.size - last * this.manifest.chunkSize)
    return bytes
  }
}

/** The peer id part of a multiaddr with /p2p/, or the text itself when it is a peer id */
function peerIdOf (target: string): string {
  const at = target.lastIndexOf('/p2p/')
  return at >= 0 ? target.slice(at + 5) : target
}

async function sleep (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const onAbort = (): void => { clearTimeout(timer); reject(new AbortedError('stopped')) }
    const timer = setTimeout(() => { signal.removeEventListener('abort', onAbort); resolve() }, ms)
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
