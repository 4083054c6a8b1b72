/**
 * The provider side of /peershare/exchange/1.0.0: registers the stream handler with
 * its limits and runs one serve session per inbound stream. A failure is sent to the
 * peer as a Failure message when the stream still works, then the stream is closed;
 * nothing a peer sends can take the node down.
 */
import type { Connection, Libp2p, Logger, Stream } from '@libp2p/interface'
import { EXCHANGE_PROTOCOL, EXCHANGE_PROTOCOL_1_0, MAX_DOWNLOADER_MESSAGE_BYTES, ProtocolError, encodeMessage } from '@peershare/protocol'
import type { ExchangeLimits } from '../config.js'
import type { Bandwidth } from '../limits/bandwidth.js'
import type { ServableFiles } from './servable.js'
import type { MetricsEvents } from '../metrics/index.js'
import { FramedStream } from './framed-stream.js'
import { limitMisses } from './miss-limit.js'
import { SessionFailure, serveSession } from './serve-session.js'
import { PeerNotReadingError, SendBudget, type SendStats } from './send-budget.js'
import { type SessionEnd, SessionAdmission } from './session-admission.js'
import { type CompressionStats, emptyStats } from './compression.js'

export interface ExchangeServerComponents {
  libp2p: Pick<Libp2p, 'handle' | 'unhandle' | 'hangUp'>
  files: ServableFiles
  bandwidth: Pick<Bandwidth, 'upload'>
  limits: ExchangeLimits
  log: Logger
  /** peers refused for a while (metrics/) */
  events?: Pick<MetricsEvents, 'peerBanned'>
}

export class ExchangeServer {
  private readonly components: ExchangeServerComponents
  private readonly sessions = new Map<AbortController, Stream>()
  private readonly budget: SendBudget
  private readonly admission: SessionAdmission
  /** chunk bytes served by ended sessions: content, on the wire, chunks compressed */
  private readonly wire = emptyStats()
  /** the same, of sessions still running */
  private readonly liveWire = new Set<CompressionStats>()

  constructor (components: ExchangeServerComponents) {
    const { limits } = components
    this.components = { ...components, files: limitMisses(components.files, limits) }
    this.budget = new SendBudget({ ...limits, stallTimeout: limits.requestTimeout })
    this.admission = new SessionAdmission(limits)
  }

  async start (): Promise<void> {
    await this.components.libp2p.handle([EXCHANGE_PROTOCOL, EXCHANGE_PROTOCOL_1_0], async (stream, connection) => this.onStream(stream, connection), {
      maxInboundStreams: this.components.limits.maxInboundStreamsPerConnection,
      // through a relay too: the relay's own byte and time caps bound such a connection
      runOnLimitedConnection: true
    })
  }

  async stop (): Promise<void> {
    await this.components.libp2p.unhandle([EXCHANGE_PROTOCOL, EXCHANGE_PROTOCOL_1_0])
    for (const session of this.sessions.keys()) session.abort()
  }

  /**
   * Sessions being served, and the bytes read for them that the peer has not taken
   * yet (reserved, or in the stream's write buffer): what a peer that stops reading
   * makes us hold, bounded by `maxUnsentPerSession`, `maxUnsentPerPeer`, `maxUnsentBytes`.
   */
  stats (): { sessions: number, wire: CompressionStats } & SendStats {
    const wire = { ...this.wire }
    for (const live of this.liveWire) addStats(wire, live)
    return { sessions: this.sessions.size, wire, ...this.budget.stats() }
  }

  private async onStream (stream: Stream, connection: Pick<Connection, 'remotePeer'>): Promise<void> {
    const { limits, log } = this.components
    const peer = connection.remotePeer
    const framed = new FramedStream(stream, { maxMessageBytes: MAX_DOWNLOADER_MESSAGE_BYTES, highWaterMark: limits.readHighWaterMark })
    const controller = new AbortController()
    const admission = this.admission.admit(peer.toString(), () => {
      controller.abort(new SessionFailure('busy', 'Evicted: idle while other peers wait', true))
    })
    if ('refused' in admission) {
      await this.fail(framed, new SessionFailure('busy', admission.refused))
      return
    }
    admission.evicted?.evict()
    const entry = admission.admitted
    const lease = this.budget.lease(peer.toString(), stream)
    this.sessions.set(controller, stream)
    const wire = emptyStats()
    this.liveWire.add(wire)
    let how: SessionEnd = 'served'
    try {
      await serveSession(this.components, { lease, entry, wire }, framed, peer, controller.signal)
      await framed.close({ signal: AbortSignal.timeout(limits.requestTimeout) }).catch(() => framed.abort(new Error('close timed out')))
    } catch (err: any) {
      // an eviction aborts the session: tell the peer why rather than how it stopped
      const cause = controller.signal.reason instanceof SessionFailure ? controller.signal.reason : err
      how = endedBy(cause)
      log('exchange session with %s ended: %s', stream.id, cause.message)
      // before the Failure goes out: no chunk the other loop still prepares may follow it
      controller.abort()
      await this.fail(framed, cause)
    } finally {
      // what the session still waits on (the upload limit, room in the send budget) ends
      // with it: a chunk left queued at the limiter would take the turn of the peer's next session
      controller.abort()
      lease.release()
      this.countWire(stream.id, wire)
      this.sessions.delete(controller)
      this.counted(peer, this.admission.end(entry, how))
    }
  }

  /** A peer put over a limit by how its session ended: counted; one that sends invalid messages is also disconnected */
  private counted (peer: Connection['remotePeer'], refused: 'abandoned' | 'invalid' | undefined): void {
    if (refused == null) return
    this.components.events?.peerBanned(refused === 'invalid' ? 'invalid-messages' : 'abandoned-sessions')
    if (refused !== 'invalid') return
    this.components.log('peer %p sent too many invalid exchange messages: refused for %d ms and disconnected', peer, this.components.limits.invalidPenalty)
    this.components.libp2p.hangUp(peer).catch(() => {})
  }

  private countWire (stream: string, wire: CompressionStats): void {
    this.liveWire.delete(wire)
    addStats(this.wire, wire)
    if (wire.contentBytes > 0) this.components.log('exchange session %s sent %d bytes of chunks as %d on the wire (%d compressed)', stream, wire.contentBytes, wire.wireBytes, wire.compressedChunks)
  }

  /** Tells the peer why, if the stream still carries data, then closes it */
  private async fail (framed: FramedStream, err: Error): Promise<void> {
    const code = err instanceof SessionFailure ? err.failure : err instanceof ProtocolError ? 'bad-request' : 'internal'
    // a peer that does not read would not read the Failure either: free its buffers now
    if (err instanceof PeerNotReadingError) {
      framed.abort(err)
      return
    }
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

/**
 * How a session that failed counts against its peer: given up on as silent (`abandoned`),
 * ended by a message no honest peer sends (`invalid`: undecodable, oversized, out of
 * range or order), or neither (busy, not found, the connection gone)
 */
function endedBy (cause: unknown): SessionEnd {
  if (cause instanceof SessionFailure) return cause.silent ? 'abandoned' : cause.failure === 'bad-request' ? 'invalid' : 'served'
  return cause instanceof ProtocolError ? 'invalid' : 'served'
}

function addStats (to: CompressionStats, from: CompressionStats): void {
  to.contentBytes += from.contentBytes
  to.wireBytes += from.wireBytes
  to.compressedChunks += from.compressedChunks
  to.parts += from.parts
}
