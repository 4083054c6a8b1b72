import assert from 'node:assert/strict'
import path from 'node:path'
import fc from 'fast-check'
import {
  COLLECTION_CODEC,
  COLLECTION_VERSION,
  type Collection,
  type CollectionEntry,
  MANIFEST_CODEC,
  MAX_COLLECTION_BYTES,
  MAX_COLLECTION_DEPTH,
  MAX_COLLECTION_ENTRIES,
  MAX_COLLECTION_PATH_BYTES,
  buildCollection,
  checkCollectionPath,
  collectionIdFromBytes,
  collectionIdOf,
  collectionTotals,
  comparePaths,
  decodeCollection,
  encodeCollection,
  fileIdOf,
  formatCollectionId,
  formatFileId,
  parseCollectionId,
  parseContentRef,
  parseFileRef,
  sanitizePathSegment,
  verifyCollection
} from '../src/index.js'
import { Collection as CollectionPb } from '../src/pb/collection.js'
import { bytesOf, manifestOf, sha256 } from './fixtures.js'

const INVALID = { name: 'InvalidCollectionError' }
const fileId = await fileIdOf(manifestOf(bytesOf(100)))
const otherId = await fileIdOf(manifestOf(bytesOf(200, 7)))

function file (p: string, size = 100, id = fileId): CollectionEntry {
  return { kind: 'file', path: p, size, ...(size > 0 ? { fileId: id } : {}) }
}

function raw (entries: Array<{ path: string, size?: bigint, fileId?: Uint8Array, directory?: boolean }>, version = COLLECTION_VERSION): Uint8Array {
  return CollectionPb.encode({
    version,
    entries: entries.map(e => ({ path: e.path, size: e.size ?? 0n, fileId: (e.fileId ?? new Uint8Array(0)) as Uint8Array<ArrayBuffer>, directory: e.directory ?? false }))
  })
}

describe('collection', () => {
  const sample = buildCollection([
    file('b/c.txt'),
    { kind: 'directory', path: 'empty' },
    file('a.txt', 0),
    file('.config', 200, otherId),
    file('b/x y ü.bin')
  ])

  it('round-trips through its canonical bytes, sorted by path bytes', () => {
    const bytes = encodeCollection(sample)
    assert.deepEqual(decodeCollection(bytes), sample)
    assert.deepEqual(sample.entries.map(e => e.path), ['.config', 'a.txt', 'b/c.txt', 'b/x y ü.bin', 'empty'])
  })

  it('has an id with its own codec that commits to every entry', async () => {
    const id = await collectionIdOf(sample)
    assert.equal(id.code, COLLECTION_CODEC)
    assert.notEqual(COLLECTION_CODEC, MANIFEST_CODEC)
    assert.ok(id.equals(await collectionIdFromBytes(encodeCollection(sample))))
    const changed = buildCollection(sample.entries.map(e => e.path === 'a.txt' ? file('a.txt', 1) : e))
    assert.ok(!id.equals(await collectionIdOf(changed)))
    assert.deepEqual(await verifyCollection(id, encodeCollection(sample)), sample)
    await assert.rejects(verifyCollection(id, encodeCollection(changed)), INVALID)
  })

  it('tells a collection id from a file id', async () => {
    const id = await collectionIdOf(sample)
    const text = formatCollectionId(id)
    assert.ok(parseCollectionId(text).equals(id))
    const ref = parseContentRef(text)
    assert.equal(ref.kind, 'collection')
    assert.equal(parseContentRef(formatFileId(fileId)).kind, 'file-id')
    assert.equal(parseContentRef('a'.repeat(64)).kind, 'sha256')
    assert.throws(() => parseFileRef(text), { name: 'InvalidFileIdError' })
    assert.throws(() => parseCollectionId(formatFileId(fileId)), { name: 'InvalidFileIdError' })
    assert.throws(() => parseContentRef('nonsense'), { name: 'InvalidFileIdError' })
  })

  it('counts files, empty directories and bytes', () => {
    assert.deepEqual(collectionTotals(sample), { files: 4, directories: 1, size: 400 })
  })

  it('refuses unsafe paths', () => {
    const bad = ['', '/etc/passwd', '../x', 'a/../b', 'a/./b', '.', '..', 'a//b', 'a/', 'a\\b', 'C:/x', 'a/b.', 'a/b ', 'con', 'a\u0000b', 'a\u202eb', 'x'.repeat(256)]
    for (const p of bad) {
      assert.throws(() => checkCollectionPath(p), INVALID, JSON.stringify(p))
      assert.throws(() => decodeCollection(raw([{ path: p, size: 1n, fileId: fileId.bytes }])), INVALID, JSON.stringify(p))
    }
    assert.throws(() => checkCollectionPath(Array(MAX_COLLECTION_DEPTH + 1).fill('d').join('/')), INVALID)
    assert.throws(() => checkCollectionPath(Array(20).fill('x'.repeat(250)).join('/')), INVALID)
    assert.ok(Array(20).fill('x'.repeat(250)).join('/').length > MAX_COLLECTION_PATH_BYTES)
    for (const p of ['.config', ' lead', 'a/.b/c', 'ü/日本', 'x'.repeat(255)]) assert.equal(checkCollectionPath(p), p)
  })

  it('refuses duplicates, a file and a directory at one path, entries inside files or listed directories', () => {
    assert.throws(() => buildCollection([file('a'), file('a')]), INVALID)
    assert.throws(() => buildCollection([file('a'), { kind: 'directory', path: 'a' }]), INVALID)
    assert.throws(() => buildCollection([file('a'), file('a/b')]), INVALID)
    assert.throws(() => buildCollection([{ kind: 'directory', path: 'd' }, file('d/x')]), INVALID)
    assert.throws(() => decodeCollection(raw([{ path: 'a', size: 1n, fileId: fileId.bytes }, { path: 'a', directory: true }])), INVALID)
  })

  it('refuses non-canonical bytes: unsorted entries, defaults written, unknown versions', () => {
    const ok = raw([{ path: 'a', size: 1n, fileId: fileId.bytes }, { path: 'b', size: 1n, fileId: fileId.bytes }])
    assert.equal(decodeCollection(ok).entries.length, 2)
    assert.throws(() => decodeCollection(raw([{ path: 'b', size: 1n, fileId: fileId.bytes }, { path: 'a', size: 1n, fileId: fileId.bytes }])), INVALID)
    assert.throws(() => decodeCollection(raw([{ path: 'a', size: 1n, fileId: fileId.bytes }], 2)), INVALID)
    // an explicit `directory: false` field: same meaning, other bytes, so another id
    const extra = new Uint8Array([...ok, 0x12, 0x05, 0x0a, 0x01, 0x63, 0x20, 0x00])
    assert.throws(() => decodeCollection(extra), INVALID)
    // a non-empty file without a file id, an empty one with one, a directory with a size
    assert.throws(() => decodeCollection(raw([{ path: 'a', size: 1n }])), INVALID)
    assert.throws(() => decodeCollection(raw([{ path: 'a', size: 0n, fileId: fileId.bytes }])), INVALID)
    assert.throws(() => decodeCollection(raw([{ path: 'a', size: 3n, directory: true }])), INVALID)
    assert.throws(() => decodeCollection(raw([{ path: 'a', size: 1n, fileId: sha256(Uint8Array.of(1)) }])), INVALID)
    assert.throws(() => decodeCollection(Uint8Array.of(0xff, 0xff)), INVALID)
  })

  it('bounds what it decodes', () => {
    assert.throws(() => decodeCollection(new Uint8Array(MAX_COLLECTION_BYTES + 1)), INVALID)
    const many = Array.from({ length: MAX_COLLECTION_ENTRIES + 1 }, (_, i) => ({ path: `f${String(i).padStart(6, '0')}`, directory: true }))
    assert.throws(() => decodeCollection(raw(many)), INVALID)
  })

  it('keeps leading dots in segments but never . or ..', () => {
    assert.equal(sanitizePathSegment('.config'), '.config')
    assert.equal(sanitizePathSegment('..hidden'), '..hidden')
    for (const s of ['.', '..', '...', ' ', '']) assert.throws(() => sanitizePathSegment(s), { name: 'InvalidFileNameError' })
  })

  describe('properties', () => {
    const segment = fc.string({ minLength: 1, maxLength: 20, unit: 'binary' })
    const anyPath = fc.array(fc.oneof(segment, fc.constantFrom('..', '.', '', '/', '\\', 'C:')), { minLength: 1, maxLength: 5 }).map(s => s.join('/'))

    it('any path accepted stays inside the root on every OS', () => {
      fc.assert(fc.property(anyPath, (p) => {
        try {
          checkCollectionPath(p)
        } catch (err: any) {
          assert.equal(err.name, 'InvalidCollectionError')
          return
        }
        const joined = path.posix.join('/target', p)
        assert.ok(joined.startsWith('/target/'), p)
        assert.equal(path.posix.relative('/target', joined), p)
        assert.ok(!p.split('/').some(s => s === '.' || s === '..' || s === ''))
        assert.ok(path.win32.join('C:\\root', p).startsWith('C:\\root\\'))
      }), { numRuns: 2000 })
    })

    it('a sanitised segment is accepted as it is', () => {
      fc.assert(fc.property(segment, (s) => {
        let safe: string
        try {
          safe = sanitizePathSegment(s)
        } catch {
          return
        }
        assert.equal(checkCollectionPath(safe), safe)
        assert.equal(sanitizePathSegment(safe), safe)
      }), { numRuns: 2000 })
    })

    it('one listing has exactly one encoding and id, whatever the order it was built in', async () => {
      const names = fc.uniqueArray(fc.stringMatching(/^[a-z.][a-z0-9 ._-]{0,8}[a-z0-9]$/), { minLength: 1, maxLength: 12 })
      await fc.assert(fc.asyncProperty(names, fc.integer(), fc.func(fc.integer()), async (list, seed, order) => {
        const entries = list.map((n, i) => file(`d${i % 3}/${n}`, (i * 7 + seed) & 3))
        const shuffled = entries.map((e, i) => ({ e, key: order(i) })).sort((x, y) => x.key - y.key).map(x => x.e)
        const a = buildCollection(entries)
        const b = buildCollection(shuffled)
        assert.deepEqual(encodeCollection(a), encodeCollection(b))
        assert.ok((await collectionIdOf(a)).equals(await collectionIdOf(b)))
        assert.deepEqual(decodeCollection(encodeCollection(a)), a)
      }), { numRuns: 200 })
    })

    it('paths sort by their UTF-8 bytes', () => {
      fc.assert(fc.property(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' }), (a, b) => {
        const ea = Buffer.from(a)
        const eb = Buffer.from(b)
        assert.equal(Math.sign(comparePaths(a, b)), Math.sign(Buffer.compare(ea, eb)))
      }))
    })

    it('decoding random bytes either fails typed or gives a valid collection', () => {
      fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        let c: Collection
        try {
          c = decodeCollection(bytes)
        } catch (err: any) {
          assert.equal(err.name, 'InvalidCollectionError')
          return
        }
        assert.deepEqual(encodeCollection(c), bytes)
      }), { numRuns: 2000 })
    })
  })
})
