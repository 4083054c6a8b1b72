/**
 * Yamux data frames of at most YAMUX_MAX_FRAME_BYTES. @chainsafe/libp2p-yamux 8 sizes
 * a stream's next frame by its whole send window (`maxMessageSize = sendWindowCapacity
 * - header` on every window update; its own `maxMessageSize` setting is never applied
 * to streams), so once a window has grown to MiBs, everything queued on a stream goes
 * out as one frame. The receiver can use none of a frame before all of it has arrived:
 * over an 80 ms, 100 Mbit/s link the rest of a first chunk, sent in one 3 MiB frame with
 * the two chunks queued behind it, arrived 450 ms after it was sent instead of 130 ms,
 * in one run of three to eight (bench `links`). Capping the frame after each window update keeps a stream's
 * bytes usable as they arrive, and bounds what a receiver buffers for one frame.
 *
 * With frames capped, the library's window update after every data frame is one per
 * 256 KiB (a frame, an encryption, a socket write; a read, a decryption, a decode on the
 * sender). Once the window is at its largest, updates wait until half of it is used.
 * Small messages (a DHT request or answer, a chunk request) get no update until
 * YAMUX_UPDATE_AFTER_BYTES of them were read, unless the update would grow the window:
 * the library answered each with one.
 *
 * A stream's window starts at yamux's 256 KiB and doubles once per round trip, so a
 * download's first MiBs crawl over a long link: the sender stops after each window and
 * waits a round trip for the next. `openReceiveWindow` grants a download stream the
 * window its first requests need as it opens (yamux lets either side enlarge a window
 * with any update, the SYN included; go-yamux opens its streams with its configured window so).
 */
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'

/**
 * Most data bytes in one yamux frame: yamux's initial stream window. A quarter of a
 * 1 MiB chunk, so a chunk's last bytes wait for at most that much of the next one
 * (21 ms at 100 Mbit/s); 64 KiB frames cost the receiver 10-20% more CPU on loopback
 * (a window update, and a decode, per frame), frames of 1 MiB held a first chunk's
 * tail 160 ms on the 80 ms link
 */
export const YAMUX_MAX_FRAME_BYTES = 256 * 1024

/**
 * Bytes read on a stream before it grants them back to the sender. The library sent a
 * window update for every data frame, however small: in a 100-node swarm, where nearly
 * all streams carry one DHT request and its answer, those updates took 3% of the CPU
 * (issue 14). The sender keeps at least the rest of the initial window (192 KiB), so it
 * never waits for one; a bulk stream's frames (256 KiB) each pass it as before, and an
 * update that grows the window (`growsNow`) goes at once.
 */
export const YAMUX_UPDATE_AFTER_BYTES = 64 * 1024

/**
 * The largest window of a stream and its read buffer, by default: the daemon's
 * `muxer.streamWindowBytes` and `muxer.maxReadBufferBytes` (doc/LIMITS.md says why), and
 * the browser peer's yamux streams. The read buffer holds a whole window, so a stream
 * paused with a window of data in flight is not aborted
 */
export const YAMUX_WINDOW_BYTES = 8 * 1024 * 1024
export const YAMUX_READ_BUFFER_BYTES = 20 * 1024 * 1024

/** yamux's frame type of a window update (the spec's 0x1) */
const WINDOW_UPDATE = 1

let capped = false

/** YamuxStream's private window state */
interface WindowState { state: StreamState, recvWindow: number, recvWindowCapacity: number, maxStreamWindowSize: number, epochStart: number, getRTT: () => number }

/** What a stream sends its window updates with (private to the library too) */
interface WindowSender { streamId: number, sendFrame: (header: { type: number, flag: number, streamID: number, length: number }) => void }

/** Applies the cap and the window updates by halves to every yamux stream of this process (once; the library's prototype is patched) */
export function capYamuxFrames (): void {
  if (capped) return
  capped = true
  const handleWindowUpdate = YamuxStream.prototype.handleWindowUpdate
  YamuxStream.prototype.handleWindowUpdate = function (this: YamuxStream, frame: Parameters<YamuxStream['handleWindowUpdate']>[0]): void {
    handleWindowUpdate.call(this, frame)
    // 0 means the window is exhausted (writing pauses): only a larger size is capped
    if ((this.maxMessageSize ?? 0) > YAMUX_MAX_FRAME_BYTES) this.maxMessageSize = YAMUX_MAX_FRAME_BYTES
  }
  const sendWindowUpdate = YamuxStream.prototype.sendWindowUpdate
  YamuxStream.prototype.sendWindowUpdate = function (this: YamuxStream): void {
    // the library answers every data frame with a window update (a frame, an encryption
    // and a socket write), which is also how it grows the window. Once the window is as
    // large as it may grow, updates wait until half of it is used, as go-yamux's do
    // (the sender still has the other half). SYN/ACK and updates while it grows go as before
    const window = this as unknown as WindowState
    if (window.state === StreamState.Established) {
      if (window.recvWindow - window.recvWindowCapacity < YAMUX_UPDATE_AFTER_BYTES && !growsNow(window)) return
      if (window.recvWindow >= window.maxStreamWindowSize && window.recvWindowCapacity * 2 > window.recvWindow) return
    }
    sendWindowUpdate.call(this)
  }
}

/**
 * The library's rule for growing a window, which it applies when it sends an update: data
 * read within 4 round trips of the last update doubles it. A stream whose window would
 * grow now sends its update even for a small message, so a transfer's window ramps up as
 * before (on an 80 ms link the Offer's update lets the first chunk's second quarter go);
 * on loopback, or before yamux has measured a round trip, it does not
 */
function growsNow (window: WindowState): boolean {
  const rtt = window.getRTT()
  return window.recvWindow < window.maxStreamWindowSize && rtt > -1 && Date.now() - window.epochStart <= rtt * 4
}

/**
 * Lets the peer send `bytes` on a yamux stream this node opened before it waits for a
 * window update (at most the stream's largest window; the window grows from there as
 * before): the opener of a download asks for several chunks at once, and the provider
 * sends them back to back, where the initial 256 KiB window made it wait a round trip
 * per window while the window grew (0.09 to 0.19 s of each first chunk on the bench's
 * four slow links). Called once the stream is open (its SYN sent, as `newStream` returns
 * it); the grant is a window update right behind the SYN. What the peer may send is
 * what was asked for; the stream's read buffer limit bounds it as before. Other muxers'
 * streams (a browser's WebRTC), and streams not open, are left as they are.
 */
export function openReceiveWindow (stream: unknown, bytes: number): void {
  if (!(stream instanceof YamuxStream)) return
  const window = stream as unknown as WindowState & WindowSender
  // before its SYN the peer would drop the update as for no stream; once closed it is moot
  if (window.state !== StreamState.SYNSent && window.state !== StreamState.Established) return
  const target = Math.min(bytes, window.maxStreamWindowSize)
  if (target <= window.recvWindow) return
  const delta = target - window.recvWindowCapacity
  window.recvWindow = target
  window.recvWindowCapacity = target
  window.epochStart = Date.now()
  window.sendFrame({ type: WINDOW_UPDATE, flag: 0, streamID: window.streamId, length: delta })
}
