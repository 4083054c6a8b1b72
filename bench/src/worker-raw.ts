/**
 * The baseline: a plain libp2p node (TCP + noise + yamux, with peershare's muxer
 * settings) in its own process, moving the file over ONE raw stream. Roles:
 *   receiver <output>  handles RAW_PROTOCOL: hashes, writes at offsets, fsyncs, reports
 *   sender <file>      on 'send', dials RAW_PROTOCOL and pushes the file in 1 MiB pieces
 * The time is from the sender's dial to the receiver's synced file (same clock).
 */
import { createHash } from 'node:crypto'
import { type FileHandle, open } from 'node:fs/promises'
import { noise } from '@chainsafe/libp2p-noise'
import type { Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { DEFAULTS, drained, peershareMuxer } from '@peershare/node'
import { createLibp2p } from 'libp2p'
import { Uint8ArrayList } from 'uint8arraylist'
import { PIECE, RAW_PROTOCOL } from './protocol.js'
import { phase, RssSampler, now, receive, runWorker, send } from './worker-ipc.js'

const rss = new RssSampler()

async function createRawNode (listen: string[]) {
  return createLibp2p({
    addresses: { listen },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    // the very muxer settings peershare uses (packages/node/src/libp2p.ts)
    streamMuxers: [peershareMuxer(DEFAULTS.muxer)]
  })
}

runWorker(async ([role, path]) => {
  if (role === 'receiver') await receiver(path)
  else if (role === 'sender') await sender(path)
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
    send({ type: 'done', finishedAt, bytes, sha256, peakRss: rss.stop() })
    await waitForStop()
  } finally {
    await node.stop()
  }
}

/**
 * Hashes bytes as they arrive and writes them in ~1 MiB positional writes. While a
 * write is in flight the stream is paused, so yamux stops granting window and the
 * sender is held back (the same backpressure peershare's FramedStream applies).
 */
async function receiveInto (stream: Stream, output: string): Promise<{ bytes: number, sha256: string }> {
  const file = await open(output, 'wx')
  try {
    const hash = createHash('sha256')
    let pending = new Uint8ArrayList()
    let position = 0
    let writes = Promise.resolve()
    const ended = deferred<void>()

    const flush = (): void => {
      const bufs = [...pending]
      const at = position
      position += pending.byteLength
      pending = new Uint8ArrayList()
      if (stream.readStatus === 'readable') stream.pause()
      writes = writes.then(async () => {
        await writeFully(file, bufs, at)
        if (stream.readStatus === 'paused') stream.resume()
      })
      writes.catch(ended.reject)
    }

    stream.addEventListener('message', (evt) => {
      if (evt.data instanceof Uint8Array) hash.update(evt.data)
      else for (const buf of evt.data) hash.update(buf)
      pending.append(evt.data)
      if (pending.byteLength >= PIECE) flush()
    })
    stream.addEventListener('end', () => ended.resolve())
    stream.addEventListener('close', (evt) => {
      if (evt.error != null) ended.reject(evt.error)
      else ended.resolve()
    })

    await ended.promise
    flush()
    await writes
    await file.sync()
    await stream.close()
    return { bytes: position, sha256: hash.digest('hex') }
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
