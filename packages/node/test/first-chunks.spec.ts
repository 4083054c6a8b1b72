/**
 * Exchange 1.1.0's start without waiting: the Want goes out right behind the protocol
 * proposal (lazy multistream-select), and carries the first chunk requests (Want.first),
 * so a source's first chunk comes two round trips sooner. Real libp2p nodes on 127.0.0.1;
 * a node that speaks only 1.0.0 (an older peer) is still fetched from.
 */
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p, Stream } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { EXCHANGE_PROTOCOL, EXCHANGE_PROTOCOL_1_0, MAX_MESSAGE_BYTES, type Message, decodeMessage, encodeMessage, isChunkFrame, decodeChunkFrame, parseFileId } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { fromString } from 'uint8arrays/from-string'
import { toString as textOf } from 'uint8arrays/to-string'
import { FetchSession, type FetchSessionComponents } from '../src/exchange/fetch-session.js'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { PeershareNode } from '../src/index.js'
import { confirmLazy, isLazy, LAZY_SELECT, lazySelectMuxer, proposeLazily } from '../src/transports/index.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir } from './fixtures.js'

const CHUNK = 64 * 1024
const ECHO = '/test/echo/1.0.0'

async function lazyPeer (): Promise<Libp2p> {
  const factory = yamux()
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [() => lazySelectMuxer(factory())]
  })
}

function framed (stream: Stream): FramedStream {
  return new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark: 1 << 22 })
}

describe('lazy multistream-select (real libp2p nodes on 127.0.0.1)', function () {
  this.timeout(60_000)
  let server: Libp2p
  let client: Libp2p

  before(async () => {
    server = await lazyPeer()
    client = await lazyPeer()
    // echoes the first message it reads: it was sent before the protocol was confirmed
    await server.handle(ECHO, async (stream) => {
      const channel = framed(stream)
      const msg = await channel.read({ signal: AbortSignal.timeout(10_000) })
      if (msg != null) await channel.write(msg.subarray())
      await stream.close()
    })
  })

  after(async () => {
    await client?.stop()
    await server?.stop()
  })

  it('sends the first message behind the proposal, and the handler reads it', async () => {
    const connection = await client.dial(server.getMultiaddrs()[0])
    const stream = await connection.newStream(ECHO, { [LAZY_SELECT]: true } as any)
    assert.equal(isLazy(stream), true)
    const channel = framed(stream)
    proposeLazily(stream, channel)
    await channel.write(fromString('before any answer'))
    await confirmLazy(stream, channel, { signal: AbortSignal.timeout(10_000) })
    const echo = await channel.read({ signal: AbortSignal.timeout(10_000) })
    assert.equal(echo == null ? null : textOf(echo.subarray()), 'before any answer')
    assert.equal(isLazy(stream), false, 'confirmed once')
  })

  it('a protocol the peer does not speak fails with UnsupportedProtocolError when the answer is read', async () => {
    const connection = await client.dial(server.getMultiaddrs()[0])
    const stream = await connection.newStream('/test/none/1.0.0', { [LAZY_SELECT]: true } as any)
    const channel = framed(stream)
    proposeLazily(stream, channel)
    await channel.write(fromString('lost'))
    await assert.rejects(confirmLazy(stream, channel, { signal: AbortSignal.timeout(10_000) }), { name: 'UnsupportedProtocolError' })
  })

  it('a stream opened without the option is negotiated by libp2p as usual', async () => {
    const connection = await client.dial(server.getMultiaddrs()[0])
    const stream = await connection.newStream(ECHO)
    assert.equal(isLazy(stream), false)
    const channel = framed(stream)
    proposeLazily(stream, channel)
    await channel.write(fromString('plain'))
    await confirmLazy(stream, channel)
    const echo = await channel.read({ signal: AbortSignal.timeout(10_000) })
    assert.equal(echo == null ? null : textOf(echo.subarray()), 'plain')
  })
})

describe('Want.first: chunks asked for with the Want (real nodes on 127.0.0.1)', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode
  let getter: PeershareNode
  let raw: Libp2p
  let fileId: string
  let source: string

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'), { chunkSize: CHUNK })
    getter = await startTestNode(join(dir.path, 'getter'))
    raw = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    source = await randomFile(dir.path, 'f.bin', 6 * CHUNK)
    fileId = (await sharer.share(source)).fileId
  })

  after(async () => {
    await raw?.stop()
    await getter?.stop()
    await sharer?.stop()
    await dir?.cleanup()
  })

  function components (): FetchSessionComponents {
    return { libp2p: getter.libp2p, limits: { requestTimeout: 10_000, readHighWaterMark: 1 << 22, compression: false }, dialTimeout: 10_000 }
  }

  it('a provider sends the Want\'s first chunks after its Offer, no Request needed, and drops those beyond the file', async () => {
    const stream = await raw.dialProtocol(multiaddr(dialAddress(sharer)), EXCHANGE_PROTOCOL)
    assert.equal(stream.protocol, EXCHANGE_PROTOCOL)
    const channel = framed(stream)
    await channel.write(encodeMessage({ type: 'want', fileId: parseFileId(fileId), first: { chunks: [4, 1, 99], priority: 'normal' } }))
    const messages: Array<Message | { type: 'chunk-frame', index: number }> = []
    while (messages.length < 3) {
      const frame = await channel.read({ signal: AbortSignal.timeout(10_000) })
      assert.ok(frame != null, 'the provider answers')
      if (isChunkFrame(frame)) messages.push({ type: 'chunk-frame', index: decodeChunkFrame(frame)?.index ?? -1 })
      else messages.push(decodeMessage(frame))
    }
    assert.deepEqual(messages.map(m => m.type), ['offer', 'chunk-frame', 'chunk-frame'])
    assert.deepEqual(messages.slice(1).map(m => (m as { index: number }).index), [4, 1], 'in the order asked, 99 (beyond the file) dropped')
    // the session goes on: chunk 99 was no error
    await channel.write(encodeMessage({ type: 'request', chunks: [0], priority: 'normal' }))
    const next = await channel.read({ signal: AbortSignal.timeout(10_000) })
    assert.ok(next != null && isChunkFrame(next), 'a chunk, not a Failure')
    assert.equal(decodeChunkFrame(next)?.index, 0)
    stream.abort(new Error('test done'))
  })

  it('a session opened by the getter carries its first chunks, queued by the provider', async () => {
    const session = await FetchSession.open(components(), multiaddr(dialAddress(sharer)), { kind: 'file-id', fileId: parseFileId(fileId) }, undefined,
      async () => ({ chunks: [0, 5], priority: 'normal' }))
    try {
      assert.equal(session.first?.queued, true)
      assert.deepEqual(session.first?.chunks, [0, 5])
      const bytes = await readFile(source)
      for (const index of [0, 5]) {
        // no request() was made: they come because the Want asked for them
        const event = await session.nextEvent(AbortSignal.timeout(10_000))
        assert.equal(event.type, 'chunk')
        assert.equal(event.type === 'chunk' && event.index, index)
        const data = event.type === 'chunk' ? event.data.subarray() : new Uint8Array()
        assert.deepEqual(Buffer.from(data), bytes.subarray(index * CHUNK, (index + 1) * CHUNK))
      }
    } finally {
      await session.complete()
    }
  })

  describe('a provider that speaks only exchange 1.0.0 (an older peer)', () => {
    let old: PeershareNode
    let oldFileId: string

    before(async () => {
      old = await startTestNode(join(dir.path, 'old'), { chunkSize: CHUNK })
      oldFileId = (await old.share(await randomFile(dir.path, 'old.bin', 5 * CHUNK))).fileId
      await old.libp2p.unhandle(EXCHANGE_PROTOCOL)
    })

    after(async () => {
      await old?.stop()
    })

    it('is asked again on 1.0.0: the session opens, and the chunks claimed are left for the worker to ask for', async () => {
      const session = await FetchSession.open(components(), multiaddr(dialAddress(old)), { kind: 'file-id', fileId: parseFileId(oldFileId) }, undefined,
        async () => ({ chunks: [2], priority: 'normal' }))
      try {
        assert.deepEqual(session.first, { chunks: [2], sentAt: session.first?.sentAt, queued: false })
        await session.request([2])
        const event = await session.nextEvent(AbortSignal.timeout(10_000))
        assert.equal(event.type === 'chunk' && event.index, 2)
      } finally {
        await session.complete()
      }
      assert.equal(old.libp2p.getProtocols().includes(EXCHANGE_PROTOCOL_1_0), true)
    })

    it('a download from it and from a 1.1.0 provider completes byte for byte', async () => {
      const oldSource = join(dir.path, 'old.bin')
      await sharer.share(oldSource)
      const out = join(dir.path, 'both.bin')
      await getter.get(oldFileId, { from: multiaddr(dialAddress(old)), peers: [dialAddress(sharer)], output: out })
      assert.deepEqual(await readFile(out), await readFile(oldSource))
    })
  })
})
