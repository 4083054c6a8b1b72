import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import { FramedStream } from '../src/exchange/framed-stream.js'
import { until } from './fixtures.js'

describe('FramedStream', () => {
  let a: Stream
  let b: Stream

  beforeEach(async () => { [a, b] = await streamPair() })

  it('carries messages of any size up to the limit, in order', async () => {
    const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
    const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
    const sizes = [0, 1, 127, 128, 300_000, 1 << 20]
    const writing = (async () => {
      for (const size of sizes) await sender.write(new Uint8Array(size).fill(size % 251))
      await sender.close()
    })()
    for (const size of sizes) {
      const frame = await receiver.read()
      assert.equal(frame?.byteLength, size)
      assert.ok(frame!.subarray().every(x => x === size % 251))
    }
    assert.equal(await receiver.read(), null)
    await writing
  })

  it('rejects a message over the limit without reading it', async () => {
    const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    await sender.write(new Uint8Array(1001))
    await assert.rejects(receiver.read(), { name: 'InvalidMessageError' })
  })

  it('rejects a length prefix longer than 5 bytes', async () => {
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    a.send(Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))
    await assert.rejects(receiver.read(), { name: 'InvalidMessageError' })
  })

  it('fails when the stream ends inside a message', async () => {
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    a.send(Uint8Array.from([10, 1, 2, 3]))
    await a.close()
    await assert.rejects(receiver.read(), { name: 'StreamClosedError' })
  })

  it('pauses the stream while unread bytes exceed the high-water mark, resumes as they are read', async () => {
    const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
    const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 100_000 })
    for (let i = 0; i < 8; i++) void sender.write(new Uint8Array(50_000))
    await until(() => b.readStatus === 'paused')
    for (let i = 0; i < 8; i++) assert.equal((await receiver.read())?.byteLength, 50_000)
    assert.notEqual(b.readStatus, 'paused')
  })

  it('honours an abort signal while waiting', async () => {
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    await assert.rejects(receiver.read({ signal: AbortSignal.timeout(50) }), { name: 'AbortedError' })
  })
})
