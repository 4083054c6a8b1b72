/**
 * The downloader side of one /peershare/exchange/1.0.0 session with one provider.
 * Opening it sends Want and verifies the offered manifest against the file id asked
 * for (or, asked by SHA-256, against the offered id and the hash), so a session only
 * ever exists with a verified manifest. Chunk bytes are returned unverified: the
 * caller checks them against that manifest before using them.
 */
import type { AbortOptions, Connection, Libp2p, PeerId, Stream } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import {
  Bitfield,
  EXCHANGE_PROTOCOL,
  EXCHANGE_PROTOCOL_1_0,
  decodeChunkFrame,
  isChunkFrame,
  MAX_CHUNK_MESSAGE_OVERHEAD,
  MAX_MESSAGE_BYTES,
  decodeMessage,
  encodeMessage,
  formatFileId,
  verifyManifest,
  type FileId,
  type ChunkEncoding,
  type ChunkPart,
  chunkLength,
  type FileMetadata,
  type FileRef,
  type Manifest,
  type Message,
  type Priority
} from '@peershare/protocol'
import { blameRoute, type Route, routeOf } from '../reachability/route.js'
import type { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'
import type { ExchangeLimits } from '../config.js'
import { AbortedError, FileNotFoundError, PeerMisbehavedError, PeerUnreachableError, RemoteFailureError, SourceBusyError } from '../errors.js'
import { FramedStream, type FramedStreamInit } from './framed-stream.js'
import { acceptedEncodings, decompressChunk } from './inflate.js'
import { withTimeout } from '../signals.js'
// the module itself, not transports/index.js: the browser bundle takes this file and none of the node-only transports
import { confirmLazy, LAZY_SELECT, proposeLazily } from '../transports/lazy-select.js'
import { openReceiveWindow } from '../transports/yamux-frames.js'

export interface FetchSessionComponents {
  libp2p: Pick<Libp2p, 'dial'>
  limits: Pick<ExchangeLimits, 'requestTimeout' | 'readHighWaterMark' | 'compression'>
  dialTimeout: number
  /**
   * Where a session's large messages (chunks) are assembled as they arrive
   * (FramedStream's `assemble`): the daemon's hash thread's reused buffers. None (a
   * browser page): they stay as they came until read
   */
  assemble?: FramedStreamInit['assemble']
}

/**
 * What a provider sends during a session: a chunk (its data as received pieces, or
 * inflated), a compressed chunk that does not inflate to its length or that we never
 * accepted (`bad-chunk`: blamed like one that fails verification), or news that it has more chunks
 */
export type SessionEvent =
  | { type: 'chunk', index: number, data: Uint8Array | Uint8ArrayList, wireBytes: number }
  | { type: 'part', index: number, offset: number, data: Uint8Array | Uint8ArrayList, wireBytes: number }
  | { type: 'bad-chunk', index: number, reason: string }
  | { type: 'have', chunks: number[] }

/**
 * Chunks to ask a provider for with the Want, before its Offer (exchange 1.1.0): the
 * download claims them for `peer` once its stream is open. Undefined: none
 */
export type FirstRequest = (peer: PeerId) => Promise<FirstAsk | undefined>

/** What a download asks for with a Want (charged to the download rate limit once the Offer is in): the Want's `first` */
export type FirstAsk = NonNullable<Extract<Message, { type: 'want' }>['first']>

/** The chunks a session claimed before its Offer, and what became of them */
export interface FirstChunks {
  /** every chunk claimed, including any the provider turned out not to have */
  chunks: number[]
  /** when they were asked for (Date.now()) */
  sentAt: number
  /** the provider queued those it has (1.1.0); false: a 1.0.0 peer, nothing was asked yet */
  queued: boolean
}

export class FetchSession {
  private constructor (
    readonly peer: PeerId,
    readonly fileId: FileId,
    readonly manifest: Manifest,
    /** the manifest's bytes, verified against the file id */
    readonly manifestBytes: Uint8Array,
    readonly metadata: FileMetadata,
    /** the chunks the provider has (it grows with Have messages) */
    readonly have: Bitfield,
    private readonly framed: FramedStream,
    private readonly requestTimeout: number,
    /** the encoding the provider said compressed chunks use; undefined: all raw */
    readonly encoding: ChunkEncoding | undefined,
    /** directly, or through a relay (within its limits) */
    readonly route: Route,
    /** chunks asked for with the Want (exchange 1.1.0) */
    readonly first: FirstChunks | undefined,
    /** the provider answers Requests for parts of a chunk (its Offer said so) */
    readonly parts: boolean
  ) {}

  /** Chunk data received: bytes on the wire, bytes of content, chunks that came compressed */
  readonly wire = { wireBytes: 0, contentBytes: 0, compressedChunks: 0 }

  /**
   * Dials `target`, asks for `ref` (and for `first`'s chunks with it), and returns once
   * the offered manifest is verified. A peer without exchange 1.1.0 is asked again on 1.0.0.
   */
  static async open (components: FetchSessionComponents, target: PeerId | Multiaddr, ref: FileRef, signal?: AbortSignal, first?: FirstRequest): Promise<FetchSession> {
    const connection = await dial(components, target, signal)
    const peer = connection.remotePeer
    const route = routeOf(connection)
    let claimed: FirstChunks | undefined
    try {
      try {
        return await FetchSession.ask(components, connection, EXCHANGE_PROTOCOL, ref, signal, async () => {
          const asked = await first?.(peer)
          claimed = asked == null || asked.chunks.length === 0 ? undefined : { chunks: asked.chunks, sentAt: Date.now(), queued: true }
          return asked
        }, () => claimed)
      } catch (err: any) {
        if (err.name !== 'UnsupportedProtocolError') throw err
        // a peer from before Want.first: what was claimed is asked for once its Offer is in
        if (claimed != null) claimed = { ...claimed, queued: false }
        return await FetchSession.ask(components, connection, EXCHANGE_PROTOCOL_1_0, ref, signal, undefined, () => claimed)
      }
    } catch (err: any) {
      if (signal?.aborted === true) throw new AbortedError('Download cancelled')
      const failure = err.name === 'UnsupportedProtocolError' ? new PeerUnreachableError(`Peer ${peer} does not speak the exchange protocol: ${err.message}`) : err
      throw blameRoute(route, peer.toString(), failure)
    }
  }

  /** One session on `protocol`: Want (with the first chunks on 1.1.0), then the Offer, verified */
  private static async ask (components: FetchSessionComponents, connection: Connection, protocol: string, ref: FileRef, signal: AbortSignal | undefined,
    first: (() => ReturnType<FirstRequest>) | undefined, claimed: () => FirstChunks | undefined): Promise<FetchSession> {
    const peer = connection.remotePeer
    const framed = await openStream(components, connection, protocol, signal)
    try {
      const opts = { signal: withTimeout(components.limits.requestTimeout, signal) }
      const accept = acceptedEncodings(components.limits.compression)
      const named = ref.kind === 'file-id' ? { fileId: ref.fileId } : { sha256: ref.sha256 }
      proposeLazily(framed.stream, framed)
      const asked = await first?.()
      // with compression off the Want is the one peers without compression send
      // PARTS rides in accept's bits: with compression off (no accept) it is left out too,
      // so the Want stays the one providers from before compression can read
      await framed.write(encodeMessage({ type: 'want', ...named, ...(accept.length > 0 ? { accept, parts: true } : {}), ...(asked == null || asked.chunks.length === 0 ? {} : { first: asked }) }), opts)
      await confirmLazy(framed.stream, framed, opts)
      const reply = await readReply(framed, peer, opts.signal, signal)
      if (reply.type !== 'offer') throw new PeerMisbehavedError(`Peer ${peer} answered Want with ${reply.type}`)
      if (reply.encoding != null && !accept.includes(reply.encoding)) throw new PeerMisbehavedError(`Peer ${peer} offered encoding ${reply.encoding}, which we did not accept`)
      const { manifest, bytes } = await checkOffer(peer, ref, reply)
      const have = decodeHave(peer, manifest, reply.have)
      // from now on the provider sends chunks of this size, Haves and Failures, never
      // another Offer: a larger message is refused at its length prefix
      framed.limitMessages(manifest.chunkSize + MAX_CHUNK_MESSAGE_OVERHEAD)
      return new FetchSession(peer, reply.fileId, manifest, bytes, reply.metadata, have, framed, components.limits.requestTimeout, reply.encoding, routeOf(connection), claimed(), reply.parts === true)
    } catch (err: any) {
      framed.abort(err)
      throw err
    }
  }

  async request (chunks: number[], priority: Priority = 'normal', signal?: AbortSignal): Promise<void> {
    await this.send({ type: 'request', chunks, priority }, signal)
  }

  /** Asks for bytes `part` of chunk `index` alone (only when `parts`) */
  async requestPart (index: number, part: ChunkPart, priority: Priority = 'normal', signal?: AbortSignal): Promise<void> {
    await this.send({ type: 'request', chunks: [index], priority, part }, signal)
  }

  /** Drops part `part` of chunk `index` alone from the provider's queue (only when `parts`) */
  async cancelPart (index: number, part: ChunkPart, signal?: AbortSignal): Promise<void> {
    await this.send({ type: 'cancel', chunks: [index], part }, signal)
  }

  /** Drops these chunks, and every part of them, from the provider's queue */
  async cancel (chunks: number[], signal?: AbortSignal): Promise<void> {
    await this.send({ type: 'cancel', chunks }, signal)
  }

  async pause (signal?: AbortSignal): Promise<void> {
    await this.send({ type: 'pause' }, signal)
  }

  async resume (signal?: AbortSignal): Promise<void> {
    await this.send({ type: 'resume' }, signal)
  }

  /** Writes a message; a provider that stops reading fails it after the request timeout */
  private async send (msg: Message, signal?: AbortSignal): Promise<void> {
    try {
      await this.framed.write(encodeMessage(msg), { signal: withTimeout(this.requestTimeout, signal) })
    } catch (err: any) {
      if (signal?.aborted === true) throw new AbortedError('Download cancelled')
      throw new PeerUnreachableError(`Peer ${this.peer} stopped reading: ${err.message}`)
    }
  }

  /** The next chunk or Have news from the provider; a stall past the request timeout fails */
  async nextEvent (signal?: AbortSignal): Promise<SessionEvent> {
    const frame = await readFrame(this.framed, this.peer, withTimeout(this.requestTimeout, signal), signal)
    const chunk = decodeChunk(frame, this.peer)
    if (chunk?.offset != null) return this.receivedPart(chunk.index, chunk.offset, chunk.data)
    if (chunk != null) return await this.received(chunk.index, chunk.data, chunk.compressed)
    const msg = decodeReply(frame, this.peer)
    if (msg.type === 'chunk' && msg.offset != null) return this.receivedPart(msg.index, msg.offset, msg.data)
    if (msg.type === 'chunk') return await this.received(msg.index, msg.data, msg.compressed === true)
    if (msg.type === 'have') {
      const count = this.manifest.chunkHashes.length
      if (msg.chunks.some(i => i >= count)) throw new PeerMisbehavedError(`Peer ${this.peer} announced a chunk beyond the file`)
      for (const i of msg.chunks) this.have.set(i)
      return { type: 'have', chunks: msg.chunks }
    }
    throw new PeerMisbehavedError(`Peer ${this.peer} sent ${msg.type} where a chunk was expected`)
  }

  /**
   * A chunk as sent: raw data passes as it is; compressed data is inflated to at most
   * the chunk's length from the verified manifest, and must come to exactly that
   */
  private async received (index: number, data: Uint8Array | Uint8ArrayList, compressed: boolean): Promise<SessionEvent> {
    const wireBytes = data.byteLength
    this.wire.wireBytes += wireBytes
    if (!compressed) {
      this.wire.contentBytes += wireBytes
      return { type: 'chunk', index, data, wireBytes }
    }
    if (this.encoding == null) return { type: 'bad-chunk', index, reason: 'compressed chunk in a session without compression' }
    if (index >= this.manifest.chunkHashes.length) return { type: 'bad-chunk', index, reason: 'chunk index beyond the file' }
    try {
      const raw = await decompressChunk(this.encoding, data instanceof Uint8Array ? data : data.subarray(), chunkLength(this.manifest, index))
      this.wire.contentBytes += raw.byteLength
      this.wire.compressedChunks++
      return { type: 'chunk', index, data: raw, wireBytes }
    } catch (err: any) {
      return { type: 'bad-chunk', index, reason: err.message }
    }
  }

  /** A part of a chunk: never asked for unless the Offer said parts, and within its chunk */
  private receivedPart (index: number, offset: number, data: Uint8Array | Uint8ArrayList): SessionEvent {
    const wireBytes = data.byteLength
    this.wire.wireBytes += wireBytes
    this.wire.contentBytes += wireBytes
    if (index >= this.manifest.chunkHashes.length) throw new PeerMisbehavedError(`Peer ${this.peer} sent a part of a chunk beyond the file`)
    if (!this.parts) return { type: 'bad-chunk', index, reason: 'a part of a chunk in a session without parts' }
    if (offset + wireBytes > chunkLength(this.manifest, index)) return { type: 'bad-chunk', index, reason: 'a part beyond its chunk' }
    return { type: 'part', index, offset, data, wireBytes }
  }

  /** Tells the provider we are done and closes our side */
  async complete (): Promise<void> {
    try {
      await this.framed.write(encodeMessage({ type: 'complete' }), { signal: AbortSignal.timeout(this.requestTimeout) })
      await this.framed.close({ signal: AbortSignal.timeout(this.requestTimeout) })
    } catch (err: any) {
      this.framed.abort(err)
    }
  }

  abort (err: Error): void {
    this.framed.abort(err)
  }
}

async function dial (components: FetchSessionComponents, target: PeerId | Multiaddr, signal?: AbortSignal): Promise<Connection> {
  try {
    return await components.libp2p.dial(target, { signal: withTimeout(components.dialTimeout, signal) })
  } catch (err: any) {
    if (signal?.aborted === true) throw new AbortedError('Download cancelled')
    throw new PeerUnreachableError(`Cannot reach peer ${target.toString()}: ${err.message}`)
  }
}

/**
 * The receive window an exchange stream opens with: about what the first requests bring
 * (INITIAL_DEPTH chunks of the default size, download/source-pace.ts), so the provider
 * sends them back to back over a long link, not one 256 KiB window per round trip
 */
export const OPENING_WINDOW_BYTES = 4 * 1024 * 1024

/**
 * An exchange stream on `protocol`, opened lazily where the muxer allows (the Want
 * follows the proposal at once: transports/lazy-select.ts), with the window for the
 * first chunks. A peer that does not speak it fails with UnsupportedProtocolError,
 * here or when its answer is read
 */
async function openStream (components: FetchSessionComponents, connection: Connection, protocol: string, signal?: AbortSignal): Promise<FramedStream> {
  const options: AbortOptions & Record<string, unknown> = { signal: withTimeout(components.dialTimeout, signal), [LAZY_SELECT]: true }
  let stream: Stream
  try {
    // a source reachable only through a relay is fetched from within the relay's limits
    stream = await connection.newStream(protocol, { ...options, runOnLimitedConnection: true })
  } catch (err: any) {
    if (err.name === 'UnsupportedProtocolError' || signal?.aborted === true) throw err
    throw new PeerUnreachableError(`Cannot open a stream to peer ${connection.remotePeer}: ${err.message}`)
  }
  openReceiveWindow(stream, OPENING_WINDOW_BYTES)
  return new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark: components.limits.readHighWaterMark, assemble: components.assemble })
}

/** Reads the provider's next message; `userSignal` tells a cancel from a timeout */
async function readReply (framed: FramedStream, peer: PeerId, signal: AbortSignal, userSignal?: AbortSignal): Promise<Message> {
  return decodeReply(await readFrame(framed, peer, signal, userSignal), peer)
}

async function readFrame (framed: FramedStream, peer: PeerId, signal: AbortSignal, userSignal?: AbortSignal): Promise<Uint8ArrayList> {
  let frame: Uint8ArrayList | null
  try {
    frame = await framed.read({ signal })
  } catch (err: any) {
    if (userSignal?.aborted === true) throw new AbortedError('Download cancelled')
    if (err.name === 'InvalidMessageError') throw new PeerMisbehavedError(`Peer ${peer} sent an invalid message: ${err.message}`)
    // only a timeout is "stopped answering" (an idle source may be waited on again);
    // a broken stream fails at once every time it is read
    if (signal.aborted) throw new PeerUnreachableError(`Peer ${peer} stopped answering: ${err.message}`)
    throw new PeerUnreachableError(`Peer ${peer} broke off the session: ${err.message}`)
  }
  if (frame == null) throw new PeerUnreachableError(`Peer ${peer} closed the session`)
  return frame
}

/** A chunk read without copying its data, when laid out the usual way */
function decodeChunk (frame: Uint8ArrayList, peer: PeerId): { index: number, data: Uint8ArrayList, compressed: boolean, offset?: number } | undefined {
  if (!isChunkFrame(frame)) return undefined
  try {
    const chunk = decodeChunkFrame(frame)
    return chunk == null ? undefined : { index: chunk.index, data: chunk.data, compressed: chunk.compressed, offset: chunk.offset }
  } catch (err: any) {
    throw new PeerMisbehavedError(`Peer ${peer} sent an invalid message: ${err.message}`)
  }
}

function decodeReply (frame: Uint8ArrayList, peer: PeerId): Message {
  let msg: Message
  try {
    msg = decodeMessage(frame)
  } catch (err: any) {
    throw new PeerMisbehavedError(`Peer ${peer} sent an invalid message: ${err.message}`)
  }
  if (msg.type === 'failure') {
    if (msg.code === 'not-found') throw new FileNotFoundError(`Peer ${peer} does not have the file`)
    if (msg.code === 'busy') throw new SourceBusyError(`Peer ${peer} is busy: ${msg.message}`)
    throw new RemoteFailureError(`Peer ${peer} refused: ${msg.code}: ${msg.message}`)
  }
  return msg
}

function decodeHave (peer: PeerId, manifest: Manifest, bytes: Uint8Array | undefined): Bitfield {
  const count = manifest.chunkHashes.length
  if (bytes == null) return Bitfield.full(count)
  try {
    return Bitfield.decode(count, bytes)
  } catch (err: any) {
    throw new PeerMisbehavedError(`Peer ${peer} sent a bad have-bitfield: ${err.message}`)
  }
}

/**
 * Manifests verified lately, by file id, while any session still holds them: the
 * sessions of one download (up to maxSources) share one decoded copy instead of
 * decoding and holding the same manifest each (up to 4.25 MiB of hashes, about 20 MiB
 * decoded). Offered bytes equal to verified ones for the same id are verified too.
 */
const verified = new Map<string, { manifest: WeakRef<Manifest>, bytes: WeakRef<Uint8Array> }>()

function knownManifest (fileId: string, bytes: Uint8Array): { manifest: Manifest, bytes: Uint8Array } | undefined {
  const entry = verified.get(fileId)
  const manifest = entry?.manifest.deref()
  const known = entry?.bytes.deref()
  if (manifest == null || known == null || !equals(known, bytes)) return undefined
  return { manifest, bytes: known }
}

function rememberManifest (fileId: string, manifest: Manifest, bytes: Uint8Array): void {
  for (const [id, entry] of verified) {
    if (entry.manifest.deref() == null) verified.delete(id)
  }
  verified.set(fileId, { manifest: new WeakRef(manifest), bytes: new WeakRef(bytes) })
}

async function checkOffer (peer: PeerId, ref: FileRef, offer: Extract<Message, { type: 'offer' }>): Promise<{ manifest: Manifest, bytes: Uint8Array }> {
  if (ref.kind === 'file-id' && !offer.fileId.equals(ref.fileId)) {
    throw new PeerMisbehavedError(`Peer ${peer} offered ${formatFileId(offer.fileId)} instead of ${formatFileId(ref.fileId)}`)
  }
  const id = formatFileId(offer.fileId)
  let known = knownManifest(id, offer.manifest)
  if (known == null) {
    try {
      known = { manifest: await verifyManifest(offer.fileId, offer.manifest), bytes: offer.manifest }
    } catch (err: any) {
      throw new PeerMisbehavedError(`Peer ${peer} sent a manifest that does not match the file id: ${err.message}`)
    }
    rememberManifest(id, known.manifest, known.bytes)
  }
  if (ref.kind === 'sha256' && !equals(known.manifest.sha256, ref.sha256)) {
    throw new PeerMisbehavedError(`Peer ${peer} offered a file with another SHA-256`)
  }
  return known
}
