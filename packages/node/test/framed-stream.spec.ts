import assert from 'node:assert/strict'
import type { Stream } from '@libp2p/interface'
import { streamPair } from '@libp2p/utils'
import { Uint8ArrayList } from 'uint8arraylist'
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

  it('wakes a read whose message the paused stream completes as it resumes', async () => {
    const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 1000 })
    const [prefix] = receiver.frame([new Uint8Array(5000)])
    a.send(Uint8Array.from([...prefix, ...new Uint8Array(3000).fill(3)]))
    await until(() => b.readStatus === 'paused')
    a.send(new Uint8Array(2000).fill(2))
    // the rest waits in the paused stream; the read resumes it and must see it
    await until(() => b.readBufferLength === 2000)
    const frame = await receiver.read({ signal: AbortSignal.timeout(5000) })
    assert.equal(frame?.byteLength, 5000)
    assert.equal(frame?.get(4999), 2)
  })

  it('honours an abort signal while waiting', async () => {
    const receiver = new FramedStream(b, { maxMessageBytes: 1000, highWaterMark: 1 << 16 })
    await assert.rejects(receiver.read({ signal: AbortSignal.timeout(50) }), { name: 'AbortedError' })
  })

  describe('assembling large messages as they arrive', () => {
    /** An `assemble` whose buffers are remembered, to see which messages went into one */
    function assembler (minBytes: number): { minBytes: number, take: (length: number) => Uint8Array, taken: Uint8Array[] } {
      const taken: Uint8Array[] = []
      return { minBytes, taken, take: (length) => { const buffer = new Uint8Array(length + 3).subarray(0, length); taken.push(buffer); return buffer } }
    }

    it('carries small and large messages in order, each large one whole in a buffer of its own', async () => {
      const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
      const assemble = assembler(1000)
      const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 22, assemble })
      const sizes = [5, 999, 1000, 0, 300_000, 17, 1 << 20, 2, 70_000]
      const messages = sizes.map((size, i) => Uint8Array.from({ length: size }, (_, j) => (i * 31 + j) % 251))
      // sent in pieces that cut across messages and their length prefixes
      const wire = new Uint8ArrayList(...messages.flatMap(m => sender.frame([m]))).subarray()
      for (let at = 0; at < wire.byteLength; at += 4093) a.send(wire.subarray(at, at + 4093))
      await a.close()
      for (const message of messages) {
        const frame = await receiver.read()
        assert.ok(frame != null)
        assert.deepEqual(frame.subarray(), message)
        if (message.byteLength >= 1000) assert.ok(assemble.taken.some(t => t.buffer === [...frame][0].buffer), `a message of ${message.byteLength} bytes is in a buffer from take`)
      }
      assert.equal(assemble.taken.length, 4)
      assert.equal(await receiver.read(), null)
    })

    it('fails when the stream ends inside a message being assembled', async () => {
      const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16, assemble: assembler(100) })
      a.send(Uint8Array.from([0xe8, 0x07, ...new Uint8Array(500)])) // 1000 announced, 500 sent
      await a.close()
      await assert.rejects(receiver.read(), { name: 'InvalidMessageError', message: /500 bytes left/ })
    })

    it('holds the message being assembled to a limit lowered meanwhile, and still gives those framed before it', async () => {
      const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
      const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 22, assemble: assembler(1000) })
      await sender.write(new Uint8Array(10))
      await sender.write(new Uint8Array(5000))
      const [prefix] = sender.frame([new Uint8Array(8000)])
      a.send(Uint8Array.from([...prefix, ...new Uint8Array(100)])) // an 8000-byte message, begun
      assert.equal((await receiver.read())?.byteLength, 10)
      // (a look inside: the third message is being assembled, the second is framed ahead)
      await until(() => (receiver as unknown as { filling?: unknown }).filling != null, 10_000, 'the third message to be begun')
      receiver.limitMessages(6000)
      assert.equal((await receiver.read())?.byteLength, 5000)
      await assert.rejects(receiver.read(), { name: 'InvalidMessageError', message: /8000 bytes exceeds the limit of 6000/ })
    })

    it('reads nothing after a framed message over a limit lowered meanwhile, not even the messages framed after it', async () => {
      const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
      const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 22, assemble: assembler(1000) })
      for (const size of [10, 500, 20]) await sender.write(new Uint8Array(size))
      assert.equal((await receiver.read())?.byteLength, 10)
      // (a look inside: the other two are framed ahead)
      await until(() => (receiver as unknown as { ready: unknown[] }).ready.length === 2, 10_000, 'two messages framed ahead')
      receiver.limitMessages(100)
      await assert.rejects(receiver.read(), { name: 'InvalidMessageError', message: /500 bytes exceeds the limit of 100/ })
      await assert.rejects(receiver.read(), { name: 'InvalidMessageError' })
    })

    it('pauses the stream while assembled bytes wait unread, resumes as they are read', async () => {
      const sender = new FramedStream(a, { maxMessageBytes: 1 << 20, highWaterMark: 1 << 16 })
      const receiver = new FramedStream(b, { maxMessageBytes: 1 << 20, highWaterMark: 100_000, assemble: assembler(1000) })
      for (let i = 0; i < 8; i++) void sender.write(new Uint8Array(50_000).fill(i))
      await until(() => b.readStatus === 'paused')
      for (let i = 0; i < 8; i++) assert.deepEqual((await receiver.read())?.subarray(), new Uint8Array(50_000).fill(i))
      assert.notEqual(b.readStatus, 'paused')
    })
  })
})
