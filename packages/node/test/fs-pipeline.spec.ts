/**
 * The read-ahead and write-behind of a file pass (fs-pipeline.ts), on real files: reads
 * reuse their buffers, a read waiting for its chunk gives up when the pass ends, and a
 * write or sync that fails ends the pass with its error instead of leaving it waiting.
 */
import assert from 'node:assert/strict'
import { open, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { READ_AHEAD, ReadAhead, SYNC_AHEAD_BYTES, WRITE_BEHIND, WriteBehind, type WriteSink, fileSink } from '../src/fs-pipeline.js'
import { tempDir, type TestDir } from './fixtures.js'

const CHUNK = 4096

describe('file pass pipeline (fs-pipeline)', function () {
  this.timeout(30_000)
  let dir: TestDir
  let path: string
  const bytes = Buffer.alloc(10 * CHUNK + 100)
  const geometry = { count: 11, offset: (i: number) => i * CHUNK, length: (i: number) => Math.min(CHUNK, bytes.byteLength - i * CHUNK) }
  const short = (index: number): Error => new Error(`chunk ${index} is short`)

  before(async () => {
    dir = await tempDir()
    for (let i = 0; i < bytes.byteLength; i++) bytes[i] = i % 253
    path = join(dir.path, 'input.bin')
    await writeFile(path, bytes)
  })

  after(async () => {
    await dir?.cleanup()
  })

  it('reads every chunk in order, the short last one too, reusing the buffers given back', async () => {
    const handle = await open(path, 'r')
    try {
      const reads = new ReadAhead(handle, path, geometry, { short })
      const seen: Uint8Array[] = []
      const out: Buffer[] = []
      for (let i = 0; i < geometry.count; i++) {
        const chunk = await reads.take(i)
        out.push(Buffer.from(chunk))
        seen.push(chunk)
        reads.release(i, chunk)
      }
      await reads.settled()
      assert.ok(Buffer.concat(out).equals(bytes))
      assert.equal(seen[READ_AHEAD], seen[0], 'chunk READ_AHEAD is read into the buffer chunk 0 gave back')
      assert.ok(new Set(seen.slice(0, 10)).size <= READ_AHEAD + 1, 'full chunks use at most READ_AHEAD + 1 buffers')
      assert.ok(!seen.slice(0, 10).includes(seen[10]), 'the short last chunk has a buffer of its own')
    } finally {
      await handle.close()
    }
  })

  it('a file shorter than its chunks say fails at the short chunk', async () => {
    const handle = await open(path, 'r')
    try {
      const reads = new ReadAhead(handle, path, { ...geometry, count: 12, length: () => CHUNK }, { short })
      for (let i = 0; i < 10; i++) reads.release(i, await reads.take(i))
      await assert.rejects(reads.take(10), /chunk 10 is short/)
      await reads.settled()
    } finally {
      await handle.close()
    }
  })

  it('a read waiting for its chunk gives up once the pass ends, and the chunk refused later troubles no one', async () => {
    const handle = await open(path, 'r')
    let refuse: ((err: Error) => void) | undefined
    const never = new Promise<void>((_resolve, reject) => { refuse = reject })
    try {
      const reads = new ReadAhead(handle, path, geometry, { short, ready: index => index === 0 ? undefined : never })
      reads.release(0, await reads.take(0))
      // chunks 1 to READ_AHEAD wait for `never`: the pass ends without them
      await reads.settled()
      refuse?.(new Error('stopped'))
      await new Promise(resolve => setImmediate(resolve))
    } finally {
      await handle.close()
    }
  })

  it('writes in order behind the caller and syncs as the output grows', async () => {
    const target = join(dir.path, 'out.bin')
    const handle = await open(target, 'w')
    const syncs: boolean[] = []
    const sink = fileSink(handle, target)
    const counting: WriteSink = { write: sink.write, sync: async final => { syncs.push(final); await sink.sync(final) } }
    try {
      const writes = new WriteBehind(counting)
      const piece = Buffer.alloc(SYNC_AHEAD_BYTES / 4, 7)
      const done: number[] = []
      for (let i = 0; i < 8; i++) await writes.put(piece, i * piece.byteLength, () => { done.push(i) })
      await writes.finish()
      assert.deepEqual(done, [0, 1, 2, 3, 4, 5, 6, 7])
      assert.equal((await readFile(target)).byteLength, 8 * piece.byteLength)
      assert.ok(syncs.filter(final => !final).length >= 1, 'synced as it grew')
      assert.equal(syncs.at(-1), true, 'the last sync is a full one')
    } finally {
      await handle.close()
    }
  })

  it('a sync that fails while the queue is full ends the waiting put with its error, and finish with it', async () => {
    let writesMade = 0
    // writes take a while, the first sync fails at once: the put waiting for room must learn of it
    const sink: WriteSink = {
      write: async () => { writesMade++; await new Promise(resolve => setTimeout(resolve, 5)) },
      sync: async () => { throw new Error('the disk went away') }
    }
    const writes = new WriteBehind(sink)
    const big = Buffer.alloc(SYNC_AHEAD_BYTES)
    const puts = (async () => { for (let i = 0; i < 4 * WRITE_BEHIND; i++) await writes.put(big, i * big.byteLength) })()
    await assert.rejects(puts, /the disk went away/)
    await assert.rejects(writes.finish(), /the disk went away/)
    await writes.settled()
    assert.ok(writesMade < 4 * WRITE_BEHIND, `nothing written after the failure (${writesMade} writes)`)
  })

  it('a write that fails ends the pass with its error; nothing after it is written', async () => {
    const made: number[] = []
    const sink: WriteSink = {
      write: async (_data, position) => { if (position === 2) throw new Error('no space'); made.push(position) },
      sync: async () => {}
    }
    const writes = new WriteBehind(sink)
    const put = async (): Promise<void> => { for (let i = 0; i < 20; i++) await writes.put(Buffer.alloc(1), i) }
    await assert.rejects(put(), /no space/)
    await assert.rejects(writes.finish(), /no space/)
    assert.deepEqual(made, [0, 1])
  })
})
