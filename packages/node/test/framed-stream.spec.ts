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

  it('fails when the sender closes its end inside a message (a protocol violation)', async () => {
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    a.send(Uint8Array.from([10, 1, 2, 3]))
    await a.close()
    await assert.rejects(receiver.read(), { name: 'InvalidMessageError' })
  })

  it('rejects an oversized message at its length prefix, before any of its body arrives', async () => {
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    a.send(Uint8Array.from([0xe9, 0x07])) // 1001, and no body
    await assert.rejects(receiver.read(), { name: 'InvalidMessageError' })
  })

  it('applies a lowered limit from the next message on', async () => {
    const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
    const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
    await sender.write(new Uint8Array(50_000))
    assert.equal((await receiver.read())?.byteLength, 50_000)
    receiver.limitMessages(1000)
    await sender.write(new Uint8Array(1000))
    assert.equal((await receiver.read())?.byteLength, 1000)
    a.send(Uint8Array.from([0xb8, 0x86, 0x80, 0x11])) // 34 MiB + 1,080 bytes announced
    await assert.rejects(receiver.read(), { name: 'InvalidMessageError' })
  })

  it('fails at once when the stream ended inside a length prefix, even before it was attached', async () => {
    a.send(Uint8Array.from([0x80]))
    await a.close()
    await until(() => b.remoteWriteStatus === 'closed')
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    await assert.rejects(receiver.read(), { name: 'InvalidMessageError' })
  })

  it('fails at once when the stream ended 63 bytes short of a 100-byte message, even before it was attached', async () => {
    a.send(Uint8Array.from([100, ...new Uint8Array(37)]))
    await a.close()
    await until(() => b.remoteWriteStatus === 'closed')
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    await assert.rejects(receiver.read(), { name: 'InvalidMessageError' })
  })

  it('sees a clean end that came before it was attached', async () => {
    await a.close()
    await until(() => b.remoteWriteStatus === 'closed')
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    assert.equal(await receiver.read(), null)
  })

  it('reads a whole message that was still held by the paused stream when the sender closed', async () => {
    const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
    const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 1000 })
    await sender.write(new Uint8Array(5000).fill(7))
    await until(() => b.readStatus === 'paused')
    await sender.write(new Uint8Array(3000).fill(8))
    await sender.close()
    await until(() => b.remoteWriteStatus === 'closed')
    assert.equal((await receiver.read())?.byteLength, 5000)
    assert.equal((await receiver.read())?.byteLength, 3000)
    assert.equal(await receiver.read(), null)
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
