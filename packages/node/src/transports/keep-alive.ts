/**
 * A connection's keep-alive, by its muxer's own pings: yamux ping frames (12 bytes
 * each way, answered by the peer's muxer as it reads them) instead of libp2p's
 * connection monitor, which opens a new stream on every connection for each ping and
 * negotiates its protocol (multistream-select both ways, a ping handler, the stream's
 * close). In the bench's 100-node swarm, a full mesh, those streams were most of the
 * CPU the idle swarm used, every 30 s in a burst of one node's 99 connections at once
 * (figures: doc/BENCHMARKS.md, "Build of 2026-12-05, late"). Here each connection pings on its
 * own timer, so a node's pings are spread over the interval as its connections opened.
 * The first ping goes as the connection opens: yamux grows a stream's receive window
 * only once it knows the connection's round trip, which its pings measure (yamux's own
 * keep-alive, off, pinged at once for that reason; with the first ping later, streams
 * kept yamux's initial 256 KiB window: 33% of an 80 ms, 100 Mbit/s link in the bench).
 *
 * A ping not answered within `timeoutMs` means a peer that vanished without closing
 * its sockets (power cut, cable pulled): the connection is aborted, with its streams
 * (`KeepAliveTimeoutError`). A ping that fails otherwise (the peer's muxer going away)
 * is logged and tried again at the next interval. A peer whose process exits, or that
 * closes the connection, is seen at once without any ping. Muxers that cannot ping (a
 * browser's WebRTC, whose transport checks its peer by ICE) are left alone.
 */
import type { AbortOptions, MessageStream, StreamMuxer, StreamMuxerFactory } from '@libp2p/interface'

export interface KeepAliveInit {
  /** between the answer to one ping and the next ping (ms) */
  intervalMs: number
  /** a ping unanswered this long aborts the connection (ms) */
  timeoutMs: number
}

/** The connection was aborted: its peer answered no keep-alive ping in time */
export class KeepAliveTimeoutError extends Error {
  static override name = 'KeepAliveTimeoutError'
  override name = 'KeepAliveTimeoutError'
  readonly code = 'ERR_KEEP_ALIVE_TIMEOUT'
}

/** A muxer that can ping its peer (yamux: a ping frame, resolved with the round trip in ms) */
interface PingingMuxer extends StreamMuxer {
  ping(options?: AbortOptions): Promise<number>
}

function canPing (muxer: StreamMuxer): muxer is PingingMuxer {
  return typeof (muxer as Partial<PingingMuxer>).ping === 'function'
}

/** Wraps a muxer factory so that every connection it muxes is kept alive by pings (above) */
export function keepAliveMuxer (factory: StreamMuxerFactory, init: KeepAliveInit): StreamMuxerFactory {
  return {
    protocol: factory.protocol,
    createStreamMuxer (maConn: MessageStream): StreamMuxer {
      const muxer = factory.createStreamMuxer(maConn)
      if (canPing(muxer)) new KeepAlive(muxer, maConn, init).start()
      return muxer
    }
  }
}

class KeepAlive {
  private timer: ReturnType<typeof setTimeout> | undefined
  /** aborted as the connection closes: ends a ping in flight (yamux never settles one itself) */
  private readonly closed = new AbortController()

  constructor (private readonly muxer: PingingMuxer, private readonly maConn: MessageStream, private readonly init: KeepAliveInit) {}

  start (): void {
    this.maConn.addEventListener('close', () => {
      this.closed.abort()
      clearTimeout(this.timer)
    }, { once: true })
    // at once: the round trip yamux needs to grow stream windows (above)
    this.pingSoon(0)
  }

  private pingSoon (ms: number): void {
    if (this.closed.signal.aborted) return
    this.timer = setTimeout(() => {
      this.ping().catch((err: Error) => { this.maConn.log?.error('keep-alive failed: %s', err.message) })
    }, ms)
    // a connection's keep-alive never keeps the process alive
    this.timer.unref?.()
  }

  private async ping (): Promise<void> {
    const { muxer, init } = this
    if (this.closed.signal.aborted || muxer.status !== 'open') return
    const timeout = AbortSignal.timeout(init.timeoutMs)
    try {
      await muxer.ping({ signal: AbortSignal.any([timeout, this.closed.signal]) })
    } catch (err: any) {
      if (this.closed.signal.aborted || muxer.status !== 'open') return
      if (timeout.aborted) {
        this.abort(new KeepAliveTimeoutError(`The peer answered no keep-alive ping within ${init.timeoutMs} ms`))
        return
      }
      this.maConn.log?.('keep-alive ping failed, tried again in %d ms: %s', init.intervalMs, err?.message)
    }
    this.pingSoon(init.intervalMs)
  }

  private abort (err: Error): void {
    try {
      // tells the streams; yamux may throw sending its GoAway on a connection going down
      this.muxer.abort(err)
    } finally {
      this.maConn.abort(err)
    }
  }
}
