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
import * as varint from 'uint8-varint'
import { fromString } from 'uint8arrays/from-string'
import { toString as textOf } from 'uint8arrays/to-string'
import type { Uint8ArrayList } from 'uint8arraylist'

/** multistream-select's own protocol id, the first line both sides send */
export const MULTISTREAM = '/multistream/1.0.0'

/** The stream option that asks for lazy negotiation (only muxers wrapped below honour it) */
export const LAZY_SELECT = 'peershareLazySelect'

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
        if ((options as Record<string, unknown> | undefined)?.[LAZY_SELECT] === true && protocol != null && protocol !== '') {
          // libp2p reads a set protocol as negotiated by the transport, and runs no select
          stream.protocol = protocol
          lazy.add(stream)
        }
        return stream
      }
      return muxer
    }
  }
}

/** How a framed stream writes bytes and reads its varint-length-prefixed messages (multistream's too) */
export interface MessageChannel {
  send(parts: Uint8Array[]): void
  read(options?: AbortOptions): Promise<Uint8ArrayList | null>
}

/** True when `stream` was opened lazily: its proposal is ours to write, and its echo ours to read */
export function isLazy (stream: Stream): boolean {
  return lazy.has(stream)
}

/**
 * Takes a lazily opened stream out of the set `proposeLazily` and `confirmLazy` work on:
 * true when it was lazy, and its proposal and echo are now the caller's
 */
export function claimLazy (stream: Stream): boolean {
  return lazy.delete(stream)
}

/**
 * The bytes of a lazy proposal of `protocol` as they go on the wire (each line
 * varint-length-prefixed), which are also the bytes of its echo
 */
export function proposalBytes (protocol: string): Uint8Array {
  return Uint8Array.from([...lengthPrefixed(`${MULTISTREAM}\n`), ...lengthPrefixed(`${protocol}\n`)])
}

function lengthPrefixed (line: string): Uint8Array {
  const bytes = fromString(line)
  return Uint8Array.from([...varint.encode(bytes.byteLength), ...bytes])
}

/** Writes the multistream proposal of a lazily opened stream; the first message may follow at once */
export function proposeLazily (stream: Stream, channel: MessageChannel): void {
  if (!lazy.has(stream)) return
  channel.send([proposalBytes(stream.protocol)])
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
