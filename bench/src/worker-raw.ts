/**
 * The baseline: a plain libp2p node (TCP + TLS + yamux, with peershare's encrypters and
 * muxer settings: TLS with noise as the fallback) in its own process, moving the file over ONE raw stream; and the
 * ceiling: the same over a bare node:net socket (no encryption, no muxer). Roles:
 *   receiver <output>      handles RAW_PROTOCOL: hashes, writes at offsets, fsyncs, reports
 *   sender <file>          on 'send', dials RAW_PROTOCOL and pushes the file in 1 MiB pieces
 *   net-receiver <output>  the same on a TCP socket (listens on 127.0.0.1)
 *   net-sender <file>      the same on a TCP socket ('send' gives ip:port)
 * The time is from the sender's dial to the receiver's synced file (same clock).
 */
import { createHash } from 'node:crypto'
import { once } from 'node:events'
import { type FileHandle, open } from 'node:fs/promises'
import { connect, createServer, type Socket } from 'node:net'
import type { Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { DEFAULTS, drained, peershareEncrypters, peershareMuxer } from '@peershare/node'
import { createLibp2p } from 'libp2p'
import { PIECE, RAW_PROTOCOL } from './protocol.js'
import { phase, RssSampler, now, receive, runWorker, send } from './worker-ipc.js'

const rss = new RssSampler()

async function createRawNode (listen: string[]) {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    // the very encrypters and muxer settings peershare uses (packages/node/src/libp2p.ts)
    connectionEncrypters: peershareEncrypters(),
    streamMuxers: [peershareMuxer(DEFAULTS.muxer)],
    // the muxer keeps connections alive, as in peershare
    connectionMonitor: { enabled: false }
  })
}

runWorker(async ([role, path]) => {
  if (role === 'receiver') await receiver(path)
  else if (role === 'sender') await sender(path)
  else if (role === 'net-receiver') await netReceiver(path)
  else if (role === 'net-sender') await netSender(path)
  else throw new Error(`unknown raw role '${role}'`)
})

async function receiver (output: string): Promise<void> {
  const node = await createRawNode(['/ip4/127.0.0.1/tcp/0'])
  try {
    const result = deferred<{ bytes: number, sha256: string }>()
    await node.handle(RAW_PROTOCOL, (stream) => {
      receiveInto(stream, output).then(result.resolve, result.reject)
    })
    const addr = node.getMultiaddrs().find(a => a.toString().includes('/tcp/'))
    if (addr == null) throw new Error('receiver has no TCP address')
    await phase.start()
    send({ type: 'ready', addr: addr.toString() })
    const { bytes, sha256 } = await result.promise
    const finishedAt = now()
    await phase.stop()
    send({ type: 'done', finishedAt, bytes, sha256, peakRss: rss.stop(), atPeak: rss.atPeak })
    await waitForStop()
  } finally {
    await node.stop()
  }
}

/**
 * Hashes bytes as they arrive and writes them in ~1 MiB positional writes. While a
 * write is in flight the source is paused (`hold`), so yamux stops granting window
 * or TCP stops reading and the sender is held back (the same backpressure
 * peershare's FramedStream applies).
 */
class HashingWriter {
  private readonly hash = createHash('sha256')
  private pending: Uint8Array[] = []
  private pendingBytes = 0
  private position = 0
  private writes = Promise.resolve()

  /** `fail` hears of a failed write at once (the source stays paused after one) */
  constructor (private readonly file: FileHandle, private readonly hold: (writing: boolean) => void, private readonly fail: (err: Error) => void) {}

  add (data: Uint8Array | Iterable<Uint8Array>): void {
    for (const buf of data instanceof Uint8Array ? [data] : data) {
      this.hash.update(buf)
      this.pending.push(buf)
      this.pendingBytes += buf.byteLength
    }
    if (this.pendingBytes >= PIECE) this.flush()
  }

  private flush (): void {
    const bufs = this.pending
    const at = this.position
    this.position += this.pendingBytes
    this.pending = []
    this.pendingBytes = 0
    this.hold(true)
    this.writes = this.writes.then(async () => {
      await writeFully(this.file, bufs, at)
      this.hold(false)
    })
    this.writes.catch(this.fail)
  }

  /** Writes what is left and makes the file durable */
  async finish (): Promise<{ bytes: number, sha256: string }> {
    if (this.pendingBytes > 0) this.flush()
    await this.writes
    await this.file.sync()
    return { bytes: this.position, sha256: this.hash.digest('hex') }
  }
}

async function receiveInto (stream: Stream, output: string): Promise<{ bytes: number, sha256: string }> {
  const file = await open(output, 'wx')
  try {
    const ended = deferred<void>()
    let holding = false
    const writer = new HashingWriter(file, writing => {
      holding = writing
      // paused after the current dispatch, as FramedStream does: resume() hands over what
      // it buffered and only then reopens yamux's window, undoing a pause made inside it
      // (the muxer then grants window while nothing is read, and the stream is aborted
      // once its read buffer passes maxReadBufferBytes: the sender's "Cannot write to a
      // stream that is closed", at 1 GiB, whenever the disk was slow)
      if (writing) queueMicrotask(() => { if (holding && stream.readStatus === 'readable') stream.pause() })
      else if (stream.readStatus === 'paused') stream.resume()
    }, ended.reject)
    stream.addEventListener('message', (evt) => writer.add(evt.data))
    stream.addEventListener('end', () => ended.resolve())
    stream.addEventListener('close', (evt) => {
      if (evt.error != null) ended.reject(evt.error)
      else ended.resolve()
    })
    await ended.promise
    const result = await writer.finish()
    await stream.close()
    return result
  } finally {
    await file.close()
  }
}

/** writev may write less than asked; loop until every byte is at its offset */
async function writeFully (file: FileHandle, bufs: Uint8Array[], position: number): Promise<void> {
  let rest = bufs
  while (rest.length > 0) {
    let { bytesWritten } = await file.writev(rest, position)
    position += bytesWritten
    const left: Uint8Array[] = []
    for (const buf of rest) {
      if (bytesWritten >= buf.byteLength) bytesWritten -= buf.byteLength
      else {
        left.push(buf.subarray(bytesWritten))
        bytesWritten = 0
      }
    }
    rest = left
  }
}

async function sender (path: string): Promise<void> {
  const node = await createRawNode([])
  try {
    send({ type: 'ready' })
    const msg = await receive()
    if (msg.type !== 'send') throw new Error(`sender expected 'send', got '${msg.type}'`)
    const file = await open(path, 'r')
    try {
      const size = (await file.stat()).size
      await phase.start()
      const startedAt = now()
      const stream = await node.dialProtocol(multiaddr(msg.addr), RAW_PROTOCOL)
      for (let offset = 0; offset < size; offset += PIECE) {
        // a fresh buffer each time: send() keeps a reference until the bytes are written
        const buf = Buffer.allocUnsafe(Math.min(PIECE, size - offset))
        const { bytesRead } = await file.read(buf, 0, buf.byteLength, offset)
        if (bytesRead !== buf.byteLength) throw new Error(`short read at offset ${offset}`)
        if (!stream.send(buf)) await drained(stream)
      }
      await stream.close()
      await phase.stop()
      send({ type: 'sent', startedAt })
    } finally {
      await file.close()
    }
    await waitForStop()
  } finally {
    await node.stop()
  }
}

async function netReceiver (output: string): Promise<void> {
  const result = deferred<{ bytes: number, sha256: string }>()
  const server = createServer({ noDelay: true }, (socket) => {
    server.close()
    socketInto(socket, output).then(result.resolve, result.reject)
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  if (address == null || typeof address === 'string') throw new Error('net receiver has no TCP address')
  await phase.start()
  send({ type: 'ready', addr: `127.0.0.1:${address.port}` })
  const { bytes, sha256 } = await result.promise
  const finishedAt = now()
  await phase.stop()
  send({ type: 'done', finishedAt, bytes, sha256, peakRss: rss.stop(), atPeak: rss.atPeak })
  await waitForStop()
}

async function socketInto (socket: Socket, output: string): Promise<{ bytes: number, sha256: string }> {
  const file = await open(output, 'wx')
  try {
    const ended = deferred<void>()
    const writer = new HashingWriter(file, writing => {
      if (writing) socket.pause()
      else socket.resume()
    }, ended.reject)
    socket.on('data', (data: Buffer) => writer.add(data))
    socket.once('end', () => ended.resolve())
    socket.once('error', ended.reject)
    await ended.promise
    const result = await writer.finish()
    socket.end()
    return result
  } finally {
    await file.close()
  }
}

async function netSender (path: string): Promise<void> {
  send({ type: 'ready' })
  const msg = await receive()
  if (msg.type !== 'send') throw new Error(`net sender expected 'send', got '${msg.type}'`)
  const [host, port] = msg.addr.split(':')
  const file = await open(path, 'r')
  try {
    const size = (await file.stat()).size
    await phase.start()
    const startedAt = now()
    const socket = connect({ host, port: Number(port), noDelay: true })
    await once(socket, 'connect')
    for (let offset = 0; offset < size; offset += PIECE) {
      const buf = Buffer.allocUnsafe(Math.min(PIECE, size - offset))
      const { bytesRead } = await file.read(buf, 0, buf.byteLength, offset)
      if (bytesRead !== buf.byteLength) throw new Error(`short read at offset ${offset}`)
      if (!socket.write(buf)) await once(socket, 'drain')
    }
    socket.end()
    await once(socket, 'finish')
    await phase.stop()
    send({ type: 'sent', startedAt })
    socket.destroy()
  } finally {
    await file.close()
  }
  await waitForStop()
}

/** Promise.withResolvers, which the ES2023 lib the project targets does not declare */
function deferred<T> (): { promise: Promise<T>, resolve: (value: T) => void, reject: (err: Error) => void } {
  let resolve!: (value: T) => void
  let reject!: (err: Error) => void
  const promise = new Promise<T>((res, rej) => { resolve = res; reject = rej })
  return { promise, resolve, reject }
}

async function waitForStop (): Promise<void> {
  const msg = await receive()
  if (msg.type !== 'stop') throw new Error(`expected 'stop', got '${msg.type}'`)
}
