import assert from 'node:assert/strict'
import { copyFile, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { chunkLength, chunkOffset, EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES, type Message, decodeMessage, encodeMessage, parseFileId, partRange } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { NodeInit, PeershareNode } from '../src/index.js'
import { startLyingPeer } from './lying-peer.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const MiB = 1024 * 1024

/** Downloads whose last chunks come in parts from several sources, over real TCP between real nodes */
describe('parts of chunks in the tail of a multi-source download', function () {
  this.timeout(180_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []
  let extra: Libp2p | undefined

  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => {
    await extra?.stop()
    extra = undefined
    await Promise.allSettled(nodes.splice(0).map(async n => n.stop()))
    await dir.cleanup()
  })

  async function node (name: string, init: NodeInit = {}): Promise<PeershareNode> {
    const n = await startTestNode(join(dir.path, name), init)
    nodes.push(n)
    return n
  }

  /** `count` nodes sharing one random file of `size` bytes */
  async function sharers (count: number, size: number): Promise<{ sources: PeershareNode[], fileId: string, src: string }> {
    const src = await randomFile(dir.path, 'src.bin', size)
    const sources: PeershareNode[] = []
    let fileId = ''
    for (let i = 0; i < count; i++) {
      const source = await node(`source-${i}`)
      const copy = join(dir.path, `copy-${i}.bin`)
      await copyFile(src, copy)
      fileId = (await source.share(copy)).fileId
      sources.push(source)
    }
    return { sources, fileId, src }
  }

  const partsSent = (n: PeershareNode): number => n.exchange.stats().wire.parts

  it('fetches the last chunks in parts and joins them into the exact file, every byte credited once', async () => {
    // paced like a real link, so that both sources are busy when the tail comes
    const { sources, fileId, src } = await sharers(2, 16 * MiB)
    for (const s of sources) s.bandwidth.setLimits({ upload: 4 * MiB })
    const getter = await node('getter')
    const out = join(dir.path, 'out.bin')
    const transfer = await getter.download(fileId, { peers: sources.map(s => s.addresses[0].toString()), output: out })
    await transfer.done()
    assert.equal(await sha256File(out), await sha256File(src))
    // a session's figures are added up as it ends; which source sent how many parts is the race's
    const sent = (): number => sources.reduce((sum, s) => sum + partsSent(s), 0)
    await until(() => sent() >= 4, 30_000, 'at least one chunk in parts')
    const credited = transfer.progress().sourceStats.reduce((sum, s) => sum + s.bytes, 0)
    assert.equal(credited, 16 * MiB, 'every byte is credited to the source that sent it, once')
  })

  it('bans a source of bad parts and still writes the exact file', async () => {
    // both sources paced, so that both are busy when the tail comes (an unpaced liar on
    // 127.0.0.1 fetched the whole file alone before the other's session was open); the
    // liar twice as fast, so that it takes most of the tail's parts and its copy of a part
    // comes first: some join holds a part of it
    const { sources, fileId, src } = await sharers(1, 24 * MiB)
    const [honest] = sources
    honest.bandwidth.setLimits({ upload: 4 * MiB })
    const stored = (await honest.store.get(fileId))!
    const bytes = await readFile(src)
    const chunks = stored.manifest.chunkHashes.map((_, i) => bytes.subarray(chunkOffset(stored.manifest, i), chunkOffset(stored.manifest, i) + chunkLength(stored.manifest, i)))
    extra = await startLyingPeer(stored, chunks, { kind: 'corrupt-parts', bytesPerSecond: 8 * MiB })
    // one strike bans: a join with every part from the liar (a strike at once), or with
    // honest parts too (a strike once a whole copy verifies and the parts are compared with
    // it: part-assembly.ts, whose spec covers that comparison on its own)
    const getter = await node('getter', { transfer: { maxStrikes: 1 } })
    const out = join(dir.path, 'out.bin')
    const transfer = await getter.download(fileId, { from: extra.getMultiaddrs()[0], peers: [honest.addresses[0].toString()], output: out })
    await transfer.done()
    assert.equal(await sha256File(out), await sha256File(src))
    assert.deepEqual(transfer.progress().banned, [extra.peerId.toString()], 'the liar was found out and banned, the honest source not')
  })
})

/** A provider's side of parts, against a raw peer speaking the exchange protocol with the real codecs */
describe('a provider serving parts of chunks', function () {
  this.timeout(120_000)
  let dir: TestDir
  let node: PeershareNode
  let peer: Libp2p
  let fileId: string
  let bytes: Buffer

  before(async () => {
    dir = await tempDir()
    node = await startTestNode(join(dir.path, 'provider'))
    const src = await randomFile(dir.path, 'src.bin', 3 * MiB)
    fileId = (await node.share(src)).fileId
    bytes = await readFile(src)
    peer = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
  })
  after(async () => {
    await peer?.stop()
    await node?.stop()
    await dir?.cleanup()
  })

  async function session (parts: boolean): Promise<{ framed: FramedStream, offer: Extract<Message, { type: 'offer' }> }> {
    const stream = await peer.dialProtocol(multiaddr(dialAddress(node)), EXCHANGE_PROTOCOL)
    const framed = new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark: 1 << 30 })
    await framed.write(encodeMessage({ type: 'want', fileId: parseFileId(fileId), accept: ['zstd'], ...(parts ? { parts } : {}) }))
    const offer = await next(framed)
    assert.ok(offer?.type === 'offer')
    return { framed, offer }
  }

  async function next (framed: FramedStream): Promise<Message | null> {
    const frame = await framed.read({ signal: AbortSignal.timeout(20_000) })
    return frame == null ? null : decodeMessage(frame)
  }

  const manifest = { size: 3 * MiB, chunkSize: MiB }

  it('offers parts only to a Want that reads the flag, and refuses a part after an Offer without it', async () => {
    const { framed, offer } = await session(false)
    assert.equal(offer.parts, undefined)
    await framed.write(encodeMessage({ type: 'request', chunks: [0], priority: 'normal', part: partRange(manifest, 0, 1) }))
    const answer = await next(framed)
    assert.ok(answer?.type === 'failure')
    assert.equal(answer.code, 'bad-request')
  })

  it('sends a part as its bytes of the chunk, drops a cancelled part alone, and refuses a range that is not a part', async () => {
    const { framed, offer } = await session(true)
    assert.equal(offer.parts, true)
    // paused, so that nothing is read or sent before the Cancel is in
    await framed.write(encodeMessage({ type: 'pause' }))
    for (let part = 0; part < 4; part++) await framed.write(encodeMessage({ type: 'request', chunks: [1], priority: 'normal', part: partRange(manifest, 1, part) }))
    await framed.write(encodeMessage({ type: 'cancel', chunks: [1], part: partRange(manifest, 1, 2) }))
    await framed.write(encodeMessage({ type: 'resume' }))
    for (const part of [0, 1, 3]) {
      const chunk = await next(framed)
      assert.ok(chunk?.type === 'chunk')
      const { offset, length } = partRange(manifest, 1, part)
      assert.equal(chunk.index, 1)
      assert.equal(chunk.offset, offset)
      assert.deepEqual(Buffer.from(chunk.data), bytes.subarray(MiB + offset, MiB + offset + length))
    }
    // a byte of a chunk is not one of its parts: a peer may not make us read a chunk per byte
    await framed.write(encodeMessage({ type: 'request', chunks: [2], priority: 'normal', part: { offset: 0, length: 1 } }))
    const answer = await next(framed)
    assert.ok(answer?.type === 'failure', `got ${answer?.type}`)
    assert.equal(answer.code, 'bad-request')
  })
})
