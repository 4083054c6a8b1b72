import assert from 'node:assert/strict'
import path from 'node:path'
import fc from 'fast-check'
import { Uint8ArrayList } from 'uint8arraylist'
import {
  decodeChunkFrame,
  decodeManifest,
  MAX_CHUNK_SIZE,
  decodeMessage,
  decodeMetadata,
  encodeManifest,
  encodeMessage,
  type FailureCode,
  fileIdOf,
  MAX_CHUNKS,
  MAX_CHUNKS_PER_REQUEST,
  MAX_DESCRIPTION_LENGTH,
  MAX_ERROR_MESSAGE_LENGTH,
  MAX_MANIFEST_BYTES,
  MAX_MESSAGE_BYTES,
  MAX_MIME_LENGTH,
  MAX_TAG_LENGTH,
  MAX_TAGS,
  type Message,
  type Priority,
  sanitizeFileName,
  sha256Cid
} from '../src/index.js'
import { ExchangeMessage, Failure, Priority as PbPriority } from '../src/pb/exchange.js'
import { bytesOf, manifestOf, prefixesOf, sha256, toHex } from './fixtures.js'

const INVALID = { name: 'InvalidMessageError' }

const manifest = manifestOf(bytesOf(50_000, 11))
const manifestBytes = encodeManifest(manifest)
const fileId = await fileIdOf(manifest)
const fileHash = manifest.sha256
type Pb = Parameters<typeof ExchangeMessage.encode>[0]
type Bytes = Uint8Array<ArrayBuffer>

const metadata = {
  name: 'holiday photos.zip',
  mimeType: 'application/zip',
  description: 'Summer 2024, all of them',
  tags: ['photos', 'summer'],
  created: 1_718_000_000_123
}

/** One example of every message type */
const examples: Message[] = [
  { type: 'want', fileId },
  { type: 'want', sha256: fileHash },
  { type: 'offer', fileId, manifest: manifestBytes, metadata },
  { type: 'offer', fileId, manifest: manifestBytes, metadata: { name: 'x', mimeType: '', description: '', tags: [], created: 0 } },
  { type: 'request', chunks: [0, 1, 2, MAX_CHUNKS - 1], priority: 'normal' },
  { type: 'request', chunks: [7], priority: 'low' },
  { type: 'request', chunks: [], priority: 'high' },
  { type: 'chunk', index: 3, hash: sha256(bytesOf(100, 2)), data: bytesOf(100, 2) },
  { type: 'chunk', index: 0, hash: new Uint8Array(0), data: bytesOf(16_384, 4) },
  { type: 'chunk', index: MAX_CHUNKS - 1, hash: new Uint8Array(32), data: new Uint8Array(0) },
  { type: 'offer', fileId, manifest: manifestBytes, metadata, have: Uint8Array.from([0b10100000]) },
  { type: 'have', chunks: [9, 2] },
  { type: 'cancel', chunks: [5, 4, 3] },
  { type: 'cancel', chunks: [] },
  { type: 'pause' },
  { type: 'resume' },
  { type: 'complete' },
  ...(['unknown', 'not-found', 'bad-request', 'busy', 'internal'] as FailureCode[]).map(code => ({ type: 'failure' as const, code, message: `failed: ${code}` })),
  { type: 'failure', code: 'busy', message: '' }
]

/** A message as plain data for deepStrictEqual: bytes as hex, CIDs as their JSON form */
function plain (msg: Message): unknown {
  return JSON.parse(JSON.stringify(msg, (_key, value) => value instanceof Uint8Array ? `hex:${toHex(value)}` : value))
}

/** The wire form of an offer, to change one field at a time */
function offerPb (md: Partial<typeof metadata> = {}): Pb {
  return {
    offer: {
      fileId: fileId.bytes as Bytes,
      manifest: manifestBytes as Bytes,
      metadata: { ...metadata, ...md, created: BigInt(md.created ?? metadata.created) },
      have: new Uint8Array(0) as Bytes,
      encoding: 0,
      parts: false
    }
  }
}

describe('exchange messages', () => {
  describe('round trip', () => {
    for (const msg of examples) {
      it(`encodes and decodes ${JSON.stringify(plain(msg)).slice(0, 90)}`, () => {
        const bytes = encodeMessage(msg)
        assert.ok(bytes.byteLength <= MAX_MESSAGE_BYTES)
        assert.deepEqual(plain(decodeMessage(bytes)), plain(msg))
        // the same bytes split over a Uint8ArrayList decode the same
        const list = new Uint8ArrayList(bytes.subarray(0, 1), bytes.subarray(1))
        assert.deepEqual(plain(decodeMessage(list)), plain(msg))
      })
    }

    it('round trips every priority', () => {
      for (const priority of ['low', 'normal', 'high'] as Priority[]) {
        const msg = decodeMessage(encodeMessage({ type: 'request', chunks: [1], priority }))
        assert.equal(msg.type === 'request' && msg.priority, priority)
      }
    })

    it('accepts a request of exactly MAX_CHUNKS_PER_REQUEST indices', () => {
      const chunks = Array.from({ length: MAX_CHUNKS_PER_REQUEST }, (_, i) => MAX_CHUNKS - 1 - i)
      assert.deepEqual(plain(decodeMessage(encodeMessage({ type: 'request', chunks, priority: 'high' }))), plain({ type: 'request', chunks, priority: 'high' }))
      assert.deepEqual(plain(decodeMessage(encodeMessage({ type: 'cancel', chunks }))), plain({ type: 'cancel', chunks }))
    })

    it('accepts exactly MAX_TAGS tags of MAX_TAG_LENGTH and the longest description and MIME type', () => {
      const md = {
        ...metadata,
        tags: Array.from({ length: MAX_TAGS }, (_, i) => String(i).padEnd(MAX_TAG_LENGTH, 't')),
        description: 'd'.repeat(MAX_DESCRIPTION_LENGTH),
        mimeType: 'm'.repeat(MAX_MIME_LENGTH)
      }
      const msg = decodeMessage(encodeMessage({ type: 'offer', fileId, manifest: manifestBytes, metadata: md }))
      assert.deepEqual(plain(msg), plain({ type: 'offer', fileId, manifest: manifestBytes, metadata: md }))
    })

    it('fits an Offer of the largest manifest, a full have-bitfield and metadata at every limit in MAX_MESSAGE_BYTES', async () => {
      const hash = sha256(Uint8Array.of(1))
      const biggest = encodeManifest({ version: 1, size: MAX_CHUNKS * MAX_CHUNK_SIZE, chunkSize: MAX_CHUNK_SIZE, chunkHashes: new Array(MAX_CHUNKS).fill(hash), sha256: hash })
      const md = {
        name: '\u{1F600}'.repeat(200),
        tags: Array.from({ length: MAX_TAGS }, () => '\u{1F600}'.repeat(MAX_TAG_LENGTH / 2)),
        description: '\u{1F600}'.repeat(MAX_DESCRIPTION_LENGTH / 2),
        mimeType: 'm'.repeat(MAX_MIME_LENGTH),
        created: Number.MAX_SAFE_INTEGER
      }
      const have = new Uint8Array(MAX_CHUNKS / 8).fill(0xff)
      const bytes = encodeMessage({ type: 'offer', fileId: await fileIdOf(decodeManifest(biggest)), manifest: biggest, metadata: md, have })
      assert.ok(bytes.byteLength <= MAX_MESSAGE_BYTES, `${bytes.byteLength} > ${MAX_MESSAGE_BYTES}`)
      assert.equal(decodeMessage(bytes).type, 'offer')
    })

    it('clamps a negative or fractional created time to whole non-negative milliseconds', () => {
      for (const [created, expected] of [[-5, 0], [12.9, 12]]) {
        const msg = decodeMessage(encodeMessage({ type: 'offer', fileId, manifest: manifestBytes, metadata: { ...metadata, created } }))
        assert.equal(msg.type === 'offer' && msg.metadata.created, expected)
      }
    })

    it('reads a created time beyond what a number holds as 0', () => {
      const offer = offerPb().offer!
      const msg = decodeMessage(ExchangeMessage.encode({ offer: { ...offer, metadata: { ...offer.metadata!, created: 2n ** 64n - 1n } } }))
      assert.equal(msg.type === 'offer' && msg.metadata.created, 0)
    })

    it('bounds failure messages to MAX_ERROR_MESSAGE_LENGTH on both sides', () => {
      const long = 'e'.repeat(MAX_ERROR_MESSAGE_LENGTH * 2)
      const sent = decodeMessage(encodeMessage({ type: 'failure', code: 'internal', message: long }))
      assert.equal(sent.type === 'failure' && sent.message, long.slice(0, MAX_ERROR_MESSAGE_LENGTH))
      const received = decodeMessage(ExchangeMessage.encode({ failure: { code: Failure.Code.BUSY, message: long } }))
      assert.deepEqual(plain(received), { type: 'failure', code: 'busy', message: long.slice(0, MAX_ERROR_MESSAGE_LENGTH) })
    })
  })

  describe('compression negotiation', () => {
    it('round trips the encodings a Want accepts and the one an Offer names', () => {
      const want = decodeMessage(encodeMessage({ type: 'want', fileId, accept: ['zstd', 'gzip'] }))
      assert.deepEqual(want.type === 'want' && want.accept, ['zstd', 'gzip'])
      const offer = decodeMessage(encodeMessage({ type: 'offer', fileId, manifest: manifestBytes, metadata, encoding: 'gzip' }))
      assert.equal(offer.type === 'offer' && offer.encoding, 'gzip')
      const chunk = decodeMessage(encodeMessage({ type: 'chunk', index: 2, hash: new Uint8Array(0), data: Uint8Array.of(1), compressed: true }))
      assert.equal(chunk.type === 'chunk' && chunk.compressed, true)
    })

    it('writes the messages of peers without compression byte for byte when nothing is negotiated', () => {
      const old = ExchangeMessage.encode({ want: { fileId: fileId.bytes as Bytes, sha256: new Uint8Array(0) as Bytes, accept: 0 } })
      assert.deepEqual(encodeMessage({ type: 'want', fileId }), old)
      assert.deepEqual(encodeMessage({ type: 'want', fileId, accept: [] }), old)
      const want = decodeMessage(old)
      assert.equal(want.type === 'want' && want.accept, undefined)
      const offer = decodeMessage(ExchangeMessage.encode(offerPb()))
      assert.equal(offer.type === 'offer' && offer.encoding, undefined)
    })

    it('ignores encodings it does not know in a Want, refuses an Offer naming one', () => {
      const want = decodeMessage(ExchangeMessage.encode({ want: { fileId: fileId.bytes as Bytes, sha256: new Uint8Array(0) as Bytes, accept: (1 << 1) | (1 << 9) } }))
      assert.deepEqual(want.type === 'want' && want.accept, ['zstd'])
      const offer = offerPb()
      assert.throws(() => decodeMessage(ExchangeMessage.encode({ offer: { ...offer.offer!, encoding: 7 } })), INVALID)
    })
  })

  describe('Want.first (exchange 1.1.0)', () => {
    it('round trips the chunks asked for with the Want, and their priority', () => {
      const want = decodeMessage(encodeMessage({ type: 'want', fileId, first: { chunks: [3, 0, 7], priority: 'high' } }))
      assert.deepEqual(want.type === 'want' && want.first, { chunks: [3, 0, 7], priority: 'high' })
    })

    it('a Want without it is the 1.0.0 Want, byte for byte', () => {
      const old = ExchangeMessage.encode({ want: { fileId: fileId.bytes as Bytes, sha256: new Uint8Array(0) as Bytes, accept: 0 } })
      assert.deepEqual(encodeMessage({ type: 'want', fileId }), old)
      assert.equal((decodeMessage(old) as { first?: unknown }).first, undefined)
    })

    it(`refuses more than MAX_CHUNKS_PER_REQUEST (${MAX_CHUNKS_PER_REQUEST}) chunks in it`, () => {
      const chunks = Array.from({ length: MAX_CHUNKS_PER_REQUEST + 1 }, (_, i) => i)
      const bytes = ExchangeMessage.encode({ want: { fileId: fileId.bytes as Bytes, sha256: new Uint8Array(0) as Bytes, accept: 0, first: { chunks, priority: PbPriority.NORMAL } } })
      assert.throws(() => decodeMessage(bytes), INVALID)
    })
  })

  describe('rejects', () => {
    it('an empty message', () => {
      assert.throws(() => decodeMessage(new Uint8Array(0)), INVALID)
      assert.throws(() => decodeMessage(ExchangeMessage.encode({})), INVALID)
      assert.throws(() => decodeMessage(new Uint8ArrayList()), INVALID)
    })

    it('a message with only unknown fields', () => {
      // field 20, varint 0; field 15, length-delimited, 2 bytes
      assert.throws(() => decodeMessage(Uint8Array.of(0xa0, 0x01, 0x00)), INVALID)
      assert.throws(() => decodeMessage(Uint8Array.of(0x7a, 0x02, 0x01, 0x02)), INVALID)
    })

    it('a message with two fields set', () => {
      const pairs: Pb[] = [
        { pause: {}, resume: {} },
        { want: { fileId: fileId.bytes as Bytes, sha256: new Uint8Array(0), accept: 0 }, complete: {} },
        { request: { chunks: [1], priority: PbPriority.NORMAL }, cancel: { chunks: [1] } },
        { chunk: { index: 0, hash: new Uint8Array(0), data: Uint8Array.of(1), compressed: false }, failure: { code: Failure.Code.BUSY, message: 'x' } },
        { ...offerPb(), pause: {} }
      ]
      for (const pb of pairs) assert.throws(() => decodeMessage(ExchangeMessage.encode(pb)), INVALID, Object.keys(pb).join('+'))
      // two valid messages concatenated are two fields too
      const both = Uint8Array.of(...encodeMessage({ type: 'pause' }), ...encodeMessage({ type: 'complete' }))
      assert.throws(() => decodeMessage(both), INVALID)
    })

    it('every truncation of every message type', () => {
      for (const msg of examples) {
        const bytes = encodeMessage(msg)
        for (const prefix of prefixesOf(bytes)) {
          assert.throws(() => decodeMessage(prefix), INVALID, `${msg.type} cut at ${prefix.byteLength} of ${bytes.byteLength}`)
        }
      }
    })

    it('garbage', () => {
      const garbage = [
        new Uint8Array(16).fill(0xff),
        new Uint8Array(3).fill(0x80),
        new TextEncoder().encode('GET / HTTP/1.1\r\n\r\n'),
        Uint8Array.of(0x0a, 0x05, 0x01),
        Uint8Array.of(0x0f),
        Uint8Array.of(0x00, 0x00)
      ]
      for (const bytes of garbage) assert.throws(() => decodeMessage(bytes), INVALID, toHex(bytes))
    })

    it('never throws anything but InvalidMessageError on arbitrary bytes', () => {
      const arbitraryBytes = fc.oneof(
        fc.uint8Array({ maxLength: 256 }),
        // valid messages with a few bytes changed
        fc.tuple(fc.constantFrom(...examples), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }))
          .map(([msg, edits]) => {
            const bytes = encodeMessage(msg)
            for (const [at, value] of edits) bytes[at % bytes.byteLength] = value
            return bytes
          })
      )
      fc.assert(fc.property(arbitraryBytes, bytes => {
        try {
          decodeMessage(bytes)
        } catch (err: any) {
          assert.equal(err.name, 'InvalidMessageError', err.stack)
        }
      }), { numRuns: 2000 })
    })

    it('a message over MAX_MESSAGE_BYTES', () => {
      const data = new Uint8Array(MAX_MESSAGE_BYTES)
      const bytes = encodeMessage({ type: 'chunk', index: 0, hash: new Uint8Array(0), data })
      assert.ok(bytes.byteLength > MAX_MESSAGE_BYTES)
      assert.throws(() => decodeMessage(bytes), INVALID)
      assert.throws(() => decodeMessage(new Uint8ArrayList(bytes.subarray(0, 10), bytes.subarray(10))), INVALID)
    })

    it('a request or cancel of more than MAX_CHUNKS_PER_REQUEST indices', () => {
      const chunks = Array.from({ length: MAX_CHUNKS_PER_REQUEST + 1 }, (_, i) => i)
      assert.throws(() => decodeMessage(encodeMessage({ type: 'request', chunks, priority: 'normal' })), INVALID)
      assert.throws(() => decodeMessage(encodeMessage({ type: 'cancel', chunks })), INVALID)
    })

    it('a chunk index at or beyond MAX_CHUNKS', () => {
      for (const index of [MAX_CHUNKS, MAX_CHUNKS + 1, 2 ** 32 - 1]) {
        assert.throws(() => decodeMessage(encodeMessage({ type: 'chunk', index, hash: new Uint8Array(0), data: Uint8Array.of(1) })), INVALID, String(index))
        assert.throws(() => decodeMessage(encodeMessage({ type: 'request', chunks: [0, index], priority: 'normal' })), INVALID, String(index))
        assert.throws(() => decodeMessage(encodeMessage({ type: 'cancel', chunks: [index] })), INVALID, String(index))
      }
    })

    it('a chunk hash that is neither empty nor 32 bytes', () => {
      for (const len of [1, 20, 31, 33, 64]) {
        assert.throws(() => decodeMessage(encodeMessage({ type: 'chunk', index: 1, hash: new Uint8Array(len), data: Uint8Array.of(1) })), INVALID, String(len))
      }
    })

    it('an unknown priority or failure code', () => {
      // field 3 (request) { field 2 (priority) = 7 }
      assert.throws(() => decodeMessage(Uint8Array.of(0x1a, 0x02, 0x10, 0x07)), INVALID)
      // field 9 (failure) { field 1 (code) = 9 }
      assert.throws(() => decodeMessage(Uint8Array.of(0x4a, 0x02, 0x08, 0x09)), INVALID)
    })

    it('a want with both or neither of file id and sha256, or a malformed one', () => {
      const empty = new Uint8Array(0)
      const wants = [
        { fileId: fileId.bytes, sha256: fileHash },
        { fileId: empty, sha256: empty },
        { fileId: empty, sha256: fileHash.subarray(0, 31) },
        { fileId: empty, sha256: new Uint8Array(33) },
        { fileId: bytesOf(36, 1), sha256: empty },
        { fileId: sha256Cid(fileHash).bytes, sha256: empty },
        { fileId: fileId.bytes.subarray(1), sha256: empty }
      ]
      for (const want of wants) {
        assert.throws(() => decodeMessage(ExchangeMessage.encode({ want: { accept: 0, ...want } as { fileId: Bytes, sha256: Bytes, accept: number } })), INVALID)
      }
      assert.throws(() => decodeMessage(encodeMessage({ type: 'want', fileId, sha256: fileHash })), INVALID)
      assert.throws(() => decodeMessage(encodeMessage({ type: 'want' })), INVALID)
    })

    it('an offer with too many, empty or too long tags', () => {
      const tooMany = Array.from({ length: MAX_TAGS + 1 }, (_, i) => `t${i}`)
      for (const tags of [tooMany, ['ok', ''], ['t'.repeat(MAX_TAG_LENGTH + 1)]]) {
        assert.throws(() => decodeMessage(ExchangeMessage.encode(offerPb({ tags }))), INVALID, `${tags.length} tags`)
      }
    })

    it('an offer with a too long description or MIME type', () => {
      assert.throws(() => decodeMessage(ExchangeMessage.encode(offerPb({ description: 'd'.repeat(MAX_DESCRIPTION_LENGTH + 1) }))), INVALID)
      assert.throws(() => decodeMessage(ExchangeMessage.encode(offerPb({ mimeType: 'm'.repeat(MAX_MIME_LENGTH + 1) }))), INVALID)
    })

    it('an offer with no metadata, no or an oversized manifest, or a bad file id', () => {
      const offer = offerPb().offer!
      const bad: Pb[] = [
        { offer: { ...offer, metadata: undefined } },
        { offer: { ...offer, manifest: new Uint8Array(0) } },
        { offer: { ...offer, manifest: new Uint8Array(MAX_MANIFEST_BYTES + 1) } },
        { offer: { ...offer, fileId: new Uint8Array(0) } },
        { offer: { ...offer, fileId: sha256Cid(fileHash).bytes as Bytes } }
      ]
      for (const pb of bad) assert.throws(() => decodeMessage(ExchangeMessage.encode(pb)), INVALID)
    })
  })

  describe('offer metadata', () => {
    const nameOf = (name: string): string => {
      const msg = decodeMessage(ExchangeMessage.encode(offerPb({ name })))
      assert.equal(msg.type, 'offer')
      return msg.type === 'offer' ? msg.metadata.name : ''
    }

    it('keeps a normal name', () => {
      assert.equal(nameOf('holiday photos.zip'), 'holiday photos.zip')
      assert.equal(nameOf('Übersicht 2024.txt'), 'Übersicht 2024.txt')
    })

    it('sanitises a name into one safe path component', () => {
      for (const hostile of ['../../etc/passwd', '..\\..\\Windows\\System32\\evil.dll', '/etc/shadow', 'C:\\boot.ini', 'a/../../b', '.bashrc', 'x\0.txt', 'NUL', 'e\u202eexe.txt']) {
        const name = nameOf(hostile)
        assert.equal(name, sanitizeFileName(hostile))
        assert.ok(!/[/\\\0]/.test(name), name)
        assert.ok(!name.startsWith('.'), name)
        assert.equal(path.basename(name), name)
        assert.equal(path.dirname(path.join('/downloads', name)), '/downloads')
      }
      assert.equal(nameOf('../../etc/passwd'), '_.._etc_passwd')
    })

    it('names a file whose name cannot be made safe "unnamed"', () => {
      for (const name of ['', '.', '..', '...', '   ', '\u200b']) assert.equal(nameOf(name), 'unnamed', JSON.stringify(name))
    })

    it('decodeMetadata applies the same rules to values from elsewhere', () => {
      assert.deepEqual(decodeMetadata({ ...metadata, name: '../x' }), { ...metadata, name: '_x' })
      assert.throws(() => decodeMetadata(undefined), INVALID)
      assert.throws(() => decodeMetadata({ ...metadata, tags: Array.from({ length: MAX_TAGS + 1 }, () => 't') }), INVALID)
    })
  })

  describe('values above 32 bits are refused, never read modulo 2^32', () => {
    /** A protobuf varint of any unsigned value, up to the 10 bytes of a 64-bit one */
    function varint (value: bigint): number[] {
      const out: number[] = []
      let v = value
      while (v >= 0x80n) {
        out.push(Number(v & 0x7fn) | 0x80)
        v >>= 7n
      }
      out.push(Number(v))
      return out
    }
    /** An ExchangeMessage holding one sub-message (`field`) whose bytes are `inner` */
    function frame (field: number, inner: number[]): Uint8Array {
      return Uint8Array.from([(field << 3) | 2, ...varint(BigInt(inner.length)), ...inner])
    }
    // 2^32 (read as 0 by a 32-bit reader), 2^32 + 7, 2^53 + 1, and -1 as int32/int64 write it (10 bytes)
    const encodings: Array<[string, number[]]> = [
      ['2^32', varint(2n ** 32n)],
      ['2^32 + 7', varint(2n ** 32n + 7n)],
      ['2^53 + 1', varint(2n ** 53n + 1n)],
      ['-1 (10 bytes)', varint(2n ** 64n - 1n)],
      ['MAX_CHUNKS', varint(BigInt(MAX_CHUNKS))],
      ['7 written in 6 bytes', [0x87, 0x80, 0x80, 0x80, 0x80, 0x00]]
    ]
    const fields: Array<[string, number]> = [['request', 3], ['cancel', 5], ['have', 10]]

    for (const [what, bytes] of encodings) {
      for (const [type, field] of fields) {
        it(`a ${type} index of ${what}`, () => {
          assert.throws(() => decodeMessage(frame(field, [0x08, ...bytes])), INVALID)
          // also behind a valid index, and as the only entry of a list
          assert.throws(() => decodeMessage(frame(field, [0x08, 0x01, 0x08, ...bytes])), INVALID)
        })
      }
      it(`a chunk index of ${what}, in the usual layout and in any other`, () => {
        const data = [0x1a, 0x01, 0xaa]
        const usual = frame(4, [0x08, ...bytes, ...data])
        assert.throws(() => decodeMessage(usual), INVALID)
        assert.throws(() => decodeChunkFrame(new Uint8ArrayList(usual)), INVALID)
        const other = frame(4, [...data, 0x08, ...bytes])
        assert.equal(decodeChunkFrame(new Uint8ArrayList(other)), undefined)
        assert.throws(() => decodeMessage(other), INVALID)
      })
    }

    it('a length of 2^32 + 32 (read as 32 by a 32-bit reader) in a Want', () => {
      const inner = [0x12, ...varint(2n ** 32n + 32n), ...new Array(32).fill(1)]
      assert.throws(() => decodeMessage(frame(1, inner)), INVALID)
    })

    it('a priority of 2^32 + 2 (read as HIGH by a 32-bit reader)', () => {
      assert.throws(() => decodeMessage(frame(3, [0x08, 0x01, 0x10, ...varint(2n ** 32n + 2n)])), INVALID)
    })

    it('a field given twice, an unknown field, a packed list', () => {
      const chunk = [0x08, 0x03, 0x1a, 0x01, 0xaa]
      const twice = Uint8Array.from([...frame(4, chunk), ...frame(4, chunk)])
      assert.throws(() => decodeMessage(twice), INVALID)
      assert.throws(() => decodeMessage(frame(3, [0x08, 0x01, 0x78, 0x01])), INVALID)
      assert.throws(() => decodeMessage(frame(3, [0x0a, 0x02, 0x01, 0x02])), INVALID)
    })

    it('the largest index and every message of our own encoder still decode', () => {
      assert.deepEqual(decodeMessage(frame(3, [0x08, ...varint(BigInt(MAX_CHUNKS - 1))])), { type: 'request', chunks: [MAX_CHUNKS - 1], priority: 'normal' })
      for (const msg of examples) assert.equal(decodeMessage(encodeMessage(msg)).type, msg.type)
    })
  })
})
