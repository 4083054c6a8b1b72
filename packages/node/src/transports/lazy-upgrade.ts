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
import { type ReceivingStream, proposal, stripEcho } from './lazy-select.js'

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
