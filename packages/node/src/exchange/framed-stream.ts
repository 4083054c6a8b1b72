/**
 * Length-prefixed (unsigned varint) messages over a libp2p 3.x stream, with the
 * limits the stock helpers lack: a maximum message size, and real backpressure.
 * Incoming bytes arrive as 'message' events; once more than `highWaterMark` bytes
 * wait unread we pause() the stream, so the muxer stops granting the sender window,
 * and resume() when the reader has caught up. Writes wait for 'drain'.
 *
 * With `assemble`, a large message (a chunk) is copied into a buffer of its own as its
 * bytes arrive, instead of being kept as views of the buffers they arrived in until the
 * message is whole and read. Those buffers are a TLS record each (16 KiB, Node's
 * allocation), freed only when V8 collects them: kept waiting, some lived through two
 * scavenges and were freed only by a full collection, seconds later, and a receiver's
 * peak RSS grew with the length of the transfer (doc/BENCHMARKS.md, "Chunk messages
 * copied out of the network's buffers"). Copied at once, they die young. The message's
 * buffer comes from the hash thread's pool and goes back to it once the chunk was copied
 * for the thread and checked (HashThread.verifyChunk).
 */
import type { AbortOptions, Stream } from '@libp2p/interface'
import { Uint8ArrayList } from 'uint8arraylist'
import { encode as varintEncode, encodingLength } from 'uint8-varint'
import { AbortedError } from '../errors.js'
import { InvalidMessageError } from '@peershare/protocol'

export interface FramedStreamInit {
  /** Largest message accepted */
  maxMessageBytes: number
  /** Unread bytes at which reading pauses */
  highWaterMark: number
  /** Messages of at least `minBytes` (> 0) go into a buffer from `take(length)` as they arrive (above) */
  assemble?: { minBytes: number, take: (length: number) => Uint8Array }
}

export class StreamClosedError extends Error {
  static override name = 'StreamClosedError'
  override name = 'StreamClosedError'
}

export class FramedStream {
  readonly stream: Stream
  private readonly buffer = new Uint8ArrayList()
  private readonly init: FramedStreamInit
  private maxMessageBytes: number
  /** the remote closed its writing end (a FIN, not the connection going away) */
  private finished = false
  private failure: Error | undefined
  private wake: (() => void) | undefined
  /** With `assemble`: whole messages framed ahead of the reader, in order, and their bytes */
  private readonly ready: Uint8ArrayList[] = []
  private readyBytes = 0
  /** With `assemble`: the large message being copied as it arrives (it follows `ready`, and precedes `buffer`) */
  private filling: { target: Uint8Array, filled: number } | undefined

  constructor (stream: Stream, init: FramedStreamInit) {
    this.stream = stream
    this.init = init
    this.maxMessageBytes = init.maxMessageBytes
    stream.addEventListener('message', (evt) => {
      // after an oversized length prefix nothing more is kept: the session is over
      if (this.failure != null) return
      this.buffer.append(evt.data)
      if (init.assemble != null) this.assemble(init.assemble)
      else this.checkPrefix()
      // pause after the current dispatch: resume() hands over buffered data first and
      // only then reopens the muxer window, which would undo a pause made inside it
      if (this.unread() > init.highWaterMark) queueMicrotask(() => { this.pauseIfFull() })
      this.notify()
    })
    // the remote's FIN; it may have come (and the event passed) before we were attached
    this.finished = stream.remoteWriteStatus === 'closed' && stream.status === 'open'
    stream.addEventListener('remoteCloseWrite', () => { this.finished = true; this.notify() })
    stream.addEventListener('end', () => { this.notify() })
    stream.addEventListener('close', (evt) => {
      if (evt.error != null) {
        this.failure ??= evt.error
        // a stream that failed ends reading at once, messages framed ahead included (as without `assemble`)
        this.dropReady()
      }
      this.notify()
    })
  }

  /**
   * Sets the largest message accepted from now on: a downloader expects chunks once
   * its session is open, not another Offer. The next message's length prefix is
   * checked against it at once.
   */
  limitMessages (maxMessageBytes: number): void {
    this.maxMessageBytes = maxMessageBytes
    // a message being assembled is held to it too (those framed already, as they are read)
    if (this.filling != null && this.filling.target.byteLength > maxMessageBytes) this.fail(tooLong(this.filling.target.byteLength, maxMessageBytes))
    else if (this.init.assemble != null) this.assemble(this.init.assemble)
    else this.checkPrefix()
  }

  /**
   * The next whole message, or null when the remote closed cleanly between messages.
   * An end inside a message is an InvalidMessageError when the remote closed its end
   * there (a FIN: its software cut the message), a StreamClosedError when the
   * connection went away.
   */
  async read (options: AbortOptions = {}): Promise<Uint8ArrayList | null> {
    while (true) {
      const frame = this.takeFrame()
      if (frame != null) return frame
      if (this.failure != null) throw this.failure
      if (this.ended()) {
        const left = this.buffer.byteLength + (this.filling?.filled ?? 0)
        if (left === 0 && this.filling == null) return null
        const why = `Stream ended inside a message (${left} bytes left)`
        throw this.finished ? new InvalidMessageError(why) : new StreamClosedError(why)
      }
      await this.waitForData(options.signal)
    }
  }

  /** Sends one message, waiting while the stream's write buffer is full */
  async write (message: Uint8Array, options: AbortOptions = {}): Promise<void> {
    await this.writeParts([message], options)
  }

  /** Sends one message given as consecutive parts, without joining them (large chunk data) */
  async writeParts (parts: Uint8Array[], options: AbortOptions = {}): Promise<void> {
    // senders of large data also wait on a SendLease and use send(): a drain alone does
    // not bound what a peer that stops reading makes us hold
    await drained(this.stream, options)
    this.send(this.frame(parts))
  }

  /** The length prefix followed by `parts`: one message, not joined */
  frame (parts: Uint8Array[]): Uint8Array[] {
    const length = parts.reduce((sum, part) => sum + part.byteLength, 0)
    const prefix = new Uint8Array(encodingLength(length))
    varintEncode(length, prefix)
    return [prefix, ...parts]
  }

  /** Hands bytes to the stream now, whatever its buffer holds: the caller bounds them */
  send (parts: Uint8Array[]): void {
    this.stream.send(new Uint8ArrayList(...parts))
  }

  async close (options: AbortOptions = {}): Promise<void> {
    await this.stream.close(options)
  }

  abort (err: Error): void {
    this.stream.abort(err)
  }

  private pauseIfFull (): void {
    if (this.unread() > this.init.highWaterMark && this.stream.readStatus === 'readable') this.stream.pause()
  }

  /** Bytes arrived and not yet read */
  private unread (): number {
    return this.readyBytes + (this.filling?.filled ?? 0) + this.buffer.byteLength
  }

  /**
   * True once nothing more will arrive: read from the stream's state, not only from
   * events, which may have fired before this FramedStream was attached. Data still
   * held by a paused stream is not the end.
   */
  private ended (): boolean {
    const { stream } = this
    if (stream.readBufferLength > 0) return false
    return stream.readableEnded || stream.remoteWriteStatus === 'closed' || stream.readStatus === 'closed'
  }

  /** Fails at the length prefix of a message over the limit, before its body is buffered */
  private checkPrefix (): void {
    if (this.failure != null) return
    try {
      this.frameLength()
    } catch (err: any) {
      this.fail(err)
    }
  }

  /**
   * Ends reading with `err`, a fault of the next message not yet framed: nothing more is
   * kept, and messages framed ahead of it, which came before it, are still read
   */
  private fail (err: Error): void {
    this.failure ??= err
    this.buffer.consume(this.buffer.byteLength)
    this.filling = undefined
    this.notify()
  }

  /** [length, prefix bytes] of the next message, or undefined while its prefix is incomplete */
  private frameLength (): [number, number] | undefined {
    const header = readVarint(this.buffer)
    if (header == null) return undefined
    if (header[0] > this.maxMessageBytes) throw tooLong(header[0], this.maxMessageBytes)
    return header
  }

  private takeFrame (): Uint8ArrayList | undefined {
    if (this.init.assemble != null) return this.takeReady(this.init.assemble)
    this.checkPrefix()
    const header = this.failure == null ? this.frameLength() : undefined
    if (header == null) return undefined
    const [length, headerBytes] = header
    if (this.buffer.byteLength < headerBytes + length) return undefined
    const frame = this.buffer.sublist(headerBytes, headerBytes + length)
    this.buffer.consume(headerBytes + length)
    this.resumeIfDrained()
    return frame
  }

  private resumeIfDrained (): void {
    if (this.stream.readStatus === 'paused' && this.unread() <= this.init.highWaterMark / 2) this.stream.resume()
  }

  /** The next message framed by `assemble`, held to the limit of now */
  private takeReady (assemble: NonNullable<FramedStreamInit['assemble']>): Uint8ArrayList | undefined {
    this.assemble(assemble)
    const frame = this.ready.shift()
    if (frame == null) return undefined
    this.readyBytes -= frame.byteLength
    if (frame.byteLength > this.maxMessageBytes) {
      // the messages framed after it are not read either
      this.dropReady()
      this.fail(tooLong(frame.byteLength, this.maxMessageBytes))
      return undefined
    }
    this.resumeIfDrained()
    return frame
  }

  /**
   * Frames what has arrived: a small message once whole, as views of what it arrived
   * in; a large one copied into its own buffer as its bytes come (the file's head says why)
   */
  private assemble (assemble: NonNullable<FramedStreamInit['assemble']>): void {
    while (this.failure == null) {
      if (this.filling != null) {
        if (!this.fill(this.filling)) return
        continue
      }
      let header: [number, number] | undefined
      try {
        header = this.frameLength()
      } catch (err: any) {
        this.fail(err)
        return
      }
      if (header == null) return
      const [length, headerBytes] = header
      if (length >= assemble.minBytes) {
        this.buffer.consume(headerBytes)
        this.filling = { target: assemble.take(length), filled: 0 }
        continue
      }
      if (this.buffer.byteLength < headerBytes + length) return
      this.pushReady(this.buffer.sublist(headerBytes, headerBytes + length))
      this.buffer.consume(headerBytes + length)
    }
  }

  /** Copies what has arrived of the message being assembled; true once it is whole (and framed) */
  private fill (filling: { target: Uint8Array, filled: number }): boolean {
    const { target } = filling
    let left = Math.min(target.byteLength - filling.filled, this.buffer.byteLength)
    const copied = left
    for (const piece of this.buffer) {
      if (left === 0) break
      const part = piece.byteLength <= left ? piece : piece.subarray(0, left)
      target.set(part, filling.filled)
      filling.filled += part.byteLength
      left -= part.byteLength
    }
    this.buffer.consume(copied)
    if (filling.filled < target.byteLength) return false
    this.filling = undefined
    this.pushReady(new Uint8ArrayList(target))
    return true
  }

  private dropReady (): void {
    this.ready.length = 0
    this.readyBytes = 0
  }

  private pushReady (frame: Uint8ArrayList): void {
    this.ready.push(frame)
    this.readyBytes += frame.byteLength
  }

  private async waitForData (signal?: AbortSignal): Promise<void> {
    if (this.stream.readStatus === 'paused') {
      // resume() hands over what the stream holds at once, before a wait would be set up
      // to hear of it: the reader looks again first (a message it completed went unread
      // until the next bytes came, or the session's timeout)
      this.stream.resume()
      if (this.stream.readStatus !== 'paused') return
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = (): void => { cleanup(); reject(new AbortedError('Read aborted')) }
      const cleanup = (): void => { this.wake = undefined; signal?.removeEventListener('abort', onAbort) }
      if (signal?.aborted === true) { reject(new AbortedError('Read aborted')); return }
      signal?.addEventListener('abort', onAbort)
      this.wake = () => { cleanup(); resolve() }
    })
  }

  private notify (): void {
    this.wake?.()
  }
}

function tooLong (length: number, limit: number): InvalidMessageError {
  return new InvalidMessageError(`Message of ${length} bytes exceeds the limit of ${limit}`)
}

/** [value, bytes used] of the varint at the start of `list`, or undefined if incomplete */
function readVarint (list: Uint8ArrayList): [number, number] | undefined {
  let value = 0
  for (let i = 0; i < Math.min(list.byteLength, 5); i++) {
    const byte = list.get(i)
    value += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return [value, i + 1]
  }
  if (list.byteLength >= 5) throw new InvalidMessageError('Length prefix longer than 5 bytes')
  return undefined
}

/**
 * Resolves once the stream may take more bytes: once nothing waits in its write buffer
 * (all of it went to the muxer: 'idle') and the muxer is not blocked. Not
 * `stream.onDrain()`: in @libp2p/utils 7.4 its promise is never reset after the first
 * drain, so later calls resolve at once and a sender relying on it overruns the
 * muxer's write buffer limit. Not the first 'drain' alone either: yamux dispatches
 * one on every window update, however small (while a window grows, each frame the
 * receiver takes returns its size), and the stream marks itself unblocked before it
 * has sent anything; a sender adding 1 MiB at each such event while 256 KiB leave
 * overran the 8 MiB limit (the bench's raw-stream baseline, every run).
 */
export async function drained (stream: Pick<Stream, 'writableNeedsDrain' | 'writeBufferLength' | 'addEventListener' | 'removeEventListener'>, options: AbortOptions = {}): Promise<void> {
  while (stream.writableNeedsDrain || stream.writeBufferLength > 0) await nextDrain(stream, options)
}

async function nextDrain (stream: Pick<Stream, 'addEventListener' | 'removeEventListener'>, options: AbortOptions): Promise<void> {
  options.signal?.throwIfAborted()
  await new Promise<void>((resolve, reject) => {
    const done = (err?: Error): void => {
      stream.removeEventListener('drain', onDrain)
      stream.removeEventListener('idle', onDrain)
      stream.removeEventListener('close', onClose)
      options.signal?.removeEventListener('abort', onAbort)
      if (err == null) resolve()
      else reject(err)
    }
    const onDrain = (): void => { done() }
    const onClose = (): void => { done(new AbortedError('The stream closed while waiting to send')) }
    const onAbort = (): void => { done(options.signal?.reason ?? new AbortedError('Aborted while waiting to send')) }
    stream.addEventListener('drain', onDrain)
    stream.addEventListener('idle', onDrain)
    stream.addEventListener('close', onClose)
    options.signal?.addEventListener('abort', onAbort)
  })
}
