/**
 * The provider side of /peershare/exchange/1.0.0: registers the stream handler with
 * its limits and runs one serve session per inbound stream. A failure is sent to the
 * peer as a Failure message when the stream still works, then the stream is closed;
 * nothing a peer sends can take the node down.
 */
import type { Libp2p, Logger, PeerId, Stream } from '@libp2p/interface'
import { EXCHANGE_PROTOCOL, MAX_DOWNLOADER_MESSAGE_BYTES, ProtocolError, encodeMessage } from '@peershare/protocol'
import type { ExchangeLimits } from '../config.js'
import type { Bandwidth } from '../limits/bandwidth.js'
import type { ServableFiles } from './servable.js'
import { FramedStream } from './framed-stream.js'
import { SessionFailure, serveSession } from './serve-session.js'

export interface ExchangeServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle'>
  files: ServableFiles
  bandwidth: Pick<Bandwidth, 'upload'>
  limits: ExchangeLimits
  log: Logger
}

export class ExchangeServer {
  private readonly components: ExchangeServerComponents
  private readonly sessions = new Map<AbortController, Stream>()

  constructor (components: ExchangeServerComponents) {
    this.components = components
  }

  async start (): Promise<void> {
    await this.components.libp2p.handle(EXCHANGE_PROTOCOL, async (stream, connection) => this.onStream(stream, connection.remotePeer), {
      maxInboundStreams: this.components.limits.maxInboundStreamsPerConnection
    })
  }

  async stop (): Promise<void> {
    await this.components.libp2p.unhandle(EXCHANGE_PROTOCOL)
    for (const session of this.sessions.keys()) session.abort()
  }

  /**
   * Sessions being served, and the bytes written to them that the muxer has not yet
   * sent: what a peer that stops reading makes us hold (bounded by backpressure).
   */
  stats (): { sessions: number, unsentBytes: number } {
    let unsentBytes = 0
    for (const stream of this.sessions.values()) unsentBytes += stream.writeBufferLength
    return { sessions: this.sessions.size, unsentBytes }
  }

  private async onStream (stream: Stream, peer: PeerId): Promise<void> {
    const { limits, log } = this.components
    const framed = new FramedStream(stream, { maxMessageBytes: MAX_DOWNLOADER_MESSAGE_BYTES, highWaterMark: limits.readHighWaterMark })
    if (this.sessions.size >= limits.maxSessions) {
      await this.fail(framed, new SessionFailure('busy', 'Too many sessions'))
      return
    }
    const controller = new AbortController()
    this.sessions.set(controller, stream)
    try {
      await serveSession(this.components, framed, peer, controller.signal)
      await framed.close({ signal: AbortSignal.timeout(limits.requestTimeout) }).catch(() => framed.abort(new Error('close timed out')))
    } catch (err: any) {
      log('exchange session with %s ended: %s', stream.id, err.message)
      await this.fail(framed, err)
    } finally {
      this.sessions.delete(controller)
    }
  }

  /** Tells the peer why, if the stream still carries data, then closes it */
  private async fail (framed: FramedStream, err: Error): Promise<void> {
    const code = err instanceof SessionFailure ? err.failure : err instanceof ProtocolError ? 'bad-request' : 'internal'
    try {
      if (framed.stream.status === 'open') {
        await framed.write(encodeMessage({ type: 'failure', code, message: err.message }), { signal: AbortSignal.timeout(1000) })
        await framed.close({ signal: AbortSignal.timeout(1000) })
      }
    } catch {
      framed.abort(err)
    }
  }
}
