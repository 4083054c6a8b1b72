/// <reference types="node" />
/// <reference types="mocha" />
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Uint8ArrayList } from 'uint8arraylist'
import { PartialFile } from '../src/download/partial-file.js'
import { manifestOf, tempDir, type TestDir } from './fixtures.js'

const CHUNK = 256 * 1024

/** Counts the partial file's system writes in flight at once, around its real `writev`; `failFirst` makes the first one fail as a disk would */
function watchWrites (partial: PartialFile, failFirst = false): { most: number, order: number[] } {
  const seen = { most: 0, order: [] as number[] }
  const handle = partial.handle
  const writev = handle.writev.bind(handle)
  let inFlight = 0
  let calls = 0
  handle.writev = (async (buffers: NodeJS.ArrayBufferView[], position?: number) => {
    inFlight++
    seen.most = Math.max(seen.most, inFlight)
    seen.order.push(position ?? -1)
    try {
      if (failFirst && calls++ === 0) throw Object.assign(new Error('EIO: i/o error, write'), { code: 'EIO' })
      return await writev(buffers, position)
    } finally {
      inFlight--
    }
  }) as typeof handle.writev
  return seen
}

describe('the partial file of a download (real files)', () => {
  let dir: TestDir
  beforeEach(async () => { dir = await tempDir() })
  afterEach(async () => { await dir.cleanup() })

  /** A new partial file for a download of `bytes`, and the path it is at */
  async function partialOf (bytes: Uint8Array): Promise<{ partial: PartialFile, path: string }> {
    const output = join(dir.path, 'file.bin')
    const path = `${output}.peershare-partial`
    return { partial: await PartialFile.create(path, manifestOf(bytes, CHUNK), output), path }
  }

  it('writes chunks asked for at once one at a time, in the order asked, each at its offset', async () => {
    const bytes = randomBytes(8 * CHUNK - 1000)
    const { partial, path } = await partialOf(bytes)
    const seen = watchWrites(partial)
    const order = [3, 0, 7, 1, 6, 2, 5, 4]
    // pieces as a stream delivers them, and a whole buffer
    const data = (i: number): Uint8Array | Uint8ArrayList => {
      const chunk = bytes.subarray(i * CHUNK, (i + 1) * CHUNK)
      return i % 2 === 0 ? chunk : new Uint8ArrayList(chunk.subarray(0, 1000), chunk.subarray(1000))
    }
    await Promise.all(order.map(async i => partial.write(i, data(i))))
    await partial.handle.close()
    // Linux takes a file's inode lock for each buffered write: several at once only spin on it
    assert.equal(seen.most, 1, 'no two writes to the file in flight at once')
    assert.deepEqual(seen.order, order.map(i => i * CHUNK))
    assert.deepEqual(await readFile(path), bytes)
  })

  it('a write that fails fails alone: the writes queued behind it still land', async () => {
    const bytes = randomBytes(3 * CHUNK)
    const { partial, path } = await partialOf(bytes)
    watchWrites(partial, true)
    const results = await Promise.allSettled([0, 1, 2].map(async i => partial.write(i, bytes.subarray(i * CHUNK, (i + 1) * CHUNK))))
    await partial.handle.close()
    assert.equal(results[0].status, 'rejected')
    assert.match(String((results[0] as PromiseRejectedResult).reason?.message), /EIO|i\/o error/i)
    assert.deepEqual(results.slice(1).map(r => r.status), ['fulfilled', 'fulfilled'])
    const written = await readFile(path)
    assert.deepEqual(written.subarray(CHUNK), bytes.subarray(CHUNK))
  })
})
