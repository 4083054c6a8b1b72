/**
 * Length-prefixed (unsigned varint) messages over a libp2p 3.x stream, with the
 * limits the stock helpers lack: a maximum message size, and real backpressure.
 * Incoming bytes arrive as 'message' events; once more than `highWaterMark` bytes
 * wait unread we pause() the stream, so the muxer stops granting the sender window,
 * and resume() when the reader has caught up. Writes wait for 'drain'.
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

  constructor (stream: Stream, init: FramedStreamInit) {
    this.stream = stream
    this.init = init
    this.maxMessageBytes = init.maxMessageBytes
    stream.addEventListener('message', (evt) => {
      // after an oversized length prefix nothing more is kept: the session is over
      if (this.failure != null) return
      this.buffer.append(evt.data)
      this.checkPrefix()
      // pause after the current dispatch: resume() hands over buffered data first and
      // only then reopens the muxer window, which would undo a pause made inside it
      if (this.buffer.byteLength > init.highWaterMark) queueMicrotask(() => { this.pauseIfFull() })
      this.notify()
    })
    // the remote's FIN; it may have come (and the event passed) before we were attached
    this.finished = stream.remoteWriteStatus === 'closed' && stream.status === 'open'
    stream.addEventListener('remoteCloseWrite', () => { this.finished = true; this.notify() })
    stream.addEventListener('end', () => { this.notify() })
    stream.addEventListener('close', (evt) => {
      if (evt.error != null) this.failure ??= evt.error
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
    this.checkPrefix()
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
        if (this.buffer.byteLength === 0) return null
        const why = `Stream ended inside a message (${this.buffer.byteLength} bytes left)`
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
    if (this.buffer.byteLength > this.init.highWaterMark && this.stream.readStatus === 'readable') this.stream.pause()
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
      this.failure = err
      this.buffer.consume(this.buffer.byteLength)
      this.notify()
    }
  }

  /** [length, prefix bytes] of the next message, or undefined while its prefix is incomplete */
  private frameLength (): [number, number] | undefined {
    const header = readVarint(this.buffer)
    if (header == null) return undefined
    if (header[0] > this.maxMessageBytes) {
      throw new InvalidMessageError(`Message of ${header[0]} bytes exceeds the limit of ${this.maxMessageBytes}`)
    }
    return header
  }

  private takeFrame (): Uint8ArrayList | undefined {
    this.checkPrefix()
    const header = this.failure == null ? this.frameLength() : undefined
    if (header == null) return undefined
    const [length, headerBytes] = header
    if (this.buffer.byteLength < headerBytes + length) return undefined
    const frame = this.buffer.sublist(headerBytes, headerBytes + length)
    this.buffer.consume(headerBytes + length)
    if (this.stream.readStatus === 'paused' && this.buffer.byteLength <= this.init.highWaterMark / 2) this.stream.resume()
    return frame
  }

  private async waitForData (signal?: AbortSignal): Promise<void> {
    if (this.stream.readStatus === 'paused') this.stream.resume()
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
