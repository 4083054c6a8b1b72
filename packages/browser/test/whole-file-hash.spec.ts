/// <reference types="node" />
/// <reference types="mocha" />
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { bytesToHex, type Manifest } from '@peershare/protocol'
import { ONE_SHOT_MAX_BYTES, wholeFileHash } from '../src/download/whole-file-hash.js'

const CHUNK = 16 * 1024

/** A manifest of `bytes` cut into CHUNK-byte chunks, as a sharer makes it */
function manifestOf (bytes: Uint8Array, size = bytes.byteLength): Manifest {
  const chunks = Array.from({ length: Math.ceil(bytes.byteLength / CHUNK) }, (_, i) => bytes.subarray(i * CHUNK, (i + 1) * CHUNK))
  return { version: 1, size, chunkSize: CHUNK, chunkHashes: chunks.map(c => createHash('sha256').update(c).digest()), sha256: createHash('sha256').update(bytes).digest() }
}

describe('browser whole-file SHA-256', () => {
  const bytes = randomBytes(5 * CHUNK + 123)
  const chunk = (i: number): Uint8Array => bytes.subarray(i * CHUNK, (i + 1) * CHUNK)
  const order = [2, 0, 5, 1, 4, 3]

  it('hashes a small file once at the end, natively, to the manifest\'s SHA-256', async () => {
    const manifest = manifestOf(bytes)
    const hash = wholeFileHash(manifest, async () => { throw new Error('a one-shot hash reads no chunk back') })
    for (const i of order) await hash.add(i, chunk(i))
    assert.equal(bytesToHex(await hash.digest(async () => new Blob([bytes]))), bytesToHex(manifest.sha256))
  })

  it('hashes a file past ONE_SHOT_MAX_BYTES as its prefix grows, chunks out of order and resumed ones included', async () => {
    // the size decides the way; the chunks are the small file's
    const manifest = { ...manifestOf(bytes), size: ONE_SHOT_MAX_BYTES + 1 }
    const readBack: number[] = []
    const hash = wholeFileHash(manifest, async i => { readBack.push(i); return chunk(i) })
    await hash.addStored(1)
    for (const i of order.filter(i => i !== 1)) await hash.add(i, chunk(i))
    assert.equal(bytesToHex(await hash.digest(async () => { throw new Error('a prefix hash never reads the whole file') })), bytesToHex(manifest.sha256))
    assert.ok(readBack.length > 0, 'chunks that came ahead of the prefix were read back')
  })

  it('gives a digest that differs from the manifest\'s when a chunk differs', async () => {
    const manifest = manifestOf(bytes)
    const changed = Uint8Array.from(bytes)
    changed[7] ^= 1
    const hash = wholeFileHash(manifest, async i => chunk(i))
    assert.notEqual(bytesToHex(await hash.digest(async () => new Blob([changed]))), bytesToHex(manifest.sha256))
  })
})
