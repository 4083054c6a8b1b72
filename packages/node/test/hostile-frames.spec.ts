/**
 * Cut-off, oversized and out-of-range frames, in both directions, between real nodes
 * over TCP. Request timeouts are set to ten minutes, so a missed end of stream or a
 * frame waited for would time the test out instead of passing late.
 */
import assert from 'node:assert/strict'
import { stat } from 'node:fs/promises'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES, type Message, decodeMessage, encodeMessage, parseFileId, sha256Cid } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { PeershareNode } from '../src/index.js'
import { randomFile, startTestNode, tempDir, type TestDir, until } from './fixtures.js'
import { type RawReply, startHostileProvider } from './hostile-provider.js'

const TEN_MINUTES = 600_000

/** A protobuf varint of any unsigned value (up to the 10 bytes of a 64-bit one) */
function varint (value: bigint): number[] {
  const out: number[] = []
  let v = value
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80)
    v >>= 7n
  }
  out.push(Number(v))
  return out
}

/** A whole frame: length prefix, then an ExchangeMessage holding sub-message `field` with bytes `inner` */
function frame (field: number, inner: number[]): Uint8Array {
  const body = [(field << 3) | 2, ...varint(BigInt(inner.length)), ...inner]
  return Uint8Array.from([...varint(BigInt(body.length)), ...body])
}

const OUT_OF_RANGE: Array<[string, bigint]> = [['2^32', 2n ** 32n], ['2^53 + 1', 2n ** 53n + 1n], ['-1 (10 bytes)', 2n ** 64n - 1n]]
const JUNK_LENGTH = 34n * 1024n * 1024n

describe('hostile frames: a provider reading a downloader', function () {
  this.timeout(60_000)
  let dir: TestDir
  let server: PeershareNode
  let client: Libp2p
  let fileId: string

  before(async () => {
    dir = await tempDir()
    server = await startTestNode(join(dir.path, 'server'), {
      chunkSize: 64 * 1024,
      exchange: { requestTimeout: TEN_MINUTES, sessionIdleTimeout: TEN_MINUTES }
    })
    client = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    fileId = (await server.share(await randomFile(dir.path, 'f.bin', 4 * 64 * 1024))).fileId
  })

  after(async () => {
    await client?.stop()
    await server?.stop()
    await dir?.cleanup()
  })

  async function open (): Promise<FramedStream> {
    const stream = await client.dialProtocol(server.addresses[0], EXCHANGE_PROTOCOL)
    return new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark: 1 << 22 })
  }

  async function next (framed: FramedStream): Promise<Message | null> {
    const got = await framed.read()
    return got == null ? null : decodeMessage(got)
  }

  async function offered (): Promise<FramedStream> {
    const framed = await open()
    await framed.write(encodeMessage({ type: 'want', fileId: parseFileId(fileId) }))
    assert.equal((await next(framed))?.type, 'offer')
    return framed
  }

  /** The session ends with Failure bad-request and nothing else, and the provider holds no session */
  async function expectBadRequest (framed: FramedStream): Promise<void> {
    const msg = await next(framed)
    assert.equal(msg?.type, 'failure')
    assert.equal((msg as Extract<Message, { type: 'failure' }>).code, 'bad-request')
    await until(() => server.exchange.stats().sessions === 0)
  }

  it('sees the end of stream after half a length prefix, sent at once with the stream', async () => {
    const framed = await open()
    framed.stream.send(Uint8Array.of(0x80))
    await framed.stream.close()
    await expectBadRequest(framed)
  })

  it('sees the end of stream 63 bytes short of a 100-byte message', async () => {
    const framed = await offered()
    framed.stream.send(Uint8Array.from([100, ...new Uint8Array(37)]))
    await framed.stream.close()
    await expectBadRequest(framed)
  })

  it('ends the session at the length prefix of a 34 MiB message, without waiting for its body', async () => {
    const framed = await offered()
    framed.stream.send(Uint8Array.from(varint(JUNK_LENGTH)))
    await expectBadRequest(framed)
  })

  it('refuses a Want naming something that is not a file id (another codec, a short hash)', async () => {
    for (const bad of [sha256Cid(new Uint8Array(32)).bytes, Uint8Array.of(0x01, 0x55, 0x12, 0x04, 1, 2, 3, 4)]) {
      const framed = await open()
      framed.stream.send(frame(1, [0x0a, bad.byteLength, ...bad]))
      await expectBadRequest(framed)
    }
  })

  it('answers another version of the protocol with "protocol not supported": no handler runs', async () => {
    await assert.rejects(client.dialProtocol(server.addresses[0], '/peershare/exchange/99.0.0'), { name: 'UnsupportedProtocolError' })
    assert.equal(server.exchange.stats().sessions, 0)
  })

  for (const [what, value] of OUT_OF_RANGE) {
    it(`refuses a Request for chunk ${what} and serves nothing (not chunk 0)`, async () => {
      const framed = await offered()
      framed.stream.send(frame(3, [0x08, ...varint(value)]))
      await expectBadRequest(framed)
    })
  }
})

describe('hostile frames: a downloader reading a provider', function () {
  this.timeout(60_000)
  let dir: TestDir
  let honest: PeershareNode
  let getter: PeershareNode
  let hostile: Libp2p | undefined
  let fileId: string

  before(async () => {
    dir = await tempDir()
    honest = await startTestNode(join(dir.path, 'honest'))
    getter = await startTestNode(join(dir.path, 'getter'), { exchange: { requestTimeout: TEN_MINUTES } })
    fileId = (await honest.share(await randomFile(dir.path, 'src.bin', 3 * 1024 * 1024))).fileId
  })

  afterEach(async () => {
    await hostile?.stop()
    hostile = undefined
  })

  after(async () => {
    await getter?.stop()
    await honest?.stop()
    await dir?.cleanup()
  })

  /** Downloads from the hostile provider alone: it must be banned (not waited on), and nothing written */
  async function expectBanned (reply: RawReply, name: string): Promise<void> {
    hostile = await startHostileProvider((await honest.store.get(fileId))!, reply)
    const out = join(dir.path, 'out', name)
    const transfer = await getter.download(fileId, { from: hostile.getMultiaddrs()[0], output: out })
    await until(() => transfer.progress().banned.includes(hostile!.peerId.toString()), 30_000)
    assert.equal(transfer.progress().bytesDone, 0)
    await assert.rejects(stat(out), { code: 'ENOENT' })
    await getter.transfers.cancel(fileId)
  }

  it('bans a provider that ends its stream after half a length prefix', async () => {
    await expectBanned({ bytes: Uint8Array.of(0x80), close: true }, 'half-prefix.bin')
  })

  it('bans a provider that ends its stream 63 bytes short of a 100-byte message', async () => {
    await expectBanned({ bytes: Uint8Array.from([100, ...new Uint8Array(37)]), close: true }, 'short.bin')
  })

  it('bans a provider that announces a 34 MiB message after its Offer, at the length prefix', async () => {
    // the body never comes: a downloader waiting for it would hang for ten minutes
    await expectBanned({ bytes: Uint8Array.from([...varint(JUNK_LENGTH), 1, 2, 3]), close: false }, 'junk.bin')
  })

  it('bans a provider that sends chunks nobody asked for, storing none of them', async () => {
    const unrequested = frame(4, [0x08, 0x07, 0x1a, 0x01, 0xaa]) // the file has 3 chunks: 7 is never requested
    await expectBanned({ bytes: Uint8Array.from([...unrequested, ...unrequested, ...unrequested]), close: false }, 'unrequested.bin')
  })

  for (const [what, value] of OUT_OF_RANGE) {
    it(`bans a provider that sends chunk ${what} or announces it with Have`, async () => {
      await expectBanned({ bytes: frame(4, [0x08, ...varint(value), 0x1a, 0x01, 0xaa]), close: false }, 'chunk.bin')
      await expectBanned({ bytes: frame(10, [0x08, ...varint(value)]), close: false }, 'have.bin')
    })
  }
})
