/**
 * One provider-side session of /peershare/exchange/1.1.0 (or 1.0.0): the downloader
 * names a file (Want), we Offer its manifest, then serve the chunks it Requests (the
 * first of them may come with the Want, on 1.1.0), in order,
 * honouring Cancel, Pause and Resume, until it sends Complete or goes quiet.
 * Reading and writing run side by side; the queue of requested chunks is bounded.
 */
import type { PeerId } from '@libp2p/interface'
import {
  MAX_CHUNKS_PER_REQUEST,
  bytesToHex,
  chunkLength,
  encodeChunkFrame,
  decodeMessage,
  encodeMessage,
  type FailureCode,
  parseFileId,
  type ChunkPart,
  type Message,
  partAt,
  type Priority
} from '@peershare/protocol'
import type { Uint8ArrayList } from 'uint8arraylist'
import type { ExchangeLimits } from '../config.js'
import type { Bandwidth } from '../limits/bandwidth.js'
import { withTimeout } from '../signals.js'
import type { ChunkBytes, ChunkReader } from '../store/chunk-readers.js'
import { ChunkCompressor, type CompressionStats, chooseEncoding } from './compression.js'
import type { ServableFile, ServableFiles } from './servable.js'
import type { FramedStream } from './framed-stream.js'
import type { SendLease } from './send-budget.js'
import type { SessionEntry } from './session-admission.js'

export interface ServeSessionComponents {
  files: ServableFiles
  bandwidth: Pick<Bandwidth, 'upload'>
  limits: ExchangeLimits
}

/** What one session answers to: its share of the send budget, its entry in the admission policy, and its wire figures to fill */
export interface SessionControls {
  lease: SendLease
  entry: SessionEntry
  wire: CompressionStats
}

/** An Offer larger than this goes out in pieces of it, each waiting for room in the send budget */
const OFFER_PIECE_BYTES = 1024 * 1024

export class SessionFailure extends Error {
  static override name = 'SessionFailure'
  override name = 'SessionFailure'
  /** `silent`: we gave up waiting for the peer (it counts as abandoning the session) */
  constructor (readonly failure: FailureCode, message: string, readonly silent = false) { super(message) }
}

export async function serveSession (components: ServeSessionComponents, controls: SessionControls, framed: FramedStream, peer: PeerId, signal: AbortSignal): Promise<void> {
  const want = await readMessage(framed, components.limits.requestTimeout, signal)
  if (want?.type !== 'want') throw new SessionFailure('bad-request', 'A session starts with Want')
  const wanted = want.fileId != null ? { fileId: want.fileId.toString() } : { sha256: bytesToHex(want.sha256 as Uint8Array) }
  const file = await components.files.find(wanted, peer)
  const reader = file == null ? undefined : await file.open()
  if (file == null || reader == null) throw notFound()
  // ciphertext does not compress: an encrypted file's chunks go raw without trying
  const encoding = file.manifest.encryption != null ? undefined : chooseEncoding(components.limits.compression, want.accept, file.metadata.mimeType)
  const compressor = new ChunkCompressor(encoding, controls.wire)
  const server = new ChunkServer(components, controls, framed, file, reader, compressor, peer.toString(), signal, want.parts === true)
  // subscribe before the offer, so no chunk verified in between goes unannounced
  const unwatch = file.watch?.(index => { server.announce(index) })
  try {
    await sendOffer(framed, controls.lease, encodeMessage({
      type: 'offer',
      fileId: parseFileId(file.fileId),
      manifest: file.manifestBytes,
      metadata: file.metadata,
      have: file.have?.toBytes(),
      encoding,
      // only to a downloader that said it reads the flag (an older one refuses an unknown field)
      ...(want.parts === true ? { parts: true } : {})
    }), signal)
    if (want.first != null) server.enqueueFirst(want.first.chunks, want.first.priority)
    await server.run()
  } finally {
    unwatch?.()
    await reader.close()
  }
}

/**
 * The one answer for a file we do not have, and for one the peer may not see (at the
 * Want, at a Request, before a chunk): the same Failure bytes on the wire, no oracle
 */
function notFound (): SessionFailure {
  return new SessionFailure('not-found', 'File not found')
}

/** A large manifest must not sit in the stream's buffer whole: it goes out as the peer takes it */
async function sendOffer (framed: FramedStream, lease: SendLease, offer: Uint8Array, signal: AbortSignal): Promise<void> {
  for (const part of framed.frame([offer])) {
    for (let at = 0; at < part.byteLength; at += OFFER_PIECE_BYTES) {
      const piece = part.subarray(at, at + OFFER_PIECE_BYTES)
      await lease.acquire(piece.byteLength, signal)
      framed.send([piece])
      lease.sent(piece.byteLength)
    }
  }
}

/** Reads one message, or null on clean end of stream; fails after `timeout` ms */
async function readMessage (framed: FramedStream, timeout: number, signal: AbortSignal): Promise<Message | null> {
  const msg = await readOrTimeout(framed, timeout, signal)
  if (msg === TIMED_OUT) throw new SessionFailure('bad-request', `No message within ${timeout} ms`, true)
  return msg
}

const TIMED_OUT = Symbol('timed out')

async function readOrTimeout (framed: FramedStream, timeout: number, signal: AbortSignal): Promise<Message | null | typeof TIMED_OUT> {
  let frame: Uint8ArrayList | null
  try {
    frame = await framed.read({ signal: AbortSignal.any([signal, AbortSignal.timeout(timeout)]) })
  } catch (err) {
    if (!signal.aborted && (err as Error).name === 'AbortedError') return TIMED_OUT
    throw err
  }
  return frame == null ? null : decodeMessage(frame)
}

/**
 * Chunks read, checked and encoded ahead of the one being sent: reading from disk,
 * hashing on the hash thread and the access check of the next chunk overlap the upload
 * limit's wait for this one, so a rate-limited source sends at its full rate even when
 * reading a chunk takes longer than sending it (a busy disk, a loaded machine). Each
 * holds its place in the send budget while it waits, so memory stays bounded by it.
 */
export const READ_AHEAD = 2

/** A requested chunk, or a part of one (only when the Offer said parts) */
interface Work {
  index: number
  part?: ChunkPart
}

/** A chunk (or part) on its way out: its read (and encoding) runs while the chunks before it are sent */
interface Prepared {
  index: number
  part?: ChunkPart
  /** raw length, reserved in the send budget once `reserved` */
  length: number
  reserved: boolean
  /** the downloader cancelled it (another source brought it first): dropped unsent */
  cancelled: boolean
  ready: Promise<{ data: ChunkBytes, compressed: boolean }>
}

/** Serves Requests for one file until the downloader is done */
class ChunkServer {
  private readonly queue: Work[] = []
  /**
   * The chunk the last part was cut from: the parts of one chunk are asked for one after
   * the other, and each would read and hash the whole chunk again. One chunk per session.
   */
  private lastWhole: { index: number, data: Promise<ChunkBytes> } | undefined
  /** chunks being read ahead, in sending order (at most READ_AHEAD) */
  private readonly ahead: Prepared[] = []
  /** chunks verified since the offer, not yet announced with Have */
  private readonly announced: number[] = []
  /**
   * The last read-ahead chunk's turn at the send budget: each waits for the one before
   * it, so room goes to chunks in sending order. Out of order, a later chunk could take
   * room the budget has once (a 4 MiB chunk, the default 4 MiB session budget) and hold
   * it, unsent, while the chunk before it waited for that room: a session stuck until
   * it was dropped as a peer not reading.
   */
  private budgetTurn: Promise<void> = Promise.resolve()
  private paused = false
  private done = false
  private writing = false
  private wake: (() => void) | undefined

  constructor (
    private readonly components: ServeSessionComponents,
    private readonly controls: SessionControls,
    private readonly framed: FramedStream,
    private readonly file: ServableFile,
    private readonly reader: ChunkReader,
    private readonly compressor: ChunkCompressor,
    private readonly peer: string,
    private readonly signal: AbortSignal,
    /** the Offer said we answer Requests for parts */
    private readonly parts: boolean
  ) {}

  /** Queues a Have for a chunk verified since the offer (partial files only) */
  announce (index: number): void {
    // this session's copy of the have-bitfield grows too, so the chunk may now be requested
    this.file.have?.set(index)
    this.announced.push(index)
    this.notify()
  }

  /** Resolves when the downloader is done; rejects on the first read or write failure */
  async run (): Promise<void> {
    const reading = this.readLoop().finally(() => {
      this.done = true
      this.notify()
    })
    await Promise.all([reading, this.writeLoop()])
  }

  private async readLoop (): Promise<void> {
    const { sessionIdleTimeout } = this.components.limits
    while (!this.done) {
      const msg = await readOrTimeout(this.framed, sessionIdleTimeout, this.signal)
      if (msg === TIMED_OUT) {
        // a downloader receiving chunks need not talk; one with nothing queued must
        if (!this.paused && (this.queued() > 0 || this.writing)) continue
        throw new SessionFailure('bad-request', `Idle for ${sessionIdleTimeout} ms`, true)
      }
      if (msg == null || msg.type === 'complete') return
      // a contact removed or a grant revoked: its next request is answered as for a file we do not have
      if (msg.type === 'request') await this.checkAccess()
      this.handle(msg)
    }
  }

  private handle (msg: Message): void {
    if (msg.type === 'request' && msg.part != null) this.enqueuePart(msg.chunks[0], msg.part, msg.priority)
    else if (msg.type === 'request') this.enqueue(msg.chunks, msg.priority)
    else if (msg.type === 'cancel') this.cancel(msg.chunks, msg.part)
    else if (msg.type === 'pause') this.paused = true
    else if (msg.type === 'resume') {
      this.paused = false
      this.notify()
    } else throw new SessionFailure('bad-request', `Unexpected ${msg.type} message`)
  }

  /** Chunks requested and not yet sent nor cancelled: queued, or being read ahead */
  private queued (): number {
    return this.queue.length + this.ahead.filter(p => !p.cancelled).length
  }

  /**
   * The chunks asked for with the Want, before the downloader saw our Offer: those we
   * do not have, or beyond the file, are dropped (it could not know), the rest queued as a Request's
   */
  enqueueFirst (chunks: number[], priority: Priority): void {
    const have = this.file.have
    const count = this.file.manifest.chunkHashes.length
    const ours = chunks.filter(i => i < count && (have == null || have.has(i)))
    if (ours.length > 0) this.enqueue(ours, priority)
  }

  private enqueue (chunks: number[], priority: Priority): void {
    this.checkRequest(chunks)
    this.queueWork(chunks.map(index => ({ index })), priority)
  }

  /**
   * A Request for a part of one chunk: only after an Offer that said parts, and only one
   * of the chunk's quarters (`partRange`), so that a peer makes us read a chunk at most
   * once per quarter it takes, not once per byte
   */
  private enqueuePart (index: number, part: ChunkPart, priority: Priority): void {
    if (!this.parts) throw new SessionFailure('bad-request', 'Requested a part without an Offer of parts')
    this.checkRequest([index])
    if (partAt(this.file.manifest, index, part.offset, part.length) === undefined) throw new SessionFailure('bad-request', `Part ${part.offset}+${part.length} is not a part of chunk ${index}`)
    this.queueWork([{ index, part }], priority)
  }

  /** Chunks we offered, within the file, and room for them in the queue */
  private checkRequest (chunks: number[]): void {
    const count = this.file.manifest.chunkHashes.length
    if (chunks.some(i => i >= count)) throw new SessionFailure('bad-request', `Chunk index out of range (file has ${count})`)
    const have = this.file.have
    if (have != null && chunks.some(i => !have.has(i))) throw new SessionFailure('bad-request', 'Requested a chunk we did not offer')
    if (this.queued() + chunks.length > this.components.limits.maxQueuedChunks) {
      throw new SessionFailure('busy', `More than ${this.components.limits.maxQueuedChunks} chunks queued`)
    }
  }

  private queueWork (works: Work[], priority: Priority): void {
    if (priority === 'high') this.queue.unshift(...works)
    else this.queue.push(...works)
    this.active(this.queue.length > 0)
    this.controls.entry.useful = true
    this.notify()
  }

  /** Drops the chunks (all when none named) and their parts; with `part`, only that part of the one chunk */
  private cancel (chunks: number[], part?: ChunkPart): void {
    const drop = new Set(chunks)
    const dropped = (w: Work): boolean => (chunks.length === 0 || drop.has(w.index)) && (part == null || w.part?.offset === part.offset)
    for (const prepared of this.ahead) if (dropped(prepared)) prepared.cancelled = true
    const keep = this.queue.filter(w => !dropped(w))
    this.queue.splice(0, this.queue.length, ...keep)
  }

  private async writeLoop (): Promise<void> {
    while (!this.done) {
      if (this.announced.length > 0) {
        const chunks = this.announced.splice(0, MAX_CHUNKS_PER_REQUEST)
        await this.framed.write(encodeMessage({ type: 'have', chunks }), { signal: withTimeout(this.components.limits.requestTimeout, this.signal) })
        continue
      }
      this.readAhead()
      const next = this.ahead[0]
      if (this.paused || next == null) {
        this.active(false)
        await new Promise<void>(resolve => { this.wake = resolve })
        continue
      }
      this.writing = true
      this.active(true)
      try {
        await this.sendPrepared(next)
      } finally {
        this.ahead.shift()
        this.writing = false
      }
    }
  }

  /** Starts reading the next queued chunks, up to READ_AHEAD at once (none while paused) */
  private readAhead (): void {
    while (!this.paused && this.ahead.length < READ_AHEAD && this.queue.length > 0) {
      this.ahead.push(this.prepare(this.queue.shift() as Work))
    }
  }

  /**
   * Reads a chunk from disk only once it fits in the send budget (this session, this
   * peer, the node): a peer that stops reading makes us hold at most that, and is
   * dropped when its bytes do not move for `requestTimeout` (`PeerNotReadingError`).
   * The reservation is the raw length, at least what goes on the wire. The access check
   * runs beside the read: it only has to pass before the chunk is sent.
   */
  private prepare ({ index, part }: Work): Prepared {
    // a part's whole chunk is read and held: it is what the budget must hold room for
    const length = chunkLength(this.file.manifest, index)
    const state = { reserved: false, cancelled: false, part }
    const turn = this.budgetTurn.then(async () => { await this.controls.lease.acquire(length, this.signal) })
    // the next chunk's turn comes once this one holds its room, or has given up on it
    this.budgetTurn = turn.catch(() => {})
    const ready = (async () => {
      await turn
      state.reserved = true
      if (part != null) {
        const [whole] = await Promise.all([this.wholeForPart(index), this.checkAccess()])
        // parts go raw: they are the last few chunks of a download, and the peer verifies them joined
        return this.compressor.raw(whole.subarray(part.offset, part.offset + part.length))
      }
      const [raw] = await Promise.all([this.reader.read(index), this.checkAccess()])
      return await this.compressor.encode(raw)
    })()
    // a failure surfaces when the chunk's turn comes; one never reached (the session ended first) is moot
    ready.catch(() => {})
    return Object.assign(state, { index, length, ready })
  }

  /**
   * Sends a prepared chunk, unless it was cancelled meanwhile. The upload limit is
   * charged what goes on the wire, so compression makes a limited link faster.
   */
  private async sendPrepared (prepared: Prepared): Promise<void> {
    try {
      const { data, compressed } = await prepared.ready
      if (!prepared.cancelled) {
        // upload limits serve peers in turn: a request's priority orders this peer's own
        // queue (above), it does not let one peer jump ahead of others
        await this.components.bandwidth.upload(this.peer, data.byteLength, { signal: this.signal })
      }
      if (prepared.cancelled) {
        this.compressor.retract(prepared.part?.length ?? prepared.length, data.byteLength, compressed, prepared.part != null)
        return
      }
      const frame = prepared.part == null
        ? encodeChunkFrame(prepared.index, this.file.manifest.chunkHashes[prepared.index], data, compressed)
        : encodeChunkFrame(prepared.index, new Uint8Array(0), data, false, prepared.part.offset)
      this.framed.send(this.framed.frame(frame))
    } finally {
      if (prepared.reserved) this.controls.lease.sent(prepared.length)
      if (prepared.part != null) this.keepWholeFor(prepared)
    }
  }

  /** Lets go of the chunk parts were cut from once no part of it waits after `sent` */
  private keepWholeFor (sent: Prepared): void {
    const waiting = this.queue.some(w => w.index === sent.index && w.part != null) || this.ahead.some(p => p !== sent && p.index === sent.index && p.part != null)
    if (!waiting && this.lastWhole?.index === sent.index) this.lastWhole = undefined
  }

  /** Chunk `index`, verified, to cut parts from: read once for its parts in a row */
  private async wholeForPart (index: number): Promise<ChunkBytes> {
    if (this.lastWhole?.index !== index) {
      const data = this.reader.read(index)
      data.catch(() => {})
      this.lastWhole = { index, data }
    }
    return this.lastWhole.data
  }

  /** Throws the not-found failure once the peer may no longer be served the file (access/) */
  private async checkAccess (): Promise<void> {
    if (this.file.mayServe != null && !(await this.file.mayServe())) throw notFound()
  }

  /** Tells the admission policy whether this session is being useful right now */
  private active (busy: boolean): void {
    const { entry } = this.controls
    entry.busy = busy
    entry.lastActive = Date.now()
  }

  private notify (): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}
