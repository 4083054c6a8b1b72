import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { StreamState, YamuxStream } from '@chainsafe/libp2p-yamux/stream'
import { noise } from '@chainsafe/libp2p-noise'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { EXCHANGE_PROTOCOL } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { OPENING_WINDOW_BYTES } from '../src/exchange/fetch-session.js'
import { DEFAULTS, type PeershareNode, peershareMuxer } from '../src/index.js'
import { capYamuxFrames, YAMUX_MAX_FRAME_BYTES, YAMUX_UPDATE_AFTER_BYTES } from '../src/transports/index.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir } from './fixtures.js'

const MiB = 1024 * 1024

/** Two bare libp2p nodes on 127.0.0.1 with peershare's muxer (`muxer` settings), noise-encrypted */
async function twoNodes (muxer: typeof DEFAULTS.muxer): Promise<Array<Awaited<ReturnType<typeof createLibp2p>>>> {
  return Promise.all([0, 1].map(async () => createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [peershareMuxer(muxer)]
  })))
}

describe('yamux frames (real nodes on 127.0.0.1)', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode
  let getter: PeershareNode
  const handleData = YamuxStream.prototype.handleData
  /** the largest data frame any stream of this process received */
  let largest = 0
  /** each stream's send window as its first data frame arrived: the window its opener granted it (streams first seen since the last clear) */
  const windowAtFirstData = new Map<YamuxStream, number>()
  /** every stream that has received a data frame: a stream of an earlier test is never taken as new */
  const seen = new WeakSet<YamuxStream>()
  /** the patched method, taken once the patch is in (other specs' nodes may have applied it already, or not) */
  let sendWindowUpdate: YamuxStream['sendWindowUpdate']
  /** window updates sent by a stream whose window is as large as it may grow: the share of it left unused then */
  let sentAtMax: number[] = []
  /** every window update an established stream sent: the bytes read since the last one, and whether it grew the window */
  let granted: Array<{ unreported: number, grew: boolean }> = []

  before(async () => {
    // observes the library's frames as they arrive; every frame still goes to the library
    YamuxStream.prototype.handleData = function (this: YamuxStream, frame: Parameters<YamuxStream['handleData']>[0]): void {
      largest = Math.max(largest, frame.header.length)
      if (!seen.has(this)) {
        seen.add(this)
        windowAtFirstData.set(this, (this as unknown as { sendWindowCapacity: number }).sendWindowCapacity)
      }
      handleData.call(this, frame)
    }
    // the library's private window state, read around the (patched) decision
    capYamuxFrames()
    sendWindowUpdate = YamuxStream.prototype.sendWindowUpdate
    YamuxStream.prototype.sendWindowUpdate = function (this: YamuxStream): void {
      const w = this as unknown as { state: number, recvWindow: number, recvWindowCapacity: number, maxStreamWindowSize: number }
      const atMax = w.state === StreamState.Established && w.recvWindow >= w.maxStreamWindowSize
      const left = w.recvWindowCapacity
      const unreported = w.recvWindow - left
      const window = w.recvWindow
      const established = w.state === StreamState.Established
      sendWindowUpdate.call(this)
      if (established && w.recvWindowCapacity !== left) granted.push({ unreported, grew: w.recvWindow > window })
      if (!atMax || left >= w.recvWindow) return
      if (w.recvWindowCapacity !== left) sentAtMax.push(left / w.recvWindow)
    }
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'))
    getter = await startTestNode(join(dir.path, 'getter'))
  })

  after(async () => {
    YamuxStream.prototype.handleData = handleData
    windowAtFirstData.clear()
    if (sendWindowUpdate != null) YamuxStream.prototype.sendWindowUpdate = sendWindowUpdate
    await getter?.stop()
    await sharer?.stop()
    await dir?.cleanup()
  })

  it('grant window by halves once it is at its largest: a stream read as fast as it comes', async () => {
    // the window grows by the round trip yamux measured, about 0 ms within one process: a
    // largest window of yamux's initial one has it there from the start. Data goes in
    // frames of 32 KiB, one per turn of the event loop, each leaving more than half of it
    const muxer = { ...DEFAULTS.muxer, streamWindowBytes: YAMUX_MAX_FRAME_BYTES }
    const nodes = await twoNodes(muxer)
    const [sender, receiver] = nodes
    try {
      const total = 8 * MiB
      const received = Promise.withResolvers<number>()
      await receiver.handle('/test/bulk/1', (stream) => {
        let bytes = 0
        stream.addEventListener('message', (evt) => {
          bytes += evt.data.byteLength
          if (bytes >= total) received.resolve(bytes)
        })
      })
      sentAtMax = []
      const stream = await sender.dialProtocol(receiver.getMultiaddrs()[0], '/test/bulk/1')
      const piece = new Uint8Array(32 * 1024)
      for (let sent = 0; sent < total; sent += piece.byteLength) {
        if (!stream.send(piece)) await new Promise(resolve => { stream.addEventListener('drain', resolve, { once: true }) })
        await new Promise(resolve => { setImmediate(resolve) })
      }
      assert.equal(await received.promise, total)
      // one update per 128 KiB at most (the library sent one per frame, here of 32 KiB)
      assert.ok(sentAtMax.length > 0 && sentAtMax.length <= total / (muxer.streamWindowBytes / 2) + 2, `${sentAtMax.length} window updates for ${total} bytes`)
      assert.deepEqual(sentAtMax.filter(left => left > 0.5), [], 'window updates sent with more than half the window left')
    } finally {
      await Promise.all(nodes.map(async n => n.stop()))
    }
  })

  it('small messages get no window update until YAMUX_UPDATE_AFTER_BYTES of them were read, unless it grows the window', async () => {
    const nodes = await twoNodes(DEFAULTS.muxer)
    const [sender, receiver] = nodes
    try {
      let bytes = 0
      let arrived = (): void => {}
      await receiver.handle('/test/small/1', (stream) => {
        stream.addEventListener('message', (evt) => { bytes += evt.data.byteLength; arrived() })
      })
      const stream = await sender.dialProtocol(receiver.getMultiaddrs()[0], '/test/small/1')
      const until = async (total: number): Promise<void> => {
        while (bytes < total) await new Promise<void>(resolve => { arrived = resolve })
      }
      // a DHT-sized exchange: 100 messages of 500 bytes, each its own frame
      granted = []
      for (let i = 0; i < 100; i++) {
        stream.send(new Uint8Array(500))
        await until((i + 1) * 500)
      }
      // the library sent one per message (100); only those that double the window go, at
      // most from 256 KiB to the largest window (5 for 8 MiB), while the round trip yamux measured says to
      const doublings = Math.log2(DEFAULTS.muxer.streamWindowBytes / (256 * 1024))
      const shown = (): string => granted.map(g => `${g.unreported}${g.grew ? ' (grew)' : ''}`).join(', ')
      assert.ok(granted.length <= doublings && granted.every(g => g.grew), `window updates for 50,000 bytes of small messages: ${shown()}`)
      // past the threshold the sender still never waits (every message arrives), and an
      // update that did not grow the window grants back all that was read since the last
      for (let i = 0; i < 400; i++) {
        stream.send(new Uint8Array(500))
        await until(50_000 + (i + 1) * 500)
      }
      assert.ok(granted.every(g => g.grew || g.unreported >= YAMUX_UPDATE_AFTER_BYTES), `window updates: ${shown()}`)
    } finally {
      await Promise.all(nodes.map(async n => n.stop()))
    }
  })

  it('stay within YAMUX_MAX_FRAME_BYTES once the stream window has grown to MiBs, and never grant window with more than half of it left at its largest', async () => {
    sentAtMax = []
    const source = await randomFile(dir.path, 'f.bin', 32 * MiB)
    const shared = await sharer.share(source)
    const out = join(dir.path, 'out.bin')
    await getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
    assert.deepEqual(await readFile(out), await readFile(source))
    // whole chunks went out back to back: uncapped, the library sent each window in one frame of MiBs
    assert.ok(largest > 64 * 1024, `frames seen: the largest ${largest} bytes`)
    assert.ok(largest <= YAMUX_MAX_FRAME_BYTES, `a frame of ${largest} bytes`)
    assert.deepEqual(sentAtMax.filter(left => left > 0.5), [], 'window updates sent with more than half the window left')
  })

  it('open a download stream with the window its first chunks need, so a provider sends them back to back', async () => {
    windowAtFirstData.clear()
    const source = await randomFile(dir.path, 'first.bin', 6 * MiB)
    const shared = await sharer.share(source)
    const out = join(dir.path, 'first-out.bin')
    await getter.get(shared.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
    assert.deepEqual(await readFile(out), await readFile(source))
    // the provider's end of the exchange stream: its first data frame is the Want, behind the window the downloader granted
    const provided = [...windowAtFirstData].filter(([stream]) => stream.direction === 'inbound' && stream.protocol === EXCHANGE_PROTOCOL)
    assert.equal(provided.length, 1, `exchange streams seen: ${provided.length}`)
    assert.equal(provided[0][1], OPENING_WINDOW_BYTES)
  })

  it('open a stream of another protocol with yamux\'s 256 KiB window', async () => {
    const nodes = await twoNodes(DEFAULTS.muxer)
    const [opener, receiver] = nodes
    try {
      const arrived = Promise.withResolvers<YamuxStream>()
      await receiver.handle('/test/plain/1', (stream) => {
        stream.addEventListener('message', () => { arrived.resolve(stream as unknown as YamuxStream) }, { once: true })
      })
      windowAtFirstData.clear()
      const stream = await opener.dialProtocol(receiver.getMultiaddrs()[0], '/test/plain/1')
      stream.send(new Uint8Array(100))
      const inbound = await arrived.promise
      assert.equal(windowAtFirstData.get(inbound), 256 * 1024)
    } finally {
      await Promise.all(nodes.map(async n => n.stop()))
    }
  })
})
