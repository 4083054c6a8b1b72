/** The blob store contract (store/blob-store.ts), on the Node adapter's files and on the in-memory store the compose spec uses */
import assert from 'node:assert/strict'
import { readdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { FsBlobStore } from '../src/compose/index.js'
import type { BlobStore } from '../src/compose/index.js'
import { randomFile, sha256File, startTestNode, type TestDir, tempDir } from './fixtures.js'
import { MemoryBlobStore } from './memory-blob-store.js'

const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values)

for (const [name, make] of [
  ['FsBlobStore', async (dir: string) => new FsBlobStore(dir)],
  ['MemoryBlobStore', async () => new MemoryBlobStore()]
] as Array<[string, (dir: string) => Promise<BlobStore>]>) {
  describe(`blob store contract: ${name}`, () => {
    let dir: TestDir
    let blobs: BlobStore

    beforeEach(async () => {
      dir = await tempDir()
      blobs = await make(dir.path)
    })

    afterEach(async () => { await dir.cleanup() })

    it('keeps what was written by offset under the id it was committed as, the buffer reused meanwhile', async () => {
      const writer = await blobs.create()
      const buf = bytes(1, 2, 3)
      await writer.write(buf, 0)
      buf.set([4, 5, 6])
      await writer.write(buf, 3)
      await writer.commit('blob-a')
      await writer.abort()
      assert.equal(await blobs.size('blob-a'), 6)
      const reader = await blobs.open('blob-a')
      assert.ok(reader != null)
      assert.deepEqual(Uint8Array.from(await reader.read(3, 2)), bytes(3, 4, 5))
      await assert.rejects(reader.read(3, 4), { name: 'ShortReadError' })
      await reader.close()
    })

    it('has nothing for an id never committed, an aborted blob, or a deleted one', async () => {
      const writer = await blobs.create()
      await writer.write(bytes(9), 0)
      await writer.abort()
      assert.equal(await blobs.open('never'), undefined)
      assert.equal(await blobs.size('never'), undefined)
      const kept = await blobs.create()
      await kept.write(bytes(7), 0)
      await kept.commit('blob-b')
      await blobs.delete('blob-b')
      await blobs.delete('blob-b')
      assert.equal(await blobs.size('blob-b'), undefined)
      if (blobs instanceof FsBlobStore) assert.deepEqual(await readdir(dir.path), [])
    })

    it('replaces a blob committed again under the same id', async () => {
      for (const value of [1, 2]) {
        const writer = await blobs.create()
        await writer.write(bytes(value, value), 0)
        await writer.commit('same')
      }
      const reader = await blobs.open('same')
      assert.deepEqual(Uint8Array.from(await reader?.read(2, 0) ?? []), bytes(2, 2))
      await reader?.close()
    })
  })
}

describe('FsBlobStore in a repo', () => {
  it('a node opening its repo deletes the blobs a crash left half written (share --copy killed while hashing), and nothing else', async () => {
    const dir = await tempDir()
    try {
      const first = await startTestNode(join(dir.path, 'repo'))
      const kept = await first.share(await randomFile(dir.path, 'kept.bin', 10_000), { copy: true })
      await first.stop()
      const blobsDir = join(dir.path, 'repo', 'blobs')
      await writeFile(join(blobsDir, '.import-5d4908aa-left-by-a-crash'), new Uint8Array(50_000))
      const again = await startTestNode(join(dir.path, 'repo'))
      try {
        assert.deepEqual((await readdir(blobsDir)).filter(n => n.startsWith('.import-')), [])
        assert.equal(await sha256File(join(blobsDir, kept.fileId)), kept.sha256)
      } finally {
        await again.stop()
      }
    } finally {
      await dir.cleanup()
    }
  })
})
