import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Socket } from 'node:net'
import { yamux } from '@chainsafe/libp2p-yamux'
import { tcp } from '@libp2p/tcp'
import { createLibp2p } from 'libp2p'
import { peershareNoise } from '../src/transports/index.js'
import { sha256OfArrival } from './fixtures.js'

type Node = Awaited<ReturnType<typeof createLibp2p>>

const ECHO_PROTOCOL = '/test/echo/1'
const SINK_PROTOCOL = '/test/sink/1'

/** Counts buffers handed to node:net sockets (`write`) and the flushes that sent them to the kernel (`_write` one, `_writev` several) */
function countSocketWrites (): { writes: number, flushes: number, batched: number, restore: () => void } {
  const proto = Socket.prototype as unknown as Record<'write' | '_write' | '_writev', (...args: unknown[]) => unknown>
  const original = { write: proto.write, _write: proto._write, _writev: proto._writev }
  const counts = { writes: 0, flushes: 0, batched: 0, restore: () => { Object.assign(proto, original) } }
  proto.write = function (this: Socket, ...args: unknown[]) { counts.writes++; return original.write.apply(this, args) }
  proto._write = function (this: Socket, ...args: unknown[]) { counts.flushes++; return original._write.apply(this, args) }
  proto._writev = function (this: Socket, ...args: unknown[]) { counts.flushes++; counts.batched++; return original._writev.apply(this, args) }
  return counts
}

describe('TCP writes in bursts: frames written in one tick go out together (real TCP on 127.0.0.1)', function () {
  this.timeout(60_000)
  let listener: Node
  let dialer: Node

  before(async () => {
    const node = async (listen: string[]): Promise<Node> => createLibp2p({ addresses: { listen }, transports: [tcp()], connectionEncrypters: [peershareNoise()], streamMuxers: [yamux()] })
    listener = await node(['/ip4/127.0.0.1/tcp/0'])
    await listener.handle(ECHO_PROTOCOL, (stream) => {
      stream.addEventListener('message', (evt) => { stream.send(evt.data) })
      stream.addEventListener('remoteCloseWrite', () => { void stream.close() })
    })
    dialer = await node([])
  })

  after(async () => {
    await dialer?.stop()
    await listener?.stop()
  })

  it('sends a stream\'s encrypted frames in fewer system calls than frames, and every byte arrives', async () => {
    const counts = countSocketWrites()
    try {
      const stream = await dialer.dialProtocol(listener.getMultiaddrs()[0], ECHO_PROTOCOL)
      const data = randomBytes(4 * 1024 * 1024)
      const back = sha256OfArrival(stream, data.byteLength)
      // 256 KiB pieces, as chunks go out: each is one yamux frame of four or five noise frames
      for (let at = 0; at < data.byteLength; at += 256 * 1024) {
        if (!stream.send(data.subarray(at, at + 256 * 1024))) await new Promise(resolve => stream.addEventListener('drain', resolve, { once: true }))
      }
      assert.equal(await back, createHash('sha256').update(data).digest('hex'))
      await stream.close()
    } finally {
      counts.restore()
    }
    assert.ok(counts.batched > 0, 'some flushes carried several frames')
    // a frame is written as two buffers (length prefix, body): 1 flush per write without corking, 2 or more with
    assert.ok(counts.flushes * 1.5 < counts.writes, `${counts.flushes} flushes for ${counts.writes} buffers written`)
  })

  it('a connection closed right after its last frames were written delivers them first', async () => {
    const data = randomBytes(300 * 1024)
    const arrived = new Promise<string>((resolve, reject) => {
      void listener.handle(SINK_PROTOCOL, (stream) => { sha256OfArrival(stream, data.byteLength).then(resolve, reject) })
    })
    const connection = await dialer.dial(listener.getMultiaddrs()[0])
    const stream = await connection.newStream(SINK_PROTOCOL)
    stream.send(data)
    // closed at once: the socket ends (which uncorks) with frames written just before
    await connection.close()
    assert.equal(await arrived, createHash('sha256').update(data).digest('hex'))
  })
})
