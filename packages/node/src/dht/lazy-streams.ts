/**
 * DHT requests without multistream-select's round trip. kad-dht opens a stream for
 * every request (FIND_NODE, GET_PROVIDERS, ADD_PROVIDER, ...), and libp2p 3 writes
 * nothing on it until the peer has echoed the protocol: each request costs two round
 * trips, and ADD_PROVIDER, which has no answer, one. go-libp2p proposes the protocol and
 * sends the request behind it at once (transports/lazy-select.ts, as the exchange does).
 * A provide's first records wait for a FIND_NODE and then an ADD_PROVIDER, a lookup for
 * one GET_PROVIDERS per hop: a round trip less for each.
 *
 * `lazyDhtStreams(connectionManager)` is the connection manager kad-dht is given: its
 * `openStream` asks the muxer for a lazy stream, writes the proposal, and reads the
 * peer's echo off the stream before kad-dht can see it (the echo, checked byte by byte,
 * is the proposal's own bytes). A peer that answers anything else (`na`: it does not
 * speak the protocol) has the stream aborted with UnsupportedProtocolError, which
 * kad-dht counts as that peer's failed request. Everything else passes through to
 * libp2p's connection manager; a stream the muxer could not open lazily (a browser's
 * WebRTC connection) was negotiated in full by libp2p and is returned as it is.
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

/** The connection manager with `openStream` opening single-protocol streams lazily (above) */
export function lazyDhtStreams<T extends StreamOpener> (connectionManager: T): T {
  const openLazily: StreamOpener['openStream'] = async (peer, protocol, options) => {
    const stream = await connectionManager.openStream(peer, protocol, { ...options, [LAZY_SELECT]: true } as AbortOptions)
    if (!claimLazy(stream)) return stream
    const proposal = proposalBytes(stream.protocol)
    readEchoFirst(stream, proposal)
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

/**
 * Takes the first `echo.byteLength` bytes that arrive on `stream` away from every later
 * listener, checking them against `echo`; the bytes behind them are put back on the
 * stream for the reader kad-dht attaches (now or later)
 */
function readEchoFirst (stream: Stream, echo: Uint8Array): void {
  const seen = new Uint8ArrayList()
  const onMessage = (evt: StreamMessageEvent): void => {
    evt.stopImmediatePropagation()
    seen.append(evt.data)
    const compared = Math.min(seen.byteLength, echo.byteLength)
    if (!equals(seen.subarray(0, compared), echo.subarray(0, compared))) {
      stream.removeEventListener('message', onMessage)
      stream.abort(new UnsupportedProtocolError(`Peer does not speak ${stream.protocol} (its multistream answer differs from the proposal)`))
      return
    }
    if (seen.byteLength < echo.byteLength) return
    stream.removeEventListener('message', onMessage)
    if (seen.byteLength === echo.byteLength) return
    try {
      // dispatched from the stream's buffer to kad-dht's reader once it listens, ahead of anything that arrives after
      stream.unshift(seen.sublist(echo.byteLength))
    } catch (err: any) {
      // the stream's readable end closed meanwhile: the answer cannot be read
      stream.abort(err)
    }
  }
  stream.addEventListener('message', onMessage)
}
