import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { zstdCompressSync } from 'node:zlib'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  ChunkCompressor,
  GIVE_UP_AFTER,
  RETRY_EVERY,
  SAMPLE_BYTES,
  alreadyCompressed,
  chooseEncoding
} from '../src/exchange/compression.js'
import { acceptedEncodings, decompressChunk } from '../src/exchange/inflate.js'

const text = Buffer.from('a line of a log file that repeats\n'.repeat(4000))

describe('compression policy', () => {
  it('knows already-compressed types by their MIME type', () => {
    for (const type of ['video/mp4', 'audio/mpeg', 'image/jpeg', 'image/png', 'application/zip', 'application/gzip', 'application/x-7z-compressed', 'application/vnd.rar', 'application/x-xz', 'application/zstd', 'application/x-bzip2', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document']) {
      assert.equal(alreadyCompressed(type), true, type)
    }
    for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/json', 'image/svg+xml', 'image/bmp', 'application/octet-stream', 'application/pdf']) {
      assert.equal(alreadyCompressed(type), false, type)
    }
  })

  it('offers our first encoding the downloader accepts, none when off, not accepted, or a compressed type', () => {
    assert.deepEqual(acceptedEncodings(true), ['zstd', 'gzip'])
    assert.deepEqual(acceptedEncodings(false), [])
    assert.equal(chooseEncoding(true, ['gzip', 'zstd'], 'text/plain'), 'zstd')
    assert.equal(chooseEncoding(true, ['gzip'], 'text/plain'), 'gzip')
    assert.equal(chooseEncoding(true, undefined, 'text/plain'), undefined)
    assert.equal(chooseEncoding(false, ['zstd'], 'text/plain'), undefined)
    assert.equal(chooseEncoding(true, ['zstd'], 'video/webm'), undefined)
  })

  it('compresses what pays, sends the rest raw, and stops trying after a run that did not pay', async () => {
    const compressor = new ChunkCompressor('zstd')
    const packed = await compressor.encode(text)
    assert.equal(packed.compressed, true)
    assert.deepEqual(await decompressChunk('zstd', packed.data.subarray(), text.byteLength), text)
    const random = randomBytes(64 * 1024)
    for (let i = 0; i < GIVE_UP_AFTER; i++) assert.equal((await compressor.encode(random)).compressed, false)
    // given up: even a compressible chunk goes raw, until the periodic retry
    let compressedAt = -1
    for (let i = 1; i <= RETRY_EVERY && compressedAt < 0; i++) {
      if ((await compressor.encode(text)).compressed) compressedAt = i
    }
    assert.equal(compressedAt, RETRY_EVERY)
    assert.equal(compressor.stats.compressedChunks, 2)
    assert.equal(compressor.stats.contentBytes, 2 * text.byteLength + GIVE_UP_AFTER * random.byteLength + (RETRY_EVERY - 1) * text.byteLength)
  })

  it('judges a long chunk by its start: one that starts random goes raw, one that starts compressible is compressed whole', async () => {
    const compressor = new ChunkCompressor('zstd')
    const randomStart = Buffer.concat([randomBytes(SAMPLE_BYTES), text, text])
    assert.equal((await compressor.encode(randomStart)).compressed, false)
    const textStart = Buffer.concat([text.subarray(0, SAMPLE_BYTES), text, randomBytes(SAMPLE_BYTES)])
    const packed = await compressor.encode(textStart)
    assert.equal(packed.compressed, true)
    assert.deepEqual(await decompressChunk('zstd', packed.data.subarray(), textStart.byteLength), textStart)
    // a chunk too short to sample is judged whole
    const short = Buffer.concat([randomBytes(SAMPLE_BYTES / 2), text.subarray(0, SAMPLE_BYTES)])
    assert.equal((await compressor.encode(short)).compressed, true)
  })

  it('takes a chunk as a list of pieces: raw, the same list goes out; compressed, its pieces joined', async () => {
    const compressor = new ChunkCompressor('zstd')
    const random = new Uint8ArrayList(randomBytes(SAMPLE_BYTES), randomBytes(SAMPLE_BYTES), randomBytes(100))
    const raw = await compressor.encode(random)
    assert.equal(raw.compressed, false)
    assert.equal(raw.data, random)
    const compressible = new Uint8ArrayList(text.subarray(0, SAMPLE_BYTES), text.subarray(SAMPLE_BYTES))
    const packed = await compressor.encode(compressible)
    assert.equal(packed.compressed, true)
    assert.deepEqual(await decompressChunk('zstd', packed.data.subarray(), text.byteLength), text)
  })

  it('inflates to exactly the chunk length or fails with BadCompressedChunkError', async () => {
    for (const encoding of ['zstd', 'gzip'] as const) {
      const packed = (await new ChunkCompressor(encoding).encode(text)).data.subarray()
      assert.deepEqual(await decompressChunk(encoding, packed, text.byteLength), text)
      // a bomb stops at the bound; a short one, or garbage, fails too
      await assert.rejects(decompressChunk(encoding, packed, text.byteLength - 1), { name: 'BadCompressedChunkError' })
      await assert.rejects(decompressChunk(encoding, packed, text.byteLength + 1), { name: 'BadCompressedChunkError' })
      await assert.rejects(decompressChunk(encoding, packed.subarray(0, packed.byteLength - 4), text.byteLength), { name: 'BadCompressedChunkError' })
      await assert.rejects(decompressChunk(encoding, randomBytes(100), text.byteLength), { name: 'BadCompressedChunkError' })
    }
    const huge = zstdCompressSync(new Uint8Array(64 * 1024 * 1024))
    await assert.rejects(decompressChunk('zstd', huge, 1024 * 1024), { name: 'BadCompressedChunkError' })
  })
})
