/// <reference types="node" />
/// <reference types="mocha" />
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import { chunkMatches, chunkVerified } from '../src/download/chunk-data.js'
import { platform as browserPlatform } from '../src/platform/browser.js'
import { platform as nodePlatform } from '../src/platform/node.js'
import { manifestOf } from './fixtures.js'

const CHUNK = 64 * 1024
const PIECE = 16 * 1024

/** A chunk as a WebRTC data channel delivers it: 16 KiB pieces in a list */
function inPieces (data: Uint8Array): Uint8ArrayList {
  const list = new Uint8ArrayList()
  for (let at = 0; at < data.byteLength; at += PIECE) list.append(data.subarray(at, at + PIECE))
  return list
}

describe('chunk verification', () => {
  const bytes = randomBytes(3 * CHUNK + 99)
  const manifest = manifestOf(bytes, CHUNK)
  const chunk = (i: number): Uint8Array => bytes.subarray(i * CHUNK, (i + 1) * CHUNK)

  /** Both checks, so the async one is held to the sync one's answers */
  async function both (index: number, data: Uint8Array | Uint8ArrayList): Promise<boolean> {
    const verified = await chunkVerified(manifest, index, data)
    assert.equal(verified, chunkMatches(manifest, index, data), `chunkVerified and chunkMatches agree on chunk ${index}`)
    return verified
  }

  it('accepts each chunk, whole or in pieces, the short last one included', async () => {
    for (let i = 0; i < manifest.chunkHashes.length; i++) {
      assert.equal(await both(i, chunk(i)), true)
      assert.equal(await both(i, inPieces(chunk(i))), true)
    }
  })

  it('refuses a changed byte, a wrong length, another chunk\'s bytes and an index outside the file', async () => {
    const changed = Uint8Array.from(chunk(1))
    changed[CHUNK - 1] ^= 1
    assert.equal(await both(1, changed), false)
    assert.equal(await both(1, inPieces(changed)), false)
    assert.equal(await both(1, chunk(1).subarray(1)), false)
    assert.equal(await both(3, chunk(2)), false)
    assert.equal(await both(2, chunk(1)), false)
    assert.equal(await both(-1, chunk(0)), false)
    assert.equal(await both(manifest.chunkHashes.length, chunk(0)), false)
  })

  it('gives the same one-shot SHA-256 on both platforms (the browser one by crypto.subtle, which Node has too)', async () => {
    const pieces = [...inPieces(chunk(0))]
    const expected = createHash('sha256').update(chunk(0)).digest()
    assert.deepEqual(Buffer.from(await nodePlatform.sha256Digest(pieces)), expected)
    assert.deepEqual(Buffer.from(await browserPlatform.sha256Digest(pieces)), expected)
    assert.deepEqual(Buffer.from(await browserPlatform.sha256Digest([chunk(0)])), expected)
    assert.deepEqual(Buffer.from(await browserPlatform.sha256Digest([])), createHash('sha256').digest())
  })
})
