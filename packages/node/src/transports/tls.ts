/**
 * libp2p's TLS 1.3 (`/tls/1.0.0`, the spec @libp2p/tls implements), with Node's own TLS
 * reading and writing an accepted TCP connection's socket: records are opened and sealed
 * in C++ (AES-GCM), and no JavaScript touches a ciphertext byte.
 *
 * Why: noise's ChaCha20-Poly1305 frames cost a receiver's event loop about 0.6 s per
 * 256 MiB (CPU profile, 2026-12-05), the largest single cost of a transfer.
 *
 * @libp2p/tls hands TLS a JavaScript duplex over the connection (Node then puts a
 * JSStreamSocket between the two), so every record passes through JavaScript. Here an
 * accepted connection that is a plain TCP socket is given to TLS as it is (its handle;
 * what the connection read but did not deliver, the handshake's first message behind
 * a lazy proposal, goes first), and so is a dialled one whose proposal's echo is in (to
 * a loopback or private address the dialler waits for it: lazy-upgrade.ts). A dialler
 * that proposed TLS lazily keeps the library's path: the listener's echo, which arrives
 * ahead of the handshake's answer, must be taken off in JavaScript, and a socket handed
 * to TLS would read it as a record. Relayed and WebSockets connections take that path
 * too. Certificates, their libp2p key extension and the peer's check are the library's
 * (`@libp2p/tls/utils`); a node makes its certificate once, as it starts (4 ms of CPU each, measured),
 * as go-libp2p does, not once per connection as @libp2p/tls does.
 */
import { X509Certificate, constants, createHash } from 'node:crypto'
import { Socket } from 'node:net'
import { type ConnectionOptions, type SecureContext, type TLSSocket, connect, createSecureContext, TLSSocket as TLSSocketClass } from 'node:tls'
import { type ComponentLogger, type ConnectionEncrypter, type Metrics, type MultiaddrConnection, InvalidCryptoExchangeError, type Logger, type MessageStream, type PeerId, type PrivateKey, type SecureConnectionOptions, type SecuredConnection, serviceCapabilities, type StreamMuxerFactory, UnexpectedPeerError, type Upgrader } from '@libp2p/interface'
import { generateCertificate, toMessageStream, toNodeDuplex, verifyPeerCertificate } from '@libp2p/tls/utils'
import { echoPending } from './lazy-upgrade.js'

export const TLS_PROTOCOL = '/tls/1.0.0'

export interface TlsComponents {
  privateKey: PrivateKey
  logger: ComponentLogger
  upgrader: Upgrader
  metrics?: Metrics
}

/** What is used of a TCP connection (@libp2p/tcp's TCPSocketMultiaddrConnection and its AbstractMessageStream) */
interface TcpConnection {
  socket?: unknown
  readBuffer?: { byteLength: number, subarray(): Uint8Array, consume(bytes: number): void }
  writeBufferLength?: number
  sendReset?: (err: Error) => void
}

/**
 * The connection whose socket TLS took is reset by closing TLS, which closes the socket.
 * @libp2p/tcp resets with `socket.resetAndDestroy()`, and on a socket that a live
 * TLSSocket wraps that crashed Node 24 (SIGSEGV; reproduced with node:net and node:tls
 * alone): libp2p resets a connection it dialled to an address it was connected to
 * already (`get --peer` without /p2p/), and a daemon went down with every such get. The
 * peer sees the connection close instead of a TCP reset.
 */
function resetThroughTls (connection: MessageStream, socket: TLSSocket): void {
  (connection as unknown as TcpConnection).sendReset = () => { socket.destroy() }
}

/**
 * The connection's socket for TLS to take over, when it is a live node:net socket: the
 * connection stops reading it, and bytes it read but has not delivered are put back
 */
function takeSocket (connection: MessageStream): Socket | undefined {
  const tcp = connection as unknown as TcpConnection
  const socket = tcp.socket
  if (!(socket instanceof Socket) || socket.destroyed || socket.readableEnded || (socket as unknown as { _handle?: unknown })._handle == null) return undefined
  // bytes the connection still has to write (they would follow TLS's records unencrypted) keep it on its own path
  if ((tcp.writeBufferLength ?? 0) > 0 || socket.writableLength > 0) return undefined
  socket.pause()
  socket.removeAllListeners('data')
  const buffered = tcp.readBuffer
  if (buffered != null && buffered.byteLength > 0) {
    const bytes = buffered.subarray()
    buffered.consume(bytes.byteLength)
    socket.unshift(bytes)
  }
  return socket
}

/** Resolves once `socket`'s handshake is done, rejects if it fails or closes first */
async function handshake (socket: TLSSocket): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const closed = (): void => { settle(new InvalidCryptoExchangeError('the connection closed during the TLS handshake')) }
    const settle = (err?: Error): void => {
      socket.off('secure', settle)
      socket.off('error', settle)
      socket.off('close', closed)
      if (err == null) resolve()
      else reject(err)
    }
    socket.once('secure', settle)
    socket.once('error', settle)
    socket.once('close', closed)
  })
}

/** Certificates already checked, at most this many kept */
const MAX_CHECKED_CERTIFICATES = 1024

interface Checked { peer: PeerId, notBefore: number, notAfter: number }

/**
 * The peer each certificate checked proved, by the certificate's SHA-256. A node sends
 * the same certificate on all its connections (as go-libp2p's and this one do), and the
 * library's check (X.509 parsed and verified in JavaScript, the libp2p key's signature)
 * costs 2 ms of CPU (measured), for each connection of a DHT query. The TLS handshake
 * still proves on every connection that the peer holds the certificate's key; what is
 * kept is only what the same bytes always yield, and the validity period is checked again.
 */
const checked = new Map<string, Checked>()

async function certifiedPeer (raw: Uint8Array, expected: PeerId | undefined, log: Logger): Promise<PeerId> {
  const key = createHash('sha256').update(raw).digest('hex')
  const known = checked.get(key)
  const now = Date.now()
  if (known == null || known.notBefore > now || known.notAfter < now) {
    checked.delete(key)
    const peer = await verifyPeerCertificate(raw, expected, log)
    const cert = new X509Certificate(raw)
    const notBefore = cert.validFromDate.getTime()
    const notAfter = cert.validToDate.getTime()
    // a date that does not read as one is not kept (checked again next time)
    if (Number.isFinite(notBefore) && Number.isFinite(notAfter)) checked.set(key, { peer, notBefore, notAfter })
    if (checked.size > MAX_CHECKED_CERTIFICATES) checked.delete(checked.keys().next().value as string)
    return peer
  }
  if (expected != null && !expected.equals(known.peer)) throw new UnexpectedPeerError(`expected peer ${expected.toString()}, the certificate is ${known.peer.toString()}'s`)
  return known.peer
}

/**
 * Checks the node's own certificate once, as a peer's is checked, and keeps nothing: the
 * first check in a process (the X.509 and ASN.1 code's first run and set-up) took 8 to
 * 14 ms of CPU, a warm one 3 ms (measured), and the first connection's handshake, on each
 * side, waited for it. Done as the node starts, it is off that connection's path.
 */
function warmCertificateCheck (pem: string, log: Logger): void {
  verifyPeerCertificate(new Uint8Array(new X509Certificate(pem).raw), undefined, log)
    .catch((err: Error) => { log.error('the check of our own certificate failed: %s', err.message) })
}

class NativeTls implements ConnectionEncrypter {
  readonly protocol = TLS_PROTOCOL
  readonly [Symbol.toStringTag] = '@peershare/tls'
  readonly [serviceCapabilities] = ['@libp2p/connection-encryption']
  /** offered lazily on TCP connections only: elsewhere it would run in JavaScript, and browsers lack it (lazy-upgrade.ts) */
  readonly tcpOnly = true
  /** a dialler on a nearby address waits for the echo, so that the socket can be handed over (lazy-upgrade.ts) */
  readonly waitsNearby: boolean
  private readonly log: Logger
  private context: Promise<SecureContext> | undefined

  constructor (private readonly components: TlsComponents, init: TlsInit) {
    this.log = components.logger.forComponent('peershare:tls')
    this.waitsNearby = init.takeDialledSockets ?? true
    // made now, so that a node's first connection does not wait for it (a failure is retried then)
    this.secureContext().catch((err: Error) => { this.log.error('no TLS certificate yet: %s', err.message) })
  }

  async secureInbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    return this.encrypt(connection, true, options)
  }

  async secureOutbound (connection: MessageStream, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    return this.encrypt(connection, false, options)
  }

  /**
   * The node's certificate and key in a TLS context, made once (a failure is not kept).
   * Given as PEM to every connection, Node parsed them and built a context anew each
   * time: about 1 ms of CPU per handshake on each side, 2.4% of a process's CPU in the
   * bench's 100-node start (profile)
   */
  private async secureContext (): Promise<SecureContext> {
    this.context ??= generateCertificate(this.components.privateKey)
      // no session tickets: a resumed handshake would skip the certificates, which every
      // libp2p connection must show (a context per connection made tickets useless before)
      .then(({ cert, key }) => {
        warmCertificateCheck(cert, this.log)
        return createSecureContext({ cert, key, minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3', secureOptions: constants.SSL_OP_NO_TICKET })
      })
    return this.context.catch((err: Error) => {
      this.context = undefined
      throw err
    })
  }

  private async encrypt (connection: MessageStream, isServer: boolean, options?: SecureConnectionOptions): Promise<SecuredConnection> {
    const muxers = this.components.upgrader.getStreamMuxers()
    const offered = options?.skipStreamMuxerNegotiation === true ? [] : [...muxers.keys()]
    let streamMuxer: StreamMuxerFactory | undefined
    const tlsOptions: ConnectionOptions = {
      // TLS 1.3 only, set in the context
      secureContext: await this.secureContext(),
      rejectUnauthorized: false,
      ALPNProtocols: [...offered, 'libp2p'],
      ALPNCallback: ({ protocols }) => {
        for (const protocol of protocols) {
          streamMuxer = muxers.get(protocol)
          if (streamMuxer != null) return protocol
        }
        return protocols.includes('libp2p') ? 'libp2p' : undefined
      }
    }
    const raw = isServer || !echoPending(connection) ? takeSocket(connection) : undefined
    const carrier = raw ?? toNodeDuplex(connection)
    const socket: TLSSocket = isServer
      ? new TLSSocketClass(carrier, { ...tlsOptions, isServer: true, requestCert: true })
      : connect({ ...tlsOptions, socket: carrier })
    if (raw != null) resetThroughTls(connection, socket)
    // an error before the secured connection listens (its own handler aborts the connection) ends the handshake
    let failed: Error | undefined
    const onError = (err: Error): void => { failed ??= err }
    socket.on('error', onError)
    if (raw == null) carrier.on('error', (err: Error) => socket.emit('error', err))
    const onAbort = (): void => { socket.destroy(new InvalidCryptoExchangeError('TLS handshake aborted')) }
    options?.signal?.addEventListener('abort', onAbort)
    try {
      // the signal may have ended while the certificate was awaited
      options?.signal?.throwIfAborted()
      await handshake(socket)
      const remotePeer = await certifiedPeer(new Uint8Array(socket.getPeerCertificate().raw), options?.remotePeer, this.log)
      if (!isServer && typeof socket.alpnProtocol === 'string' && socket.alpnProtocol !== 'libp2p' && options?.skipStreamMuxerNegotiation !== true) {
        streamMuxer = muxers.get(socket.alpnProtocol)
        if (streamMuxer == null) throw new InvalidCryptoExchangeError(`the peer chose muxer ${socket.alpnProtocol}, which we lack`)
      }
      if (failed != null) throw failed
      // closed while the certificate was checked: the secured stream would never hear of it
      if (socket.destroyed || connection.status !== 'open') throw new InvalidCryptoExchangeError('the connection closed during the TLS handshake')
      const secured = toMessageStream(connection, socket)
      socket.off('error', onError)
      if (raw != null) {
        // libp2p counts a connection's bytes on what the transport carries, which TLS now reads and writes itself
        this.components.metrics?.trackMultiaddrConnection(secured as unknown as MultiaddrConnection)
      }
      return { remotePeer, connection: secured, streamMuxer }
    } catch (err: any) {
      // later errors of a socket given up are of no interest
      socket.on('error', () => {})
      socket.destroy()
      connection.abort(err)
      throw err
    } finally {
      options?.signal?.removeEventListener('abort', onAbort)
    }
  }
}

export interface TlsInit {
  /**
   * dial nearby addresses (loopback, private) with the echo waited for, so that TLS
   * runs on the socket (default true); false proposes lazily everywhere, as to a public
   * address (tests of that path run on 127.0.0.1)
   */
  takeDialledSockets?: boolean
}

/** libp2p's TLS run natively on TCP connections (above) */
export function peershareTls (init: TlsInit = {}): (components: TlsComponents) => ConnectionEncrypter {
  return (components) => new NativeTls(components, init)
}
