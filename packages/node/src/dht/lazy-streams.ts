/**
 * DHT requests without multistream-select's round trip. kad-dht opens a stream for
 * every request (FIND_NODE, GET_PROVIDERS, ADD_PROVIDER, ...), and libp2p 3 writes
 * nothing on it until the peer has echoed the protocol: each request costs two round
 * trips. go-libp2p proposes the protocol and sends the request behind it at once
 * (transports/lazy-select.ts, as the exchange does). A provide's walk and a lookup wait
 * for one FIND_NODE or GET_PROVIDERS per hop: a round trip less for each.
 *
 * `lazyDhtStreams(connectionManager)` is the connection manager kad-dht is given: its
 * `openStream` asks the muxer for a lazy stream, writes the proposal, and reads the
 * peer's echo off the stream before kad-dht's reader can see it (the echo, checked
 * byte by byte, is the proposal's own bytes). A peer that answers anything else (`na`:
 * it does not speak the protocol) has the stream aborted with UnsupportedProtocolError,
 * and kad-dht counts the request as failed (it may read the error, or the stream's end
 * or reset, whichever reaches its reader first). Everything else passes through to
 * libp2p's connection manager; a stream the muxer could not open lazily (a browser's
 * WebRTC connection) was negotiated in full by libp2p and is returned as it is.
 *
 * A request without an answer (ADD_PROVIDER) counts as sent once its bytes are handed to
 * our muxer, before the peer echoed the protocol, as go-libp2p's does (its streams are
 * lazy too). Our provides send records only to peers that answered the same walk's
 * FIND_NODE over the same protocol moments before (dht/optimistic-provide.ts): that
 * answer says what the echo would. The echo still checks each stream (`echoed`).
 *
 * As with every lazy stream, libp2p merges the protocol into the peer's record when the
 * stream opens, before the peer answered; a peer that answers `na` keeps it there until
 * identify tells again (kad-dht asks only peers identify or a DHT answer named as DHT
 * peers).
 */
import { type AbortOptions, type PeerId, type Stream, type StreamMessageEvent, UnsupportedProtocolError } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { equals } from 'uint8arrays/equals'
import { Uint8ArrayList } from 'uint8arraylist'
import { LAZY_SELECT, claimLazy, proposalBytes } from '../transports/index.js'

/** What the wrapper replaces of libp2p's connection manager */
export interface StreamOpener {
  openStream: (peer: PeerId | Multiaddr | Multiaddr[], protocol: string | string[], options?: AbortOptions) => Promise<Stream>
}

/** The echo of each stream opened lazily here: settles once it was read (or the stream failed first) */
const echoes = new WeakMap<Stream, Promise<void>>()

/** The connection manager with `openStream` opening single-protocol streams lazily (above) */
export function lazyDhtStreams<T extends StreamOpener> (connectionManager: T): T {
  const openLazily: StreamOpener['openStream'] = async (peer, protocol, options) => {
    const stream = await connectionManager.openStream(peer, protocol, { ...options, [LAZY_SELECT]: true } as AbortOptions)
    if (!claimLazy(stream)) return stream
    const proposal = proposalBytes(stream.protocol)
    echoes.set(stream, readEchoFirst(stream, proposal))
    stream.send(proposal)
    return stream
  }
  return new Proxy(connectionManager, {
    get (target, property) {
      if (property === 'openStream') return openLazily
      const value: unknown = Reflect.get(target, property, target)
      // the manager's methods run on the manager itself (it keeps private fields)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}

/** Resolves once the peer echoed the protocol of a stream opened lazily here (at once for any other stream) */
export async function echoed (stream: Stream): Promise<void> {
  await echoes.get(stream)
}

/**
 * Takes the first `echo.byteLength` bytes that arrive on `stream` away from every later
 * listener, checking them against `echo`; the bytes behind them are put back on the
 * stream, for the reader kad-dht attaches (now or later). Resolves once the echo was
 * read whole; rejects if it differs or the stream closes first.
 */
function readEchoFirst (stream: Stream, echo: Uint8Array): Promise<void> {
  const { promise, resolve, reject } = Promise.withResolvers<void>()
  promise.catch(() => {})
  const seen = new Uint8ArrayList()
  const done = (err?: Error): void => {
    stream.removeEventListener('message', onMessage)
    stream.removeEventListener('close', onClose)
    if (err == null) resolve()
    else reject(err)
  }
  const onClose = (): void => { done(new UnsupportedProtocolError(`Stream closed before the peer confirmed ${stream.protocol}`)) }
  const onMessage = (evt: StreamMessageEvent): void => {
    evt.stopImmediatePropagation()
    seen.append(evt.data)
    const compared = Math.min(seen.byteLength, echo.byteLength)
    if (!equals(seen.subarray(0, compared), echo.subarray(0, compared))) {
      const err = new UnsupportedProtocolError(`Peer does not speak ${stream.protocol} (its multistream answer differs from the proposal)`)
      done(err)
      stream.abort(err)
      return
    }
    if (seen.byteLength < echo.byteLength) return
    done()
    // dispatched from the stream's buffer to kad-dht's reader once it listens, ahead of
    // anything that arrives after. That reader (libp2p's byteStream) counts the stream's
    // buffer before it takes a closed stream for ended. Only a readable stream dispatches
    // (so unshift, which refuses a closed one, cannot throw here)
    if (seen.byteLength > echo.byteLength) stream.unshift(seen.sublist(echo.byteLength))
  }
  stream.addEventListener('message', onMessage)
  stream.addEventListener('close', onClose)
  return promise
}
