/**
 * A connection's keep-alive, by its muxer's own pings: yamux ping frames (12 bytes
 * each way, answered by the peer's muxer as it reads them) instead of libp2p's
 * connection monitor, which opens a new stream on every connection for each ping and
 * negotiates its protocol (multistream-select both ways, a ping handler, the stream's
 * close). In the bench's 100-node swarm, a full mesh, those streams were most of the
 * CPU the idle swarm used, every 30 s in a burst of one node's 99 connections at once
 * (figures: README, "Build of 2026-12-05, late"). Here each connection pings on its
 * own timer, so a node's pings are spread over the interval as its connections opened.
 * The first ping goes as the connection opens: yamux grows a stream's receive window
 * only once it knows the connection's round trip, which its pings measure (yamux's own
 * keep-alive, off, pinged at once for that reason; with the first ping later, streams
 * kept yamux's initial 256 KiB window: 33% of an 80 ms, 100 Mbit/s link in the bench).
 *
 * A ping not answered within `timeoutMs` means a peer that vanished without closing
 * its sockets (power cut, cable pulled): the connection is aborted, with its streams.
 * A peer whose process exits, or that closes the connection, is seen at once without
 * any ping. Muxers that cannot ping (a browser's WebRTC, whose transport checks its
 * peer by ICE consent) are left alone.
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
      if (canPing(muxer)) keepAlive(muxer, maConn, init)
      return muxer
    }
  }
}

function keepAlive (muxer: PingingMuxer, maConn: MessageStream, { intervalMs, timeoutMs }: KeepAliveInit): void {
  let timer: ReturnType<typeof setTimeout> | undefined
  let closed = false
  const next = (ms: number): void => {
    if (closed) return
    timer = setTimeout(() => { void ping() }, ms)
    // a connection's keep-alive never keeps the process alive
    timer.unref?.()
  }
  const ping = async (): Promise<void> => {
    if (closed || muxer.status !== 'open') return
    const signal = AbortSignal.timeout(timeoutMs)
    try {
      await muxer.ping({ signal })
    } catch {
      // a muxer closed meanwhile (or going away) ends the keep-alive; only silence aborts
      if (closed || muxer.status !== 'open' || !signal.aborted) return
      const err = new KeepAliveTimeoutError(`The peer answered no keep-alive ping within ${timeoutMs} ms`)
      muxer.abort(err)
      maConn.abort(err)
      return
    }
    next(intervalMs)
  }
  maConn.addEventListener('close', () => {
    closed = true
    clearTimeout(timer)
  }, { once: true })
  // at once: the round trip yamux needs to grow stream windows (above)
  void ping()
}
