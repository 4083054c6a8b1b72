import assert from 'node:assert/strict'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import type { Libp2p } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { EXCHANGE_PROTOCOL, MAX_MESSAGE_BYTES, decodeMessage, encodeMessage, parseFileId, type Message } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import { FramedStream } from '../src/exchange/framed-stream.js'
import type { PeershareNode } from '../src/index.js'
import { randomFile, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

describe('exchange server limits and controls (raw client against a real node)', function () {
  this.timeout(60_000)
  let dir: TestDir
  let server: PeershareNode
  let client: Libp2p
  let fileId: string

  before(async () => {
    dir = await tempDir()
    server = await startTestNode(join(dir.path, 'server'), {
      chunkSize: 64 * 1024,
      exchange: { requestTimeout: 500, sessionIdleTimeout: 800, maxSessions: 2, idleEvictAfter: 60_000 }
    })
    client = await createLibp2p({ transports: [tcp()], connectionEncrypters: [noise()], streamMuxers: [yamux()] })
    const src = await randomFile(dir.path, 'f.bin', 10 * 64 * 1024)
    fileId = (await server.share(src)).fileId
  })

  after(async () => {
    await client?.stop()
    await server?.stop()
    await dir?.cleanup()
  })

  async function open (node: PeershareNode = server, highWaterMark = 1 << 22): Promise<FramedStream> {
    const stream = await client.dialProtocol(node.addresses[0], EXCHANGE_PROTOCOL)
    return new FramedStream(stream, { maxMessageBytes: MAX_MESSAGE_BYTES, highWaterMark })
  }

  async function send (framed: FramedStream, msg: Message): Promise<void> {
    await framed.write(encodeMessage(msg))
  }

  async function next (framed: FramedStream, timeoutMs = 5000): Promise<Message | null> {
    const frame = await framed.read({ signal: AbortSignal.timeout(timeoutMs) })
    return frame == null ? null : decodeMessage(frame)
  }

  /** A session for `id` on `node` (the shared server's file by default), its Offer read */
  async function session (node: PeershareNode = server, id = fileId, highWaterMark?: number): Promise<FramedStream> {
    const framed = await open(node, highWaterMark)
    await send(framed, { type: 'want', fileId: parseFileId(id) })
    assert.equal((await next(framed))?.type, 'offer')
    return framed
  }

  async function expectFailure (framed: FramedStream, code: string): Promise<void> {
    const msg = await next(framed)
    assert.equal(msg?.type, 'failure')
    assert.equal((msg as Extract<Message, { type: 'failure' }>).code, code)
  }

  async function chunkIndices (framed: FramedStream, count: number, timeoutMs?: number): Promise<number[]> {
    const got: number[] = []
    for (let i = 0; i < count; i++) {
      const msg = await next(framed, timeoutMs)
      assert.equal(msg?.type, 'chunk')
      got.push((msg as Extract<Message, { type: 'chunk' }>).index)
    }
    return got
  }

  it('answers garbage with a bad-request failure and keeps serving', async () => {
    const framed = await open()
    await framed.write(Uint8Array.from([0xff, 0xff, 0xff, 0x0f, 0x99]))
    await expectFailure(framed, 'bad-request')
    const ok = await session()
    await send(ok, { type: 'request', chunks: [0], priority: 'normal' })
    assert.deepEqual(await chunkIndices(ok, 1), [0])
    await send(ok, { type: 'complete' })
  })

  it('answers a Want for an unknown file with not-found', async () => {
    const framed = await open()
    await send(framed, { type: 'want', sha256: new Uint8Array(32) })
    await expectFailure(framed, 'not-found')
  })

  it('rejects a request for a chunk index beyond the file', async () => {
    const framed = await session()
    await send(framed, { type: 'request', chunks: [10], priority: 'normal' })
    await expectFailure(framed, 'bad-request')
  })

  it('refuses more queued chunks than the limit with busy', async () => {
    const framed = await session()
    await send(framed, { type: 'pause' })
    await send(framed, { type: 'request', chunks: Array.from({ length: 64 }, (_, i) => i % 10), priority: 'normal' })
    await send(framed, { type: 'request', chunks: [0], priority: 'normal' })
    await expectFailure(framed, 'busy')
  })

  it('closes a stream whose first message does not come in time', async () => {
    const framed = await open()
    await expectFailure(framed, 'bad-request')
  })

  it('pauses, resumes, cancels and serves high priority first', async () => {
    const framed = await session()
    await send(framed, { type: 'pause' })
    await send(framed, { type: 'request', chunks: [0, 1, 2], priority: 'normal' })
    await send(framed, { type: 'request', chunks: [5], priority: 'high' })
    await send(framed, { type: 'cancel', chunks: [1] })
    await assert.rejects(next(framed, 300), { name: 'AbortedError' }, 'nothing is sent while paused')
    await send(framed, { type: 'resume' })
    assert.deepEqual(await chunkIndices(framed, 3), [5, 0, 2])
    await send(framed, { type: 'complete' })
    assert.equal(await next(framed), null)
  })

  it('drops a chunk read ahead when it is cancelled while it waits for the upload limit', async () => {
    // 64 KiB/s with 64 KiB chunks: chunks 0 and 1 go out at once (the bucket's burst), chunk 2 waits a second
    server.bandwidth.setLimits({ upload: 64 * 1024 })
    try {
      const framed = await session()
      await send(framed, { type: 'request', chunks: [0, 1, 2, 3], priority: 'normal' })
      assert.deepEqual(await chunkIndices(framed, 2), [0, 1])
      // chunk 2 is read and waiting for bandwidth by now: the cancel still keeps it off the wire
      await send(framed, { type: 'cancel', chunks: [2] })
      assert.deepEqual(await chunkIndices(framed, 1), [3])
      await send(framed, { type: 'complete' })
      assert.equal(await next(framed), null)
    } finally {
      server.bandwidth.setLimits({ upload: 0 })
    }
  })

  it('a session that ends drops its chunks waiting for the upload limit (they would take the next session\'s turn)', async () => {
    // 1 KiB/s: chunk 0 goes in the limiter's burst, chunk 1 would wait a minute
    server.bandwidth.setLimits({ upload: 1024 })
    try {
      const framed = await session()
      await send(framed, { type: 'request', chunks: [0, 1, 2], priority: 'normal' })
      assert.deepEqual(await chunkIndices(framed, 1), [0])
      await until(() => server.bandwidth.stats().upload.waiting > 0)
      framed.abort(new Error('the downloader went away'))
      await until(() => server.exchange.stats().sessions === 0)
      await until(() => server.bandwidth.stats().upload.waiting === 0, 10_000, 'the ended session to leave the upload queue')
    } finally {
      server.bandwidth.setLimits({ upload: 0 })
    }
  })

  it('holds at most the session budget for a peer that stops reading', async () => {
    const big = await startTestNode(join(dir.path, 'big'), { muxer: { streamWindowBytes: 1 << 20, maxReadBufferBytes: 4 << 20 } })
    try {
      const src = await randomFile(dir.path, 'big.bin', 24 * 1024 * 1024)
      const { fileId: bigId } = await big.share(src)
      const framed = await session(big, bigId, 1 << 30)
      const { stream } = framed
      stream.pause()
      await send(framed, { type: 'request', chunks: Array.from({ length: 24 }, (_, i) => i), priority: 'normal' })
      // the server stalls once the muxer window is used up: it then waits for room in its budget
      await until(() => big.exchange.stats().unsentBytes > 0)
      for (let i = 0; i < 5; i++) {
        await new Promise(resolve => setTimeout(resolve, 100))
        assert.ok(big.exchange.stats().unsentBytes <= big.config.exchange.maxUnsentPerSession, `unsent ${big.exchange.stats().unsentBytes}`)
      }
      assert.ok(stream.readBufferLength < 8 * 1024 * 1024, `received ${stream.readBufferLength} without reading`)
      stream.abort(new Error('done'))
    } finally {
      await big.stop()
    }
  })

  it('sends every chunk when its session budget holds one chunk (read-ahead takes room in sending order)', async () => {
    // a 4 MiB chunk size meets the default 4 MiB budget the same way: a chunk read ahead
    // that took the room first held it while the chunk before it waited for that room
    const tight = await startTestNode(join(dir.path, 'tight'), {
      chunkSize: 64 * 1024,
      exchange: { maxUnsentPerSession: 64 * 1024, requestTimeout: 5_000 }
    })
    try {
      const src = await randomFile(dir.path, 'tight.bin', 16 * 64 * 1024)
      const { fileId: tightId } = await tight.share(src)
      const framed = await session(tight, tightId)
      const all = Array.from({ length: 16 }, (_, i) => i)
      await send(framed, { type: 'request', chunks: all, priority: 'normal' })
      assert.deepEqual(await chunkIndices(framed, 16, 30_000), all)
      await send(framed, { type: 'complete' })
    } finally {
      await tight.stop()
    }
  })

  it('closes a session that goes quiet after its requests were served', async () => {
    const framed = await session()
    await send(framed, { type: 'request', chunks: [0], priority: 'normal' })
    assert.deepEqual(await chunkIndices(framed, 1), [0])
    await expectFailure(framed, 'bad-request')
  })

  it('drops a session whose peer stops reading for longer than the request timeout', async () => {
    const framed = await session()
    framed.stream.pause()
    await send(framed, { type: 'request', chunks: Array.from({ length: 64 }, (_, i) => i % 10), priority: 'normal' })
    await until(() => server.exchange.stats().sessions === 0, 20_000)
  })

  it('refuses an oversized message from a downloader', async () => {
    const framed = await session()
    await framed.write(new Uint8Array(64 * 1024))
    await expectFailure(framed, 'bad-request')
  })

  it('limits concurrent sessions with busy', async () => {
    const held = [await session(), await session()]
    const third = await open()
    await expectFailure(third, 'busy')
    for (const framed of held) await send(framed, { type: 'complete' })
  })
})
