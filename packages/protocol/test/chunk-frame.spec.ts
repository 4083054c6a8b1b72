import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { MAX_CHUNKS, decodeChunkFrame, decodeMessage, encodeChunkFrame, encodeMessage } from '../src/index.js'

/** A frame as it arrives: the bytes cut into pieces at arbitrary places */
function pieces (bytes: Uint8Array, cuts: number[]): Uint8ArrayList {
  const list = new Uint8ArrayList()
  let start = 0
  for (const cut of [...new Set(cuts.map(c => c % (bytes.byteLength + 1)))].sort((a, b) => a - b)) {
    list.append(bytes.subarray(start, cut))
    start = cut
  }
  list.append(bytes.subarray(start))
  return list
}

describe('chunk frames (zero-copy chunk messages)', () => {
  it('encodes data given as a list of pieces as the same bytes as the data joined, sending the pieces themselves', () => {
    fc.assert(fc.property(
      fc.nat(MAX_CHUNKS - 1),
      fc.boolean(),
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (index, compressed, data, cuts) => {
        const hash = new Uint8Array(32).fill(3)
        const list = pieces(data, cuts)
        const parts = encodeChunkFrame(index, hash, list, compressed)
        assert.deepEqual(new Uint8ArrayList(...parts).subarray(), new Uint8ArrayList(...encodeChunkFrame(index, hash, data, compressed)).subarray())
        // not copied: every piece of the list is one of the parts
        for (const piece of list) assert.ok(parts.includes(piece))
      }
    ))
  })

  it('encodes what the generic decoder reads as the same chunk, and decodes it back from any split', () => {
    fc.assert(fc.property(
      fc.nat(MAX_CHUNKS - 1),
      fc.boolean(),
      fc.uint8Array({ maxLength: 3000 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (index, withHash, data, cuts) => {
        const hash = withHash ? new Uint8Array(32).fill(7) : new Uint8Array(0)
        const parts = encodeChunkFrame(index, hash, data)
        const bytes = new Uint8ArrayList(...parts).subarray()
        const decoded = decodeChunkFrame(pieces(bytes, cuts))
        assert.ok(decoded != null)
        assert.equal(decoded.index, index)
        assert.deepEqual(decoded.hash, hash)
        assert.deepEqual(decoded.data.subarray(), data)
        const generic = decodeMessage(bytes)
        assert.deepEqual(generic, { type: 'chunk', index, hash, data })
        assert.equal(decoded.compressed, false)
      }
    ), { numRuns: 300 })
  })

  it('carries the compressed flag after the data, as the generic encoder writes it', () => {
    fc.assert(fc.property(
      fc.nat(MAX_CHUNKS - 1),
      fc.uint8Array({ minLength: 1, maxLength: 2000 }),
      fc.array(fc.nat(), { maxLength: 6 }),
      (index, data, cuts) => {
        const hash = new Uint8Array(32).fill(3)
        const bytes = new Uint8ArrayList(...encodeChunkFrame(index, hash, data, true)).subarray()
        assert.deepEqual(bytes, encodeMessage({ type: 'chunk', index, hash, data, compressed: true }))
        const decoded = decodeChunkFrame(pieces(bytes, cuts))
        assert.equal(decoded?.compressed, true)
        assert.deepEqual(decoded.data.subarray(), data)
        assert.equal(decodeChunkFrame(new Uint8ArrayList(...encodeChunkFrame(index, hash, data)))?.compressed, false)
      }
    ), { numRuns: 200 })
  })

  it('leaves other layouts to the generic decoder and rejects values out of range', () => {
    assert.equal(decodeChunkFrame(new Uint8ArrayList(encodeMessage({ type: 'pause' }))), undefined)
    // the generic encoder leaves out index 0, and so does ours: the same bytes
    const generic = encodeMessage({ type: 'chunk', index: 0, hash: new Uint8Array(0), data: new Uint8Array(4) })
    assert.equal(decodeChunkFrame(new Uint8ArrayList(generic))?.index, 0)
    assert.deepEqual(new Uint8ArrayList(...encodeChunkFrame(0, new Uint8Array(0), new Uint8Array(4))).subarray(), generic)
    // fields in another order: left to the generic decoder (which refuses them as not canonical)
    const reordered = Uint8Array.of(0x22, 0x05, 0x1a, 0x01, 0x00, 0x08, 0x01)
    assert.equal(decodeChunkFrame(new Uint8ArrayList(reordered)), undefined)
    const usual = encodeMessage({ type: 'chunk', index: 1, hash: new Uint8Array(32), data: new Uint8Array(4) })
    assert.equal(decodeChunkFrame(new Uint8ArrayList(usual))?.index, 1)
    const tooFar = new Uint8ArrayList(...encodeChunkFrame(2 ** 21, new Uint8Array(0), new Uint8Array(1)))
    assert.throws(() => decodeChunkFrame(tooFar), { name: 'InvalidMessageError' })
    const truncated = new Uint8ArrayList(Uint8Array.of(0x22, 0x05, 0x08))
    assert.equal(decodeChunkFrame(truncated), undefined)
  })
})
