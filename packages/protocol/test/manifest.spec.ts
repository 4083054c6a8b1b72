import assert from 'node:assert/strict'
import fc from 'fast-check'
import {
  chunkSizeFor,
  chunkCountFor,
  chunkLength,
  chunkOffset,
  DEFAULT_CHUNK_SIZE,
  decodeManifest,
  encodeManifest,
  isValidChunkSize,
  MANIFEST_VERSION,
  MAX_CHUNK_SIZE,
  MAX_CHUNKS,
  MAX_FILE_SIZE,
  MAX_MANIFEST_BYTES,
  MIN_CHUNK_SIZE,
  type Manifest,
  SHA256_LENGTH,
  validateManifest
} from '../src/index.js'
import { Manifest as ManifestPb } from '../src/pb/manifest.js'
import { bytesOf, manifestOf, plainManifest, prefixesOf, sha256 } from './fixtures.js'

const INVALID = { name: 'InvalidManifestError' }
const C = MIN_CHUNK_SIZE

function hashes (n: number): Uint8Array[] {
  return Array.from({ length: n }, (_, i) => sha256(Uint8Array.of(i)))
}

function manifest (overrides: Partial<Manifest> = {}): Manifest {
  return { ...manifestOf(bytesOf(C * 2 + 7), C), ...overrides }
}

describe('manifest', () => {
  describe('chunk arithmetic', () => {
    for (const chunkSize of [MIN_CHUNK_SIZE, DEFAULT_CHUNK_SIZE, MAX_CHUNK_SIZE]) {
      it(`counts chunks at the edges (chunk size ${chunkSize})`, () => {
        assert.equal(chunkCountFor(0, chunkSize), 0)
        assert.equal(chunkCountFor(1, chunkSize), 1)
        assert.equal(chunkCountFor(chunkSize - 1, chunkSize), 1)
        assert.equal(chunkCountFor(chunkSize, chunkSize), 1)
        assert.equal(chunkCountFor(chunkSize + 1, chunkSize), 2)
        assert.equal(chunkCountFor(2 * chunkSize, chunkSize), 2)
        assert.equal(chunkCountFor(2 * chunkSize + 1, chunkSize), 3)
      })

      it(`gives every chunk's length at the edges (chunk size ${chunkSize})`, () => {
        const len = (size: number, index: number): number => chunkLength({ size, chunkSize }, index)
        assert.equal(len(0, 0), 0)
        assert.equal(len(1, 0), 1)
        assert.equal(len(1, 1), 0)
        assert.equal(len(chunkSize - 1, 0), chunkSize - 1)
        assert.equal(len(chunkSize, 0), chunkSize)
        assert.equal(len(chunkSize, 1), 0)
        assert.equal(len(chunkSize + 1, 0), chunkSize)
        assert.equal(len(chunkSize + 1, 1), 1)
        assert.equal(len(chunkSize + 1, 2), 0)
      })
    }

    it('chunk lengths add up to the size and offsets are contiguous', () => {
      fc.assert(fc.property(
        fc.integer({ min: 0, max: 64 * C }),
        fc.constantFrom(MIN_CHUNK_SIZE, 2 * MIN_CHUNK_SIZE, 8 * MIN_CHUNK_SIZE),
        (size, chunkSize) => {
          const count = chunkCountFor(size, chunkSize)
          let total = 0
          for (let i = 0; i < count; i++) {
            assert.equal(chunkOffset({ chunkSize }, i), total)
            const n = chunkLength({ size, chunkSize }, i)
            assert.ok(n > 0 && n <= chunkSize)
            if (i < count - 1) assert.equal(n, chunkSize)
            total += n
          }
          assert.equal(total, size)
          assert.equal(chunkLength({ size, chunkSize }, count), 0)
        }
      ), { numRuns: 500 })
    })

    it('accepts only powers of two in range as chunk sizes', () => {
      for (let s = MIN_CHUNK_SIZE; s <= MAX_CHUNK_SIZE; s *= 2) assert.equal(isValidChunkSize(s), true, String(s))
      for (const s of [0, -C, 1, 1024, C / 2, C + 1, 3 * C, 24 * 1024, MAX_CHUNK_SIZE - 1, MAX_CHUNK_SIZE * 2, C + 0.5, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.equal(isValidChunkSize(s), false, String(s))
      }
    })
  })

  describe('encode and decode', () => {
    for (const size of [0, 1, C - 1, C, C + 1, 3 * C + 5]) {
      it(`round trips the manifest of a ${size} byte file`, () => {
        const m = manifestOf(bytesOf(size, size + 1), C)
        assert.equal(m.chunkHashes.length, chunkCountFor(size, C))
        const bytes = encodeManifest(m)
        assert.ok(bytes.byteLength <= MAX_MANIFEST_BYTES)
        assert.deepEqual(plainManifest(decodeManifest(bytes)), plainManifest(m))
      })
    }

    it('round trips manifests at the default chunk size', () => {
      const m = { ...manifestOf(new Uint8Array(0)), size: 5 * DEFAULT_CHUNK_SIZE + 3, chunkSize: DEFAULT_CHUNK_SIZE, chunkHashes: hashes(6) }
      assert.deepEqual(plainManifest(decodeManifest(encodeManifest(m))), plainManifest(m))
    })

    it('round trips a manifest with MAX_CHUNKS chunks within MAX_MANIFEST_BYTES', () => {
      const hash = sha256(Uint8Array.of(1))
      const m: Manifest = {
        version: MANIFEST_VERSION,
        size: MAX_CHUNKS * MAX_CHUNK_SIZE,
        chunkSize: MAX_CHUNK_SIZE,
        chunkHashes: new Array(MAX_CHUNKS).fill(hash),
        sha256: hash
      }
      const bytes = encodeManifest(m)
      assert.ok(bytes.byteLength <= MAX_MANIFEST_BYTES, `${bytes.byteLength} > ${MAX_MANIFEST_BYTES}`)
      const decoded = decodeManifest(bytes)
      assert.equal(decoded.size, m.size)
      assert.equal(decoded.chunkHashes.length, MAX_CHUNKS)
      assert.throws(() => encodeManifest({ ...m, size: m.size + 1, chunkHashes: [...m.chunkHashes, hash] }), INVALID)
    })

    it('bounds a manifest to MAX_FILE_SIZE = MAX_CHUNKS chunks of the largest size, 512 GiB', () => {
      assert.equal(MAX_FILE_SIZE, MAX_CHUNKS * MAX_CHUNK_SIZE)
      assert.equal(MAX_FILE_SIZE, 512 * 1024 ** 3)
      assert.ok(MAX_MANIFEST_BYTES < 5 * 1024 * 1024, 'the largest manifest is under 5 MiB')
    })

    it('picks a larger chunk size for a file too large for MAX_CHUNKS of the preferred one', () => {
      assert.equal(chunkSizeFor(10 * 1024 ** 3, DEFAULT_CHUNK_SIZE), DEFAULT_CHUNK_SIZE)
      assert.equal(chunkSizeFor(MAX_CHUNKS * DEFAULT_CHUNK_SIZE, DEFAULT_CHUNK_SIZE), DEFAULT_CHUNK_SIZE)
      assert.equal(chunkSizeFor(MAX_CHUNKS * DEFAULT_CHUNK_SIZE + 1, DEFAULT_CHUNK_SIZE), 2 * DEFAULT_CHUNK_SIZE)
      assert.equal(chunkSizeFor(MAX_FILE_SIZE, DEFAULT_CHUNK_SIZE), MAX_CHUNK_SIZE)
      assert.equal(chunkSizeFor(MAX_FILE_SIZE + 1, DEFAULT_CHUNK_SIZE), MAX_CHUNK_SIZE)
      assert.ok(chunkCountFor(MAX_FILE_SIZE + 1, MAX_CHUNK_SIZE) > MAX_CHUNKS)
    })

    it('encodes deterministically', () => {
      const a = encodeManifest(manifest())
      const b = encodeManifest(manifestOf(bytesOf(C * 2 + 7), C))
      assert.deepEqual(a, b)
      assert.notDeepEqual(a, encodeManifest(manifestOf(bytesOf(C * 2 + 7, 99), C)))
    })

    it('refuses to encode an invalid manifest', () => {
      assert.throws(() => encodeManifest(manifest({ version: 2 })), INVALID)
      assert.throws(() => encodeManifest(manifest({ chunkHashes: [] })), INVALID)
    })
  })

  describe('validateManifest', () => {
    it('returns a valid manifest unchanged', () => {
      const m = manifest()
      assert.equal(validateManifest(m), m)
      assert.equal(validateManifest(manifestOf(new Uint8Array(0))).chunkHashes.length, 0)
    })

    it('rejects a version other than the current one', () => {
      for (const version of [0, MANIFEST_VERSION + 1, 255, -1]) {
        assert.throws(() => validateManifest(manifest({ version })), INVALID, String(version))
      }
    })

    it('rejects a chunk size that is not a power of two in range', () => {
      for (const chunkSize of [0, 1, 3000, 24 * 1024, C / 2, C + 1, MAX_CHUNK_SIZE * 2, 2 ** 31, C + 0.5]) {
        const m = manifest({ chunkSize, chunkHashes: hashes(chunkSize > 0 ? chunkCountFor(C * 2 + 7, chunkSize) : 0) })
        assert.throws(() => validateManifest(m), INVALID, String(chunkSize))
      }
    })

    it('rejects a size out of range', () => {
      for (const size of [-1, 1.5, MAX_FILE_SIZE + 2, Number.NaN, Number.POSITIVE_INFINITY]) {
        assert.throws(() => validateManifest(manifest({ size })), INVALID, String(size))
      }
    })

    it('rejects more chunks than MAX_CHUNKS', () => {
      const size = MAX_CHUNKS * C + 1
      assert.throws(() => validateManifest(manifest({ size, chunkSize: C, chunkHashes: [] })), INVALID)
      // the same size is fine at a chunk size that keeps the count in bounds
      assert.doesNotThrow(() => validateManifest(manifest({ size, chunkSize: 2 * C, chunkHashes: hashes(chunkCountFor(size, 2 * C)) })))
    })

    it('rejects a chunk hash count that does not match the size', () => {
      const m = manifest()
      assert.throws(() => validateManifest({ ...m, chunkHashes: m.chunkHashes.slice(1) }), INVALID)
      assert.throws(() => validateManifest({ ...m, chunkHashes: [...m.chunkHashes, sha256(new Uint8Array(1))] }), INVALID)
      assert.throws(() => validateManifest({ ...m, size: 0 }), INVALID)
      assert.throws(() => validateManifest({ ...manifestOf(new Uint8Array(0)), chunkHashes: hashes(1) }), INVALID)
    })

    it('rejects hashes that are not 32 bytes', () => {
      const m = manifest()
      for (const len of [0, 1, SHA256_LENGTH - 1, SHA256_LENGTH + 1, 64]) {
        const bad = new Uint8Array(len)
        assert.throws(() => validateManifest({ ...m, chunkHashes: [m.chunkHashes[0], bad, m.chunkHashes[2]] }), INVALID, `chunk hash ${len}`)
        assert.throws(() => validateManifest({ ...m, sha256: bad }), INVALID, `file hash ${len}`)
      }
    })
  })

  describe('decodeManifest on untrusted bytes', () => {
    it('rejects every truncation of a valid encoding', () => {
      for (const size of [0, 1, C + 1, 3 * C]) {
        const bytes = encodeManifest(manifestOf(bytesOf(size), C))
        for (const prefix of prefixesOf(bytes)) {
          assert.throws(() => decodeManifest(prefix), INVALID, `${size} byte file cut at ${prefix.byteLength}`)
        }
      }
    })

    it('rejects garbage', () => {
      const garbage = [
        new Uint8Array(0),
        new Uint8Array(16).fill(0xff),
        new TextEncoder().encode('not a manifest at all'),
        Uint8Array.of(0x08),
        Uint8Array.of(0x0a, 0x7f, 0x01),
        bytesOf(4096, 7)
      ]
      for (const bytes of garbage) assert.throws(() => decodeManifest(bytes), INVALID)
    })

    it('never throws anything but InvalidManifestError, and returns only valid manifests', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 512 }), bytes => {
        let m: Manifest
        try {
          m = decodeManifest(bytes)
        } catch (err: any) {
          assert.equal(err.name, 'InvalidManifestError')
          return
        }
        assert.doesNotThrow(() => validateManifest(m))
      }), { numRuns: 2000 })
    })

    it('rejects input over MAX_MANIFEST_BYTES before decoding it', () => {
      const valid = encodeManifest(manifest())
      const oversized = new Uint8Array(MAX_MANIFEST_BYTES + 1)
      oversized.set(valid)
      assert.throws(() => decodeManifest(oversized), INVALID)
    })

    it('rejects a wrong version, size, chunk size or hash count written on the wire', () => {
      const m = manifest()
      const hashes = m.chunkHashes as ManifestPb['chunkHashes']
      const pb: ManifestPb = { version: m.version, size: BigInt(m.size), chunkSize: m.chunkSize, chunkHashes: hashes, sha256: m.sha256 as ManifestPb['sha256'] }
      assert.doesNotThrow(() => decodeManifest(ManifestPb.encode(pb)))
      const bad: Array<Partial<ManifestPb>> = [
        { version: 2 },
        { version: 0 },
        { size: BigInt(MAX_FILE_SIZE) + 1n },
        { size: 2n ** 64n - 1n },
        { chunkSize: 3000 },
        { chunkSize: 0 },
        { chunkHashes: hashes.slice(0, 2) },
        { chunkHashes: [...hashes, hashes[0]] },
        { chunkHashes: [hashes[0], hashes[1], new Uint8Array(31)] },
        { sha256: new Uint8Array(33) }
      ]
      for (const fields of bad) {
        assert.throws(() => decodeManifest(ManifestPb.encode({ ...pb, ...fields })), INVALID, String(Object.keys(fields)))
      }
    })
  })
})
