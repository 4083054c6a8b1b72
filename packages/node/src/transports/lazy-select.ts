/**
 * Multistream-select without its round trip, for streams whose opener speaks first.
 * libp2p 3 negotiates a stream's protocol before the application may write: the
 * opener sends `/multistream/1.0.0` and the protocol, and waits for both to be echoed
 * (one round trip: 200 ms on a 200 ms link, before the Want can even leave). go-libp2p
 * and rust-libp2p send the first message right behind the proposal instead ("lazy"
 * negotiation) and read the echo ahead of the answer. Nothing changes on the other
 * side: libp2p's handler hands the bytes it read past the proposal to the protocol's
 * handler, and a peer without the protocol answers `na` (and resets the stream when it
 * reads the message as a second proposal).
 *
 * `lazySelectMuxer` wraps a muxer factory so that a stream opened with `LAZY_SELECT` in
 * its options comes back marked as negotiated: libp2p then skips its own select and
 * returns it at once. `proposeLazily` writes the proposal; `confirmLazy` reads the echo.
 * Streams of other muxers (a browser's WebRTC) are negotiated by libp2p as usual, and
 * both functions pass over them.
 */
import type { AbortOptions, MessageStream, Stream, StreamMuxer, StreamMuxerFactory } from '@libp2p/interface'
import { UnsupportedProtocolError } from '@libp2p/interface'
import { encode as varintEncode, encodingLength } from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'
import { fromString } from 'uint8arrays/from-string'
import { toString as textOf } from 'uint8arrays/to-string'

/** multistream-select's own protocol id, the first line both sides send */
export const MULTISTREAM = '/multistream/1.0.0'

/** The stream option that asks for lazy negotiation (only muxers wrapped below honour it) */
export const LAZY_SELECT = 'peershareLazySelect'

/**
 * The stream option that asks for lazy negotiation done by the stream itself, for
 * protocols whose library only sends and reads (kad-dht): the proposal goes out ahead
 * of the first bytes sent, and the echo is taken off the front of what arrives
 * (`selectTransparently`)
 */
export const TRANSPARENT_LAZY_SELECT = 'peershareTransparentLazySelect'

/** Streams opened lazily whose proposal is not yet confirmed */
const lazy = new WeakSet<Stream>()

/** Wraps every muxer the factory makes so that its streams may be opened lazily */
export function lazySelectMuxer (factory: StreamMuxerFactory): StreamMuxerFactory {
  return {
    protocol: factory.protocol,
    createStreamMuxer (maConn: MessageStream): StreamMuxer {
      const muxer = factory.createStreamMuxer(maConn)
      const createStream = muxer.createStream.bind(muxer)
      muxer.createStream = async (options) => {
        const stream = await createStream(options)
        const protocol = options?.protocol
        const asked = options as Record<string, unknown> | undefined
        if (protocol == null || protocol === '') return stream
        if (asked?.[LAZY_SELECT] === true) {
          // libp2p reads a set protocol as negotiated by the transport, and runs no select
          stream.protocol = protocol
          lazy.add(stream)
        } else if (asked?.[TRANSPARENT_LAZY_SELECT] === true) {
          stream.protocol = protocol
          selectTransparently(stream)
        }
        return stream
      }
      return muxer
    }
  }
}

/** How a framed stream writes and reads its varint-length-prefixed messages (multistream's too) */
export interface MessageChannel {
  send(parts: Uint8Array[]): void
  frame(parts: Uint8Array[]): Uint8Array[]
  read(options?: AbortOptions): Promise<Uint8ArrayList | null>
}

/** True when `stream` was opened lazily: its proposal is ours to write, and its echo ours to read */
export function isLazy (stream: Stream): boolean {
  return lazy.has(stream)
}

/** Writes the multistream proposal of a lazily opened stream; the first message may follow at once */
export function proposeLazily (stream: Stream, channel: MessageChannel): void {
  if (!lazy.has(stream)) return
  channel.send([...channel.frame([fromString(`${MULTISTREAM}\n`)]), ...channel.frame([fromString(`${stream.protocol}\n`)])])
}

/**
 * Reads the echo of a lazy proposal, ahead of the first answer; throws
 * UnsupportedProtocolError when the peer does not speak the protocol
 */
export async function confirmLazy (stream: Stream, channel: MessageChannel, options?: AbortOptions): Promise<void> {
  if (!lazy.delete(stream)) return
  const header = await readLine(channel, options)
  if (header !== MULTISTREAM) throw new UnsupportedProtocolError(`Peer answered "${header}" to a multistream proposal`)
  const answer = await readLine(channel, options)
  if (answer !== stream.protocol) throw new UnsupportedProtocolError(`Peer does not speak ${stream.protocol} (answered "${answer}")`)
}

/**
 * One multistream line. A peer without the protocol reads our first message as a
 * second proposal, fails, and resets the stream, often before its `na` has left: a
 * stream that breaks before the echo counts as not speaking the protocol
 */
async function readLine (channel: MessageChannel, options?: AbortOptions): Promise<string> {
  let frame: Uint8ArrayList | null
  try {
    frame = await channel.read(options)
  } catch (err: any) {
    if (options?.signal?.aborted === true) throw err
    throw new UnsupportedProtocolError(`Peer broke off the stream during protocol negotiation: ${err.message}`)
  }
  if (frame == null) throw new UnsupportedProtocolError('Peer closed the stream during protocol negotiation')
  const text = textOf(frame.subarray())
  if (!text.endsWith('\n')) throw new UnsupportedProtocolError('Peer sent a malformed multistream message')
  return text.slice(0, -1)
}

/** A connection's or a stream's bytes as `stripEcho` uses them: where its subclass delivers what arrives */
export interface ReceivingStream {
  readBufferLength: number
  onData(data: Uint8Array | Uint8ArrayList): void
  send(data: Uint8Array | Uint8ArrayList): boolean
  abort(err: Error): void
}

/**
 * multistream-select's proposal of `protocol`: its header line and the protocol line,
 * each varint-length-prefixed. A listener that accepts answers the same bytes.
 */
export function proposal (protocol: string): Uint8Array {
  const lines = [`${MULTISTREAM}\n`, `${protocol}\n`].map(line => fromString(line))
  const out = new Uint8Array(lines.reduce((sum, line) => sum + encodingLength(line.byteLength) + line.byteLength, 0))
  let at = 0
  for (const line of lines) {
    varintEncode(line.byteLength, out, at)
    at += encodingLength(line.byteLength)
    out.set(line, at)
    at += line.byteLength
  }
  return out
}

/**
 * Takes `echo` off the front of what `stream` receives from now on, then hands it the
 * rest; aborts the stream at the first byte that differs (the peer refused `protocol`).
 * Works at the stream's `onData`, before its read buffer, so no reader ever sees the
 * echo. Returns the refusal, once there is one: the error the dial should report.
 */
export function stripEcho (stream: ReceivingStream, echo: Uint8Array, protocol: string): () => Error | undefined {
  const own = Object.hasOwn(stream, 'onData')
  const onData = stream.onData
  const restore = (): void => {
    if (own) stream.onData = onData
    else delete (stream as Partial<ReceivingStream>).onData
  }
  let refused: Error | undefined
  const got = new Uint8ArrayList()
  stream.onData = (data) => {
    got.append(data)
    const seen = Math.min(got.byteLength, echo.byteLength)
    if (!equals(got.subarray(0, seen), echo.subarray(0, seen))) {
      restore()
      refused = new UnsupportedProtocolError(`The remote peer did not accept ${protocol}`)
      stream.abort(refused)
      return
    }
    if (got.byteLength < echo.byteLength) return
    restore()
    const rest = got.sublist(echo.byteLength)
    if (rest.byteLength > 0) onData.call(stream, rest)
  }
  return () => refused
}

/**
 * Makes `stream` (its protocol set, no select run) negotiate lazily by itself: its first
 * `send` is preceded by the multistream proposal, and the echo of an accepted proposal
 * (the same bytes) is taken off the front of what arrives before anyone reads it
 * (`stripEcho`); anything else in its place (`na`: the peer does not speak the
 * protocol) aborts the stream with UnsupportedProtocolError, which its reader gets as a
 * failed read. One round trip fewer before the request, for libraries that open a
 * stream, write and read (kad-dht: every RPC)
 */
export function selectTransparently (stream: Stream): void {
  const bytes = proposal(stream.protocol)
  const sink = stream as unknown as ReceivingStream
  stripEcho(sink, bytes, stream.protocol)
  const own = Object.hasOwn(stream, 'send')
  const send = sink.send
  sink.send = (data) => {
    if (own) sink.send = send
    else delete (sink as Partial<ReceivingStream>).send
    send.call(stream, bytes)
    return send.call(stream, data)
  }
}
