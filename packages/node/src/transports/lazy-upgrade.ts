/**
 * A dialled connection's security and muxer protocols proposed without waiting for
 * their echo: two round trips fewer before a new connection carries data (on a 200 ms
 * link, 400 ms before a source's first chunk).
 *
 * libp2p 3 upgrades an outbound connection by multistream-select twice, each a round
 * trip of its own: `/noise` is proposed and its echo awaited before the Noise handshake
 * starts, `/yamux/1.0.0` proposed and its echo awaited before the connection is handed
 * out. With one encrypter and one muxer there is nothing to choose, so the dialler here
 * sends each proposal and goes on at once ("lazy" negotiation, as rust-libp2p's
 * `V1Lazy` and go-libp2p's lazy client do): the Noise handshake's first message follows
 * the proposal, and the connection is usable as soon as the handshake is done. The
 * echo, a fixed string of bytes (the proposal itself), is taken off the front of what
 * arrives (`stripEcho`) before the handshake or the muxer reads it. A peer that answers
 * anything else (`na`: it lacks the protocol) has the connection aborted, which fails
 * the handshake, or the connection if it was the muxer.
 *
 * Nothing changes for the peer that accepts: libp2p's (and go's, rust's) listener reads
 * the proposal, echoes it and hands what it read past the proposal to the protocol. A
 * dialler with several encrypters or muxers negotiates as libp2p does.
 */
import { UnsupportedProtocolError } from '@libp2p/interface'
import { encode as varintEncode, encodingLength } from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'
import { fromString } from 'uint8arrays/from-string'

/** multistream-select's own protocol id, the first line both sides send */
const MULTISTREAM = '/multistream/1.0.0'

/** A connection's byte stream as `stripEcho` uses it: where its subclass delivers what arrives */
interface ReceivingStream {
  onData(data: Uint8Array | Uint8ArrayList): void
  send(data: Uint8Array | Uint8ArrayList): boolean
  abort(err: Error): void
}

/** What the patch uses of libp2p's (unexported) Upgrader */
interface UpgraderShape {
  connectionEncrypters: Map<string, { secureOutbound(connection: unknown, options?: unknown): Promise<object> }>
  _encryptOutbound(connection: unknown, options?: unknown): Promise<object>
  _multiplexOutbound(connection: unknown, muxers: Map<string, unknown>, options?: unknown): Promise<unknown>
}

/** The error name libp2p gives a failed security upgrade (its class is not exported) */
class EncryptionFailedError extends Error {
  static override name = 'EncryptionFailedError'
  override name = 'EncryptionFailedError'
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
 * Takes `echo` off the front of what `stream` receives, then hands it the rest; aborts
 * the stream at the first byte that differs (the peer refused `protocol`). Works at the
 * stream's `onData`, before its read buffer, so no reader ever sees the echo.
 */
export function stripEcho (stream: ReceivingStream, echo: Uint8Array, protocol: string): void {
  const own = Object.hasOwn(stream, 'onData')
  const onData = stream.onData
  const restore = (): void => {
    if (own) stream.onData = onData
    else delete (stream as Partial<ReceivingStream>).onData
  }
  const got = new Uint8ArrayList()
  stream.onData = (data) => {
    got.append(data)
    const seen = Math.min(got.byteLength, echo.byteLength)
    if (!equals(got.subarray(0, seen), echo.subarray(0, seen))) {
      restore()
      stream.abort(new UnsupportedProtocolError(`The remote peer did not accept ${protocol}`))
      return
    }
    if (got.byteLength < echo.byteLength) return
    restore()
    const rest = got.sublist(echo.byteLength)
    if (rest.byteLength > 0) onData.call(stream, rest)
  }
}

/** Sends the proposal of `protocol` on `stream` and expects its echo, without waiting for it */
function proposeLazily (stream: ReceivingStream, protocol: string): void {
  const bytes = proposal(protocol)
  stripEcho(stream, bytes, protocol)
  stream.send(bytes)
}

let patched = false

/** Whether outbound upgrades of this process propose lazily (once a node applied it) */
export function lazyUpgradesApplied (): boolean {
  return patched
}

/**
 * Makes the outbound upgrades of libp2p's Upgrader (found through a node's components;
 * the class is not exported) lazy, for every node of this process. Left alone, and
 * false returned, if the prototype is not of the shape this was written for.
 */
export function lazyUpgrades (upgrader: unknown): boolean {
  if (patched) return true
  const proto = Object.getPrototypeOf(upgrader) as Partial<UpgraderShape>
  const { _encryptOutbound: encryptOutbound, _multiplexOutbound: multiplexOutbound } = proto
  if (typeof encryptOutbound !== 'function' || typeof multiplexOutbound !== 'function' || !((upgrader as Partial<UpgraderShape>).connectionEncrypters instanceof Map)) return false
  proto._encryptOutbound = async function (this: UpgraderShape, connection, options) {
    if (this.connectionEncrypters.size !== 1) return encryptOutbound.call(this, connection, options)
    const [[protocol, encrypter]] = this.connectionEncrypters
    try {
      proposeLazily(connection as ReceivingStream, protocol)
      return { ...(await encrypter.secureOutbound(connection, options)), protocol }
    } catch (err: any) {
      throw new EncryptionFailedError(err?.message ?? String(err))
    }
  }
  proto._multiplexOutbound = async function (this: UpgraderShape, connection, muxers, options) {
    if (muxers.size !== 1) return multiplexOutbound.call(this, connection, muxers, options)
    const [[protocol, factory]] = muxers
    proposeLazily(connection as ReceivingStream, protocol)
    return factory
  }
  patched = true
  return true
}
