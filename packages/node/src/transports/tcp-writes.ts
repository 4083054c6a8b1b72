/**
 * One socket write per burst of a TCP connection's frames, not one per frame.
 * @libp2p/tcp writes every buffer it is given with its own `socket.write`, and noise
 * hands it one encrypted frame at a time: a yamux window update, a stream's header, a
 * DHT request and each 64 KiB piece of a chunk each cost a `write` system call. A CPU
 * profile of a DHT bench worker (5 nodes, warm gets) had 14% of its time in those
 * calls. The socket is corked while a connection sends, and uncorked on the next tick:
 * the frames written meanwhile go out in one `writev`. Node's `cork` counts, so sends
 * in the same tick nest and the last uncork flushes them all.
 */
import { Socket } from 'node:net'

interface SocketConnection {
  socket?: unknown
  sendData?: (data: unknown) => unknown
}

const patched = new WeakSet<object>()

/**
 * Corks the socket of connections of the same class as `connection` around each send
 * (its prototype patched once); a connection without a node:net socket is left alone
 */
export function coalesceTcpWrites (connection: unknown): void {
  const proto = Object.getPrototypeOf(connection) as SocketConnection | null
  if (proto == null || patched.has(proto)) return
  patched.add(proto)
  const sendData = proto.sendData
  if (typeof sendData !== 'function' || sendData.length !== 1 || !((connection as SocketConnection).socket instanceof Socket)) return
  proto.sendData = function (this: SocketConnection, data: unknown): unknown {
    const socket = this.socket
    if (!(socket instanceof Socket) || socket.destroyed) return sendData.call(this, data)
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
