/**
 * A dialled connection's security protocol proposed without waiting for its echo: one
 * round trip fewer before a new connection carries data (on a 200 ms link, 200 ms
 * before a source's first chunk).
 *
 * libp2p 3 upgrades an outbound connection by proposing `/noise` with
 * multistream-select and awaiting the echo before the Noise handshake starts. With one
 * encrypter there is nothing to choose, so the dialler here sends the proposal and the
 * handshake's first message right behind it ("lazy" negotiation, as rust-libp2p's
 * `V1Lazy` does; go-libp2p's dialler waits for the echo). The echo, a fixed string of
 * bytes (the proposal itself), is taken off the front of what arrives (`stripEcho`)
 * before the handshake reads it. A peer that answers anything else (`na`: it lacks the
 * protocol) has the connection aborted, and the dial fails with that refusal. The muxer
 * needs no such step: noise agrees on it inside the handshake (its extensions list each
 * side's muxers), and libp2p then skips multistream-select for it.
 *
 * Nothing changes for the peer that accepts: libp2p's (and go's, rust's) listener reads
 * the proposal, echoes it and hands what it read past the proposal to the protocol. A
 * dialler with several encrypters, or a connection that already holds bytes it has not
 * delivered (a relayed one can), negotiates as libp2p does.
 */
import { UnsupportedProtocolError } from '@libp2p/interface'
import { encode as varintEncode, encodingLength } from 'uint8-varint'
import { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'
import { fromString } from 'uint8arrays/from-string'
import { MULTISTREAM } from './lazy-select.js'

/** A connection's byte stream as `stripEcho` uses it: where its subclass delivers what arrives */
interface ReceivingStream {
  readBufferLength: number
  onData(data: Uint8Array | Uint8ArrayList): void
  send(data: Uint8Array | Uint8ArrayList): boolean
  abort(err: Error): void
}

/** What the patch uses of libp2p's (unexported) Upgrader */
interface UpgraderShape {
  connectionEncrypters: Map<string, { secureOutbound(connection: unknown, options?: unknown): Promise<object> }>
  _encryptOutbound(connection: unknown, options?: unknown): Promise<object>
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
 * Takes `echo` off the front of what `stream` receives from now on, then hands it the
 * rest; aborts the stream at the first byte that differs (the peer refused `protocol`).
 * Works at the stream's `onData`, before its read buffer, so no reader ever sees the
 * echo. Returns the refusal, once there is one: the error the dial should report.
 */
function stripEcho (stream: ReceivingStream, echo: Uint8Array, protocol: string): () => Error | undefined {
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

/** Upgrader prototypes patched (one per copy of libp2p loaded) */
const patched = new WeakSet<object>()

let applied = false

/** Whether an outbound upgrade of some node of this process proposes lazily (once a node applied it) */
export function lazyUpgradesApplied (): boolean {
  return applied
}

/**
 * Makes the outbound security upgrade of libp2p's Upgrader (found through a node's
 * components; the class is not exported) lazy, for every node of this process that
 * shares its prototype. Left alone, and false returned, if the prototype is not of the
 * shape this was written for.
 */
export function lazyUpgrades (upgrader: unknown): boolean {
  const proto = Object.getPrototypeOf(upgrader) as Partial<UpgraderShape>
  if (patched.has(proto)) return true
  const encryptOutbound = proto._encryptOutbound
  if (typeof encryptOutbound !== 'function' || !((upgrader as Partial<UpgraderShape>).connectionEncrypters instanceof Map)) return false
  proto._encryptOutbound = async function (this: UpgraderShape, connection, options) {
    const stream = connection as ReceivingStream
    if (this.connectionEncrypters.size !== 1 || stream.readBufferLength > 0) return encryptOutbound.call(this, connection, options)
    const [[protocol, encrypter]] = this.connectionEncrypters
    const bytes = proposal(protocol)
    const refusal = stripEcho(stream, bytes, protocol)
    try {
      stream.send(bytes)
      return { ...(await encrypter.secureOutbound(connection, options)), protocol }
    } catch (err: any) {
      throw new EncryptionFailedError((refusal() ?? err)?.message ?? String(err))
    }
  }
  patched.add(proto)
  applied = true
  return true
}
