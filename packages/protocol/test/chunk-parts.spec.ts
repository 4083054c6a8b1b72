import assert from 'node:assert/strict'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import { InvalidMessageError, MAX_CHUNK_SIZE, MAX_CHUNKS, decodeChunkFrame, decodeMessage, encodeChunkFrame, encodeManifest, encodeMessage, fileIdOf, type Message } from '../src/index.js'
import { ExchangeMessage } from '../src/pb/exchange.js'
import { bytesOf, manifestOf } from './fixtures.js'

async function makeManifestFixture () {
  const manifest = manifestOf(bytesOf(5000))
  return { fileId: await fileIdOf(manifest), manifestBytes: encodeManifest(manifest) }
}

describe('parts of a chunk (the end game of a multi-source download)', () => {
  it('a Want says PARTS in a bit of accept, which a provider reading only encodings ignores', async () => {
    const { fileId } = await makeManifestFixture()
    const bytes = encodeMessage({ type: 'want', fileId, accept: ['zstd'], parts: true })
    const back = decodeMessage(bytes)
    assert.ok(back.type === 'want')
    assert.equal(back.parts, true)
    assert.deepEqual(back.accept, ['zstd'])
    // the same message without it differs only in that bit: no field a provider would refuse
    const plain = ExchangeMessage.decode(encodeMessage({ type: 'want', fileId, accept: ['zstd'] }))
    const withParts = ExchangeMessage.decode(bytes)
    assert.equal((withParts.want?.accept ?? 0) ^ (plain.want?.accept ?? 0), 1 << 16)
    assert.equal((decodeMessage(encodeMessage({ type: 'want', fileId })) as { parts?: boolean }).parts, undefined)
  })

  it('refuses a part in Want.first (the first chunks are asked for whole)', async () => {
    const { fileId } = await makeManifestFixture()
    const pb = ExchangeMessage.decode(encodeMessage({ type: 'want', fileId, first: { chunks: [0], priority: 'normal' } }))
    if (pb.want?.first != null) pb.want.first.part = { offset: 0, length: 65536 }
    assert.throws(() => decodeMessage(ExchangeMessage.encode(pb)), InvalidMessageError)
  })

  it('an Offer says whether the provider answers parts', async () => {
    const { fileId, manifestBytes } = await makeManifestFixture()
    const metadata = { name: 'a', mimeType: 'text/plain', description: '', tags: [], created: 1 }
    const offer = decodeMessage(encodeMessage({ type: 'offer', fileId, manifest: manifestBytes, metadata, parts: true }))
    assert.ok(offer.type === 'offer')
    assert.equal(offer.parts, true)
    const old = decodeMessage(encodeMessage({ type: 'offer', fileId, manifest: manifestBytes, metadata }))
    assert.ok(old.type === 'offer')
    assert.equal(old.parts, undefined)
  })

  it('round trips a Request and a Cancel of a part and refuses one naming other than one chunk, an empty part, or one beyond the largest chunk', () => {
    const msg: Message = { type: 'request', chunks: [7], priority: 'normal', part: { offset: 262144, length: 262144 } }
    assert.deepEqual(decodeMessage(encodeMessage(msg)), msg)
    const cancel: Message = { type: 'cancel', chunks: [7], part: { offset: 262144, length: 262144 } }
    assert.deepEqual(decodeMessage(encodeMessage(cancel)), cancel)
    const bad: Message[] = [
      { type: 'request', chunks: [1, 2], priority: 'normal', part: { offset: 0, length: 10 } },
      { type: 'request', chunks: [], priority: 'normal', part: { offset: 0, length: 10 } },
      { type: 'request', chunks: [1], priority: 'normal', part: { offset: 0, length: 0 } },
      { type: 'request', chunks: [1], priority: 'normal', part: { offset: MAX_CHUNK_SIZE, length: 1 } },
      { type: 'cancel', chunks: [1, 2], part: { offset: 0, length: 10 } }
    ]
    for (const m of bad) assert.throws(() => decodeMessage(encodeMessage(m)), InvalidMessageError)
  })

  it('a part travels as a Chunk with its offset after the data, read alike by the zero-copy and the generic decoder', () => {
    fc.assert(fc.property(
      fc.nat(MAX_CHUNKS - 1),
      fc.nat(MAX_CHUNK_SIZE - 3000),
      fc.uint8Array({ minLength: 1, maxLength: 3000 }),
      (index, offset, data) => {
        const bytes = new Uint8ArrayList(...encodeChunkFrame(index, new Uint8Array(0), data, false, offset)).subarray()
        assert.deepEqual(bytes, encodeMessage({ type: 'chunk', index, hash: new Uint8Array(0), data, offset }))
        const fast = decodeChunkFrame(new Uint8ArrayList(bytes))
        assert.equal(fast?.offset, offset)
        assert.deepEqual(fast.data.subarray(), data)
        assert.deepEqual(decodeMessage(bytes), { type: 'chunk', index, hash: new Uint8Array(0), data, offset })
      }
    ), { numRuns: 200 })
    // a whole chunk has none
    assert.equal(decodeChunkFrame(new Uint8ArrayList(...encodeChunkFrame(3, new Uint8Array(0), Uint8Array.of(1))))?.offset, undefined)
  })

  it('refuses a part that is compressed, empty, or reaches beyond the largest chunk, in either decoder', () => {
    const cases = [
      encodeChunkFrame(1, new Uint8Array(0), Uint8Array.of(1, 2), true, 0),
      encodeChunkFrame(1, new Uint8Array(0), new Uint8Array(0), false, 5),
      encodeChunkFrame(1, new Uint8Array(0), Uint8Array.of(1, 2), false, MAX_CHUNK_SIZE - 1)
    ]
    for (const parts of cases) {
      const bytes = new Uint8ArrayList(...parts)
      assert.throws(() => decodeChunkFrame(bytes), InvalidMessageError)
      assert.throws(() => decodeMessage(bytes.subarray()), InvalidMessageError)
    }
  })
})
