/**
 * The download a SourcePool serves in the browser (its PoolHost): it adopts the
 * manifest from the first verified session, keeps which chunks are stored, writes each
 * verified chunk to the chunk store before taking the next (backpressure: memory holds
 * only chunks in flight), hashes the whole file (whole-file-hash.ts), and reports progress.
 */
import type { Logger } from '@libp2p/interface'
import { type ChunkData, ChunkPicker, type Credit, chunkVerified, type FetchSession, PartAssembly, type SourcePool } from '@peershare/node/engine'
import { Bitfield, bytesToHex, chunkLength, type Manifest, partable, type Priority } from '@peershare/protocol'
import type { ChunkStore } from '../storage/index.js'
import type { DownloadSettings } from './index.js'
import { type WholeFileHash, wholeFileHash } from './whole-file-hash.js'

/** First wait between looks for sources while none delivers (ms); it doubles up to stallRetryMax */
const FIRST_RETRY = 2000

export interface DownloadProgress {
  fileId: string
  /** empty until a source offered the manifest */
  name: string
  size: number
  /** bytes verified and stored, resumed ones included */
  bytes: number
  /** bytes found stored and verified at the start */
  resumedBytes: number
  /** verified bytes each source delivered, by peer id */
  sources: Record<string, number>
  /** bytes of those chunks as received (fewer when sources compressed them) */
  wireBytes: number
  /** chunks that failed verification */
  rejectedChunks: number
  /** why nothing is delivering, when nothing is */
  stall?: string
}

export interface DownloadedFile {
  fileId: string
  name: string
  type: string
  size: number
  /** whole-file SHA-256, hex, checked against the manifest */
  sha256: string
  /** the file, read from browser storage (valid until the file is forgotten) */
  blob: Blob
  sources: Record<string, number>
  wireBytes: number
  resumedBytes: number
  rejectedChunks: number
}

/** The sources could not give the file (all banned, or its bytes do not hash to the manifest's) */
export class DownloadFailedError extends Error {
  static override name = 'DownloadFailedError'
  override name = 'DownloadFailedError'
}

export interface BrowserDownloadInit {
  fileId: string
  store: ChunkStore
  settings: Pick<DownloadSettings, 'stallRetryMax'>
  log: Logger
  signal?: AbortSignal
  onProgress?(progress: DownloadProgress): void
}

export class BrowserDownload {
  readonly fileId: string
  readonly priority: Priority = 'normal'
  readonly signal: AbortSignal
  name = ''
  type = 'application/octet-stream'
  running = true
  manifest!: Manifest
  picker!: ChunkPicker
  /** the parts of the chunks split in the download's tail, until joined */
  parts?: PartAssembly
  private have: Bitfield | undefined
  private hasher!: WholeFileHash
  private hashing: Promise<void> = Promise.resolve()
  private adopting: Promise<void> | undefined
  private pool!: SourcePool
  private bytes = 0
  private resumedBytes = 0
  private rejected = 0
  private wireBytes = 0
  private readonly bySource = new Map<string, number>()
  private readonly stop = new AbortController()
  private readonly finished = Promise.withResolvers<void>()

  constructor (private readonly init: BrowserDownloadInit) {
    this.fileId = init.fileId
    this.signal = init.signal == null ? this.stop.signal : AbortSignal.any([this.stop.signal, init.signal])
    // a failure before anyone waits must not be an unhandled rejection
    this.finished.promise.catch(() => {})
  }

  get ready (): boolean {
    return this.have != null
  }

  /** Runs the download with `pool` until the file is complete and verified */
  async run (pool: SourcePool): Promise<DownloadedFile> {
    this.pool = pool
    let wait = FIRST_RETRY
    try {
      while (!this.isDone()) {
        this.signal.throwIfAborted()
        const stalled = pool.stalled()
        await pool.find(this.signal, stalled)
        if (this.ready && pool.stall().reason === 'all-banned' && pool.stalled()) throw new DownloadFailedError(pool.stall().message)
        this.report()
        wait = stalled ? Math.min(wait * 2, this.init.settings.stallRetryMax) : FIRST_RETRY
        await Promise.race([this.finished.promise, delay(wait, this.signal)])
      }
      return await this.result()
    } finally {
      this.running = false
      this.stop.abort()
    }
  }

  /** The manifest from the first verified session; chunks already stored are verified and kept */
  async adopt (session: FetchSession): Promise<void> {
    this.adopting ??= this.prepare(session)
    await this.adopting
  }

  private async prepare (session: FetchSession): Promise<void> {
    const { manifest } = session
    const count = manifest.chunkHashes.length
    const have = new Bitfield(count)
    this.manifest = manifest
    this.name = session.metadata.name
    this.type = session.metadata.mimeType === '' ? this.type : session.metadata.mimeType
    this.hasher = wholeFileHash(manifest, async index => this.init.store.read(index))
    for (const index of await this.init.store.list()) {
      if (index < count && await chunkVerified(manifest, index, await this.init.store.read(index))) {
        have.set(index)
        this.resumedBytes += chunkLength(manifest, index)
        await this.hasher.addStored(index)
      } else {
        await this.init.store.remove(index)
      }
    }
    this.bytes = this.resumedBytes
    this.picker = new ChunkPicker(count, new Bitfield(count, have.toBytes()), { partable: index => partable(manifest, index) })
    this.parts = new PartAssembly(manifest)
    this.have = have
    this.init.log('%s: %s, %d of %d chunks stored already', this.fileId, this.name, have.count, count)
    if (have.complete) this.finished.resolve()
    this.report()
  }

  isDone (): boolean {
    return this.have?.complete === true
  }

  /** No rate limit in the page */
  async takeDownload (): Promise<void> {}

  /** A verified chunk: stored before the worker asks for more; a storage failure ends the download */
  async accept (peer: string, index: number, data: ChunkData, wireBytes = data.byteLength, credit: Credit[] = [{ peer, bytes: data.byteLength }]): Promise<void> {
    const have = this.have
    if (have == null || have.has(index)) return
    try {
      await this.init.store.write(index, data)
    } catch (err: any) {
      this.finished.reject(new DownloadFailedError(`Cannot store chunk ${index}: ${err.message}`))
      throw err
    }
    have.set(index)
    this.bytes += data.byteLength
    this.wireBytes += wireBytes
    for (const part of credit) this.bySource.set(part.peer, (this.bySource.get(part.peer) ?? 0) + part.bytes)
    const hashed = this.hashing.then(async () => this.hasher.add(index, data))
    hashed.catch(() => {})
    this.hashing = hashed
    this.report()
    if (have.complete) this.finished.resolve()
  }

  cancelElsewhere (peers: string[], index: number, part?: number): void {
    this.pool.cancelElsewhere(peers, index, part)
  }

  expel (peer: string): void {
    this.pool.expel(peer)
  }

  strike (peer: string): boolean {
    this.rejected++
    return this.pool.strike(peer)
  }

  private report (): void {
    const stall = this.pool?.stalled() === true && !this.isDone() ? this.pool.stall().message : undefined
    this.init.onProgress?.({
      fileId: this.fileId,
      name: this.name,
      size: this.manifest?.size ?? 0,
      bytes: this.bytes,
      resumedBytes: this.resumedBytes,
      sources: Object.fromEntries(this.bySource),
      wireBytes: this.wireBytes,
      rejectedChunks: this.rejected,
      ...(stall == null ? {} : { stall })
    })
  }

  private async result (): Promise<DownloadedFile> {
    await this.hashing
    const count = this.manifest.chunkHashes.length
    const sha256 = bytesToHex(await this.hasher.digest(async () => this.init.store.file(count, this.type)))
    if (sha256 !== bytesToHex(this.manifest.sha256)) throw new DownloadFailedError('The chunks do not hash to the file\'s SHA-256')
    return {
      fileId: this.fileId,
      name: this.name,
      type: this.type,
      size: this.manifest.size,
      sha256,
      blob: await this.init.store.file(count, this.type),
      sources: Object.fromEntries(this.bySource),
      wireBytes: this.wireBytes,
      resumedBytes: this.resumedBytes,
      rejectedChunks: this.rejected
    }
  }
}

/** Resolves after `ms`, or rejects when `signal` aborts */
async function delay (ms: number, signal: AbortSignal): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    const onAbort = (): void => {
      clearTimeout(timer)
      reject(signal.reason)
    }
    signal.addEventListener('abort', onAbort, { once: true })
  })
}
