/**
 * A dialled connection's security protocol proposed without waiting for its echo: one
 * round trip fewer before a new connection carries data (on a 200 ms link, 200 ms
 * before a source's first chunk).
 *
 * libp2p 3 upgrades an outbound connection by proposing an encrypter (`/tls/1.0.0`,
 * `/noise`) with multistream-select and awaiting the echo before the handshake starts.
 * The dialler here sends the proposal and the handshake's first message right behind it
 * ("lazy" negotiation, as rust-libp2p's `V1Lazy` does; go-libp2p's dialler waits for the
 * echo). The echo, a fixed string of bytes (the proposal itself), is taken off the front
 * of what arrives (`stripEcho`) before the handshake reads it. A peer that answers
 * anything else (`na`: it lacks the protocol) has the connection aborted, and the dial
 * fails with that refusal; with another encrypter left, the refusal is remembered and the
 * TCP transport dials once more (`retryRefusedDials`), proposing it. The muxer needs no
 * such step: TLS agrees on it inside the handshake (ALPN), noise too (its extensions
 * list each side's muxers), and libp2p then skips multistream-select for it.
 *
 * Nothing changes for the peer that accepts: libp2p's (and go's, rust's) listener reads
 * the proposal, echoes it and hands what it read past the proposal to the protocol. A
 * connection that already holds bytes it has not delivered (a relayed one can)
 * negotiates as libp2p does, and so does a TCP connection to a loopback or private
 * address whose first encrypter would rather have the socket itself (TLS, tls.ts): there
 * a round trip costs a fraction of a millisecond, and TLS on the socket saves CPU on
 * every byte. A connection that is not TCP (relayed, WebSockets) is offered only the
 * encrypters that do not want a socket (noise), lazily as before: TLS would gain nothing
 * there, browsers lack it, and only TCP dials are made again after a refusal.
 */
import { Socket } from 'node:net'
import { UnsupportedProtocolError } from '@libp2p/interface'
import { isPrivate } from '@libp2p/utils'
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

/** Remotes (peer ids and addresses) that refused an encrypter proposed lazily, at most this many kept */
const MAX_REFUSALS_KEPT = 4096

/**
 * How long a refusal is remembered: the peer may be upgraded to speak the encrypter, or its
 * address be another node's by then; a stale refusal costs one refused connection again
 */
export const REFUSAL_TTL_MS = 60 * 60_000

/**
 * Which remote refused which encrypter, and until when it is not proposed to it again: the
 * next dial to it proposes the next one. Kept by peer id and by address (a dial by
 * address knows no peer id), oldest dropped first.
 */
export class Refusals {
  private readonly refused = new Map<string, Map<string, number>>()

  constructor (private readonly now: () => number = Date.now, private readonly maxKept = MAX_REFUSALS_KEPT, private readonly ttlMs = REFUSAL_TTL_MS) {}

  has (remotes: string[], protocol: string): boolean {
    const now = this.now()
    return remotes.some(remote => (this.refused.get(remote)?.get(protocol) ?? 0) > now)
  }

  add (remotes: string[], protocol: string): void {
    const until = this.now() + this.ttlMs
    for (const remote of remotes) {
      const kept = this.refused.get(remote) ?? new Map<string, number>()
      kept.set(protocol, until)
      this.refused.delete(remote)
      this.refused.set(remote, kept)
      if (this.refused.size > this.maxKept) this.refused.delete(this.refused.keys().next().value as string)
    }
  }
}

const refusals = new Refusals()

/** Dials that failed because the remote refused an encrypter it will not be offered again: worth dialling once more */
const retryable = new WeakSet<Error>()

/** Whether `err` ended a dial whose remote refused the encrypter proposed, another being left to propose */
function refusedEncrypter (err: unknown): boolean {
  return err instanceof Error && retryable.has(err)
}

/** The keys a remote's refusals are kept under: its peer id when the dial names it, and its address */
function remoteKeys (connection: unknown, options: unknown): string[] {
  const keys: string[] = []
  const peer = (options as { remotePeer?: { toString(): string } } | undefined)?.remotePeer
  if (peer != null) keys.push(peer.toString())
  const addr = (connection as { remoteAddr?: { toString(): string } }).remoteAddr
  if (addr != null) keys.push(addr.toString())
  return keys
}

/** Connections whose encrypter was proposed lazily: its echo is still to be taken off in JavaScript */
const lazilyProposed = new WeakSet<object>()

/** Whether `connection`'s encrypter was proposed lazily, so that the echo to come is taken off in JavaScript (tls.ts) */
export function echoPending (connection: object): boolean {
  return lazilyProposed.has(connection)
}

/**
 * An encrypter for TCP connections only (`tcpOnly`: TLS, tls.ts, whose gain is to run
 * on the socket), which it can have only once the echo is in: a dialler on a nearby
 * address waits for it (`waitsNearby`)
 */
interface EncrypterHints { tcpOnly?: boolean, waitsNearby?: boolean }

/** Whether `connection` is a TCP connection (its node:net socket at hand) */
function overTcp (connection: unknown): boolean {
  return (connection as { socket?: unknown }).socket instanceof Socket
}

/**
 * A connection to a loopback or private address, where a round trip costs a fraction
 * of a millisecond while JavaScript in the record path costs CPU on every byte
 */
function nearby (connection: unknown): boolean {
  const addr = (connection as { remoteAddr?: Parameters<typeof isPrivate>[0] }).remoteAddr
  try {
    return addr != null && isPrivate(addr)
  } catch {
    return false
  }
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
 *
 * With several encrypters the first one the remote has not refused is proposed so. A
 * refusal ends that connection (the handshake went out behind the proposal, and the
 * listener reads it as its next proposal); it is remembered, and the error marked
 * (`refusedEncrypter`) so that the TCP transport dials once more (`retryRefusedDials`),
 * proposing the next. That costs a peer lacking the first encrypter one connection,
 * once: rust-libp2p's `V1Lazy` makes the same bet.
 */
export function lazyUpgrades (upgrader: unknown): boolean {
  const proto = Object.getPrototypeOf(upgrader) as Partial<UpgraderShape>
  if (patched.has(proto)) return true
  const encryptOutbound = proto._encryptOutbound
  if (typeof encryptOutbound !== 'function' || !((upgrader as Partial<UpgraderShape>).connectionEncrypters instanceof Map)) return false
  proto._encryptOutbound = async function (this: UpgraderShape, connection, options) {
    const stream = connection as ReceivingStream
    if (stream.readBufferLength > 0) return encryptOutbound.call(this, connection, options)
    const remotes = remoteKeys(connection, options)
    // a TCP-only encrypter (TLS) is not offered elsewhere: only TCP dials are made again after a refusal
    const tcp = overTcp(connection)
    const encrypters = [...this.connectionEncrypters].filter(([, encrypter]) => tcp || (encrypter as EncrypterHints).tcpOnly !== true)
    const at = encrypters.findIndex(([protocol]) => !refusals.has(remotes, protocol))
    if (at < 0 || ((encrypters[at][1] as EncrypterHints).waitsNearby === true && nearby(connection))) return encryptOutbound.call(this, connection, options)
    const [protocol, encrypter] = encrypters[at]
    const bytes = proposal(protocol)
    const refusal = stripEcho(stream, bytes, protocol)
    lazilyProposed.add(stream)
    try {
      stream.send(bytes)
      return { ...(await encrypter.secureOutbound(connection, options)), protocol }
    } catch (err: any) {
      const refused = refusal()
      const failure = new EncryptionFailedError((refused ?? err)?.message ?? String(err))
      if (refused != null && at < encrypters.length - 1) {
        refusals.add(remotes, protocol)
        retryable.add(failure)
      }
      throw failure
    }
  }
  patched.add(proto)
  applied = true
  return true
}

/** What `retryRefusedDials` uses of a transport */
interface Dialling { dial(ma: unknown, options: unknown): Promise<unknown> }

/**
 * A transport whose dials are made once more when the remote refused the encrypter
 * proposed lazily (above): the second proposes the next one
 */
export function retryRefusedDials<C, T extends Dialling> (factory: (components: C) => T): (components: C) => T {
  return (components) => {
    const transport = factory(components)
    const dial = transport.dial.bind(transport)
    transport.dial = async (ma, options) => {
      try {
        return await dial(ma, options)
      } catch (err) {
        if (!refusedEncrypter(err) || (options as { signal?: AbortSignal } | undefined)?.signal?.aborted === true) throw err
        return dial(ma, options)
      }
    }
    return transport
  }
}
