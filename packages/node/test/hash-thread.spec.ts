import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chunkLength, chunkOffset, type Manifest } from '@peershare/protocol'
import { Uint8ArrayList } from 'uint8arraylist'
import { FilePrefixHasher } from '../src/download/file-prefix-hasher.js'
import { HashThread, hashThread } from '../src/hash-thread/index.js'

const sha256 = (data: Uint8Array): Uint8Array => new Uint8Array(createHash('sha256').update(data).digest())

describe('hash thread', () => {
  let dir: string
  beforeEach(async () => { dir = await mkdtemp(join(tmpdir(), 'hash-thread-')) })
  afterEach(async () => { await rm(dir, { recursive: true, force: true }) })

  it('hashes a file whose chunks are written out of order, as its prefix grows', async () => {
    const chunkSize = 64 * 1024
    const content = randomBytes(10 * chunkSize + 1234)
    const count = Math.ceil(content.byteLength / chunkSize)
    const manifest = { size: content.byteLength, chunkSize, chunkHashes: Array.from({ length: count }, () => new Uint8Array(32)), sha256: sha256(content) } as unknown as Manifest
    const path = join(dir, 'partial')
    const file = await open(path, 'w+')
    const hasher = new FilePrefixHasher(manifest, path)
    try {
      // written and added in an order that keeps chunks waiting ahead of the prefix
      for (const index of [3, 1, 0, 2, 9, 4, 5, 10, 8, 6, 7]) {
        const at = chunkOffset(manifest, index)
        await file.write(content, at, chunkLength(manifest, index), at)
        hasher.add(index)
      }
    } finally {
      await file.close()
    }
    assert.deepEqual(await hasher.digest(), manifest.sha256)
  })

  it('keeps no process alive: one that started it (as a node starting does) ends by itself', async function () {
    this.timeout(60_000)
    const module = fileURLToPath(new URL('../src/hash-thread/index.js', import.meta.url))
    // no exit called: the child ends only once nothing holds its event loop
    await writeFile(join(dir, 'child.mjs'), `const { hashThread } = await import(${JSON.stringify(module)})\nhashThread.warm()\n`)
    const child = spawn(process.execPath, [join(dir, 'child.mjs')], { stdio: ['ignore', 'ignore', 'inherit'] })
    const timer = setTimeout(() => child.kill(), 30_000)
    const [code, signal] = await once(child, 'exit')
    clearTimeout(timer)
    assert.equal(signal, null, 'the child was still running after 30 s: the hash thread held it')
    assert.equal(code, 0)
  })

  it('digest before every chunk was added throws', async () => {
    const manifest = { size: 10, chunkSize: 5, chunkHashes: [new Uint8Array(32), new Uint8Array(32)], sha256: new Uint8Array(32) } as unknown as Manifest
    const hasher = new FilePrefixHasher(manifest, join(dir, 'none'))
    hasher.add(1)
    await assert.rejects(hasher.digest(), /before all chunks/)
    hasher.close()
  })

  it('a digest of bytes the file does not have fails with the read error, not a wrong hash', async () => {
    const path = join(dir, 'short')
    await writeFile(path, randomBytes(100))
    const job = hashThread.fileHash(path)
    job.hashTo(200)
    await assert.rejects(job.digest(), (err: any) => err.code === 'ERR_SHORT_READ')
  })

  it('reads a chunk and checks it on the thread: matching bytes, other bytes, a file too short', async () => {
    const path = join(dir, 'file')
    const content = randomBytes(700_000)
    await writeFile(path, content)
    const piece = content.subarray(1000, 601_000)
    const good = await hashThread.readVerified(path, 1000, 600_000, sha256(piece))
    assert.ok(good.ok)
    assert.deepEqual(Buffer.from(good.data.subarray()), Buffer.from(piece))
    // in pieces of at most 256 KiB, each on its own buffer (transferred, so never the pool's)
    const pieces = [...good.data]
    assert.equal(pieces.length, Math.ceil(600_000 / 262_144))
    for (const p of pieces) assert.ok(p.byteLength <= 262_144 && p.byteOffset === 0 && p.buffer.byteLength === p.byteLength)
    assert.deepEqual(await hashThread.readVerified(path, 1001, 600_000, sha256(piece)), { ok: false, short: false })
    assert.deepEqual(await hashThread.readVerified(path, 200_000, 600_000, sha256(piece)), { ok: false, short: true })
    await assert.rejects(hashThread.readVerified(join(dir, 'gone'), 0, 10, sha256(piece)), (err: any) => err.code === 'ENOENT')
  })

  it('reads that reuse the thread\'s read buffers never change bytes handed out before, one at a time or many at once', async () => {
    const path = join(dir, 'chunks')
    const size = 256 * 1024
    const content = randomBytes(size * 12)
    await writeFile(path, content)
    const chunk = (i: number): Buffer => content.subarray(i * size, (i + 1) * size)
    const read = async (i: number): Promise<Uint8Array> => {
      const result = await hashThread.readVerified(path, i * size, size, sha256(chunk(i)))
      assert.ok(result.ok, `chunk ${i}`)
      return result.data.subarray()
    }
    const kept: Array<[number, Uint8Array]> = []
    for (let i = 0; i < 6; i++) kept.push([i, await read(i)])
    // more at once than the thread keeps buffers for, a short chunk among them
    const together = await Promise.all([6, 7, 8, 9, 10, 11].map(async i => [i, await read(i)] as [number, Uint8Array]))
    const tail = await hashThread.readVerified(path, 100, 1000, sha256(content.subarray(100, 1100)))
    assert.ok(tail.ok)
    for (const [i, data] of [...kept, ...together]) assert.ok(Buffer.from(data).equals(chunk(i)), `chunk ${i} unchanged`)
    assert.ok(Buffer.from(tail.data.subarray()).equals(content.subarray(100, 1100)))
  })

  it('a digest asked while the read pass closes the file is answered once, and the thread lives on', async () => {
    // the race of a collection download (CI): the read pass marked itself idle, then awaited
    // closing the file; a digest arriving in that await ran a second pass that answered it,
    // and the first pass answered it again: "Digest already called" killed the thread
    const path = join(dir, 'small')
    const content = randomBytes(64 * 1024)
    await writeFile(path, content)
    const expected = sha256(content)
    for (let i = 0; i < 300; i++) {
      const job = hashThread.fileHash(path)
      job.hashTo(content.byteLength)
      // vary when the digest arrives: at once, after a turn of the event loop, or a little later
      if (i % 3 === 1) await new Promise(resolve => setImmediate(resolve))
      if (i % 3 === 2) await new Promise(resolve => setTimeout(resolve, i % 2))
      assert.deepEqual(await job.digest(), expected, `digest ${i}`)
    }
  })

  it('bytes made readable while a read pass closes the file are hashed: a digest for them is answered', async () => {
    // a download's last hashTo and its digest can both reach the thread while the pass over the
    // bytes before them awaits closing the file; that pass must not end leaving them unhashed
    const path = join(dir, 'growing')
    const content = randomBytes(2 * 64 * 1024)
    await writeFile(path, content)
    const half = content.byteLength / 2
    const expected = sha256(content)
    for (let i = 0; i < 300; i++) {
      const job = hashThread.fileHash(path)
      job.hashTo(half)
      // vary when the rest arrives, so that it sometimes lands while the first pass closes the file
      if (i % 4 === 1) await new Promise(resolve => setImmediate(resolve))
      if (i % 4 === 2) await new Promise(resolve => setTimeout(resolve, i % 3))
      if (i % 4 === 3) for (let t = 0; t < i % 7; t++) await new Promise(resolve => setImmediate(resolve))
      job.hashTo(content.byteLength)
      const digest = await Promise.race([job.digest(), new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`digest ${i} never answered`)), 10_000))])
      assert.deepEqual(digest, expected, `digest ${i}`)
    }
  })

  describe('chunks verified on the thread', () => {
    const chunkSize = 64 * 1024

    /** A file of `count` chunks (the last one short) and its manifest, with real chunk hashes */
    function fileOf (count: number): { content: Buffer, manifest: Manifest, chunk: (index: number) => Buffer } {
      const content = randomBytes((count - 1) * chunkSize + 999)
      const chunk = (index: number): Buffer => content.subarray(index * chunkSize, Math.min(content.byteLength, (index + 1) * chunkSize))
      const chunkHashes = Array.from({ length: count }, (_, i) => sha256(chunk(i)))
      return { content, manifest: { size: content.byteLength, chunkSize, chunkHashes, sha256: sha256(content) } as unknown as Manifest, chunk }
    }

    it('a chunk that matches comes back as one buffer, from pieces; a wrong or short one does not', async () => {
      const { manifest, chunk } = fileOf(3)
      const hasher = new FilePrefixHasher(manifest, join(dir, 'unused'))
      try {
        const pieces = new Uint8ArrayList(chunk(1).subarray(0, 1000), chunk(1).subarray(1000, 40_000), chunk(1).subarray(40_000))
        const back = await hasher.verify(1, pieces)
        assert.ok(back instanceof Uint8Array)
        assert.deepEqual(Buffer.from(back), chunk(1))
        const wrong = Buffer.from(chunk(1))
        wrong[77] ^= 1
        assert.equal(await hasher.verify(1, wrong), undefined)
        assert.equal(await hasher.verify(1, chunk(1).subarray(1)), undefined, 'a chunk one byte short')
        assert.equal(await hasher.verify(3, chunk(2)), undefined, 'a chunk past the end')
        assert.equal(await hasher.verify(2, chunk(1)), undefined, 'another chunk')
      } finally {
        hasher.close()
      }
    })

    it('chunks that arrive in order feed the whole-file hash on the thread: nothing is read back', async () => {
      const { manifest, chunk } = fileOf(6)
      // the partial file stays empty: a read back would fail the digest with ERR_SHORT_READ
      const path = join(dir, 'empty')
      await writeFile(path, '')
      const hasher = new FilePrefixHasher(manifest, path)
      for (let i = 0; i < 6; i++) {
        assert.ok(await hasher.verify(i, chunk(i)) != null)
        hasher.add(i)
      }
      assert.deepEqual(await hasher.digest(), manifest.sha256)
    })

    it('a chunk ahead of the prefix, or a bad one at it, is not hashed in: it is read back once written', async () => {
      const { manifest, chunk } = fileOf(5)
      const path = join(dir, 'partial')
      const file = await open(path, 'w+')
      const hasher = new FilePrefixHasher(manifest, path)
      try {
        const bad = Buffer.from(chunk(0))
        bad[0] ^= 1
        assert.equal(await hasher.verify(0, bad), undefined)
        // chunk 1 arrives first: verified, written, and read back once chunk 0 joins the prefix
        assert.ok(await hasher.verify(1, chunk(1)) != null)
        await file.write(chunk(1), 0, chunk(1).byteLength, chunkOffset(manifest, 1))
        hasher.add(1)
        // chunk 0, at the prefix, is hashed in (its bytes on disk stay zeros); those after
        // it are hashed in or read back, as the read of chunk 1 allows: each is written first
        for (const i of [0, 2, 3, 4]) {
          assert.ok(await hasher.verify(i, chunk(i)) != null)
          if (i > 0) await file.write(chunk(i), 0, chunk(i).byteLength, chunkOffset(manifest, i))
          hasher.add(i)
        }
      } finally {
        await file.close()
      }
      assert.deepEqual(await hasher.digest(), manifest.sha256)
    })

    it('a chunk verified again while the thread reads it back is hashed once, by the read', async () => {
      // the end game: a second source's copy of chunk 1 arrives while the thread reads the
      // first copy back from the file; hashing the copy in as well would count its bytes twice
      const { manifest, chunk } = fileOf(3)
      for (let round = 0; round < 60; round++) {
        const path = join(dir, `partial-${round}`)
        await writeFile(path, Buffer.concat([Buffer.alloc(chunkSize), chunk(1), chunk(2)]))
        const hasher = new FilePrefixHasher(manifest, path)
        await hasher.verify(1, chunk(1))
        hasher.add(1)
        await hasher.verify(0, chunk(0))
        hasher.add(0)
        // the copy reaches the thread as the read of chunk 1 starts, or a little later
        for (let t = 0; t < round % 3; t++) await new Promise(resolve => setImmediate(resolve))
        assert.ok(await hasher.verify(1, chunk(1)) != null)
        await hasher.verify(2, chunk(2))
        hasher.add(2)
        assert.deepEqual(await hasher.digest(), manifest.sha256, `round ${round}`)
      }
    })

    it('a short last chunk\'s buffer is not kept: it would wait for a chunk of its length', async () => {
      const { manifest, chunk } = fileOf(3)
      const hasher = new FilePrefixHasher(manifest, join(dir, 'unused'))
      try {
        const short = await hasher.verify(2, chunk(2))
        assert.ok(short instanceof Uint8Array && short.byteLength < chunkSize)
        hasher.recycle(short)
        await hasher.verify(2, chunk(2))
        assert.equal(short.byteLength, chunk(2).byteLength, 'the short buffer was reused')
      } finally {
        hasher.close()
      }
    })

    it('no buffer is kept once no download is under way', async () => {
      // a thread of its own: the process's may have other specs' jobs open
      const thread = new HashThread()
      const { manifest, chunk } = fileOf(3)
      const verify = async (job: ReturnType<HashThread['fileHash']>, index: number): Promise<Uint8Array> => {
        const back = await job.verifyChunk(chunkOffset(manifest, index), [chunk(index)], manifest.chunkHashes[index])
        assert.ok(back != null)
        return back
      }
      const job = thread.fileHash(join(dir, 'unused'))
      const reused = await verify(job, 0)
      thread.recycle(reused)
      await verify(job, 1)
      assert.equal(reused.byteLength, 0, 'a buffer kept while the download runs carries its next chunk')
      const kept = await verify(job, 0)
      thread.recycle(kept)
      job.close()
      const next = thread.fileHash(join(dir, 'unused'))
      await verify(next, 1)
      next.close()
      assert.equal(kept.byteLength, chunkSize, 'a buffer was kept after the only download ended')
    })

    it('a recycled chunk buffer carries the next chunk; a buffer it did not hand out is left alone', async () => {
      const { manifest, chunk } = fileOf(3)
      const hasher = new FilePrefixHasher(manifest, join(dir, 'unused'))
      try {
        const first = await hasher.verify(0, chunk(0))
        assert.ok(first instanceof Uint8Array)
        const own = new Uint8Array(chunkSize)
        hasher.recycle(own)
        hasher.recycle(first)
        // the recycled buffer goes to the thread with the next chunk of its size: detached here
        const second = await hasher.verify(1, chunk(1))
        assert.equal(first.byteLength, 0)
        assert.equal(own.byteLength, chunkSize)
        assert.deepEqual(Buffer.from(second as Uint8Array), chunk(1))
      } finally {
        hasher.close()
      }
    })

    it('a chunk that came whole in a message buffer gives that buffer back once checked; a chunk of parts does not', async () => {
      const { manifest, chunk } = fileOf(4)
      const hasher = new FilePrefixHasher(manifest, join(dir, 'unused'))
      try {
        // a chunk message: a few header bytes, then the chunk (as FramedStream assembles it)
        const message = hashThread.messageBuffer(chunkSize + 7)
        message.set(chunk(0), 7)
        assert.ok(await hasher.verify(0, message.subarray(7)))
        const again = hashThread.messageBuffer(chunkSize + 5)
        assert.equal(again.buffer, message.buffer, 'the checked chunk\'s message buffer carries the next message')
        // a chunk failing its hash gives it back too: its bytes are not read again
        again.fill(1)
        assert.equal(await hasher.verify(1, again.subarray(5)), undefined)
        const third = hashThread.messageBuffer(chunkSize + 6)
        assert.equal(third.buffer, message.buffer)
        // parts: their joiner may compare them after a failed check, so they are left alone
        const half = chunkSize / 2
        third.set(chunk(2).subarray(0, half), 6)
        const other = hashThread.messageBuffer(half + 6)
        other.set(chunk(2).subarray(half), 6)
        assert.ok(await hasher.verify(2, new Uint8ArrayList(third.subarray(6, 6 + half), other.subarray(6))))
        assert.notEqual(hashThread.messageBuffer(chunkSize + 6).buffer, message.buffer)
        assert.deepEqual(Buffer.from(third.subarray(6, 6 + half)), chunk(2).subarray(0, half), 'a part is as it came')
      } finally {
        hasher.close()
      }
    })
  })
})
