/**
 * Fewer system calls for a TCP connection's writes. @libp2p/tcp writes every buffer it
 * is given with its own `socket.write`, and noise hands it each frame as two (a 2-byte
 * length prefix, then the encrypted body): a yamux window update, a stream's header, a
 * DHT request and each 64 KiB piece of a chunk each cost two `write` system calls. A
 * CPU profile of a DHT bench worker (5 nodes, warm gets) had 14% of its time in them.
 * The socket is corked while the connection sends, and uncorked on the next tick: what
 * was written meanwhile goes out in one `writev`: a frame's prefix with its body, and
 * the small frames written together. (A 64 KiB body fills the socket's 16 KiB
 * high-water mark by itself, so bulk data still goes a frame per flush, as before:
 * there the saving is the prefix's call.) Node's `cork` counts, so sends in the same
 * tick nest and the last uncork flushes them; `end()` (the connection closing) uncorks
 * first, so nothing corked is lost.
 */
import { Socket } from 'node:net'

interface SocketConnection {
  socket?: unknown
  sendData?: (data: unknown) => unknown
}

/**
 * Corks `connection`'s socket around each of its sends (its own `sendData` wraps the
 * class's); a connection without a node:net socket (WebSockets, WebRTC, a relayed one)
 * is left alone
 */
export function coalesceTcpWrites (connection: unknown): void {
  const conn = connection as SocketConnection
  const { socket, sendData } = conn
  if (!(socket instanceof Socket) || typeof sendData !== 'function' || sendData.length !== 1 || Object.hasOwn(conn, 'sendData')) return
  conn.sendData = function (this: SocketConnection, data: unknown): unknown {
    if (socket.destroyed) return sendData.call(this, data)
    socket.cork()
    try {
      return sendData.call(this, data)
    } finally {
      process.nextTick(uncork, socket)
    }
  }
}

function uncork (socket: Socket): void {
  socket.uncork()
}
