import assert from 'node:assert/strict'
import { chunkCountFor, isValidChunk, type Manifest, MIN_CHUNK_SIZE, verifyChunk } from '../src/index.js'
import { bytesOf, manifestOf } from './fixtures.js'

const C = MIN_CHUNK_SIZE
const FAILED = { name: 'ChunkVerificationError' }

const data = bytesOf(2 * C + C / 2, 5)
const manifest = manifestOf(data, C)
const chunk = (i: number): Uint8Array => data.slice(i * C, (i + 1) * C)

async function rejected (m: Manifest, index: number, bytes: Uint8Array): Promise<void> {
  assert.equal(await isValidChunk(m, index, bytes), false, `chunk ${index} of ${bytes.byteLength} bytes`)
  await assert.rejects(verifyChunk(m, index, bytes), FAILED)
}

describe('chunk verification', () => {
  it('accepts every chunk of the file, including the short last one', async () => {
    assert.equal(chunkCountFor(data.byteLength, C), 3)
    for (let i = 0; i < 3; i++) {
      assert.equal(await isValidChunk(manifest, i, chunk(i)), true)
      await verifyChunk(manifest, i, chunk(i))
    }
    assert.equal(chunk(2).byteLength, C / 2)
  })

  it('accepts the only chunk of a one byte file', async () => {
    const one = Uint8Array.of(42)
    assert.equal(await isValidChunk(manifestOf(one), 0, one), true)
  })

  it('rejects changed bytes', async () => {
    for (const i of [0, 2]) {
      for (const at of [0, 100, chunk(i).byteLength - 1]) {
        const bad = chunk(i)
        bad[at] ^= 0x80
        await rejected(manifest, i, bad)
      }
    }
    await rejected(manifest, 0, new Uint8Array(C))
  })

  it('rejects another chunk of the same file', async () => {
    await rejected(manifest, 1, chunk(0))
    await rejected(manifest, 0, chunk(1))
  })

  it('rejects a chunk of the wrong length', async () => {
    await rejected(manifest, 0, chunk(0).subarray(0, C - 1))
    await rejected(manifest, 0, Uint8Array.of(...chunk(0), 0))
    await rejected(manifest, 2, Uint8Array.of(...chunk(2), 0))
    await rejected(manifest, 2, new Uint8Array(0))
    // a prefix of the last chunk of the right length for nothing
    await rejected(manifest, 2, data.slice(2 * C, 2 * C + C / 4))
  })

  it('rejects an index out of range', async () => {
    for (const index of [-1, 3, 4, 2 ** 32, 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      await rejected(manifest, index, chunk(0))
    }
    await rejected(manifestOf(new Uint8Array(0)), 0, new Uint8Array(0))
  })
})
