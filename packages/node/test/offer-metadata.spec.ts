/**
 * What a share records for its offer: the MIME type from the content, the category,
 * the original's times, and thumbnails (files of their own that other nodes fetch and
 * verify), with real nodes on 127.0.0.1 and real images made with sharp.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdir, readFile, stat, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { crc32, deflateSync } from 'node:zlib'
import { multiaddr } from '@multiformats/multiaddr'
import { MAX_THUMBNAIL_BYTES, THUMBNAIL_DIMENSION, collectionIdFromBytes, formatCollectionId } from '@peershare/protocol'
import sharp from 'sharp'
import type { PeershareNode } from '../src/index.js'
import { detectMimeType } from '../src/metadata/index.js'
import { checkCollectionRecord, checkFileRecord } from '../src/records/index.js'
import { dialAddress, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** A PNG of random pixels (compresses badly, so its thumbnail has to work for its size) */
async function noisePng (path: string, width = 800, height = 600): Promise<string> {
  await sharp(randomBytes(width * height * 3), { raw: { width, height, channels: 3 } }).png().toFile(path)
  return path
}

/** A valid PNG of a few KiB that declares `side` × `side` pixels: a decompression bomb */
async function bombPng (path: string, side = 30_000): Promise<string> {
  const chunk = (type: string, data: Buffer): Buffer => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data])
    const length = Buffer.alloc(4)
    length.writeUInt32BE(data.byteLength)
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(body))
    return Buffer.concat([length, body, crc])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(side, 0)
  header.writeUInt32BE(side, 4)
  header[8] = 8 // bit depth; colour type 0 (grey), no interlace
  const rows = deflateSync(Buffer.alloc((side + 1) * 64)) // 64 rows of zeros: the rest is missing
  await writeFile(path, Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', header), chunk('IDAT', rows), chunk('IEND', Buffer.alloc(0))]))
  return path
}

describe('offer metadata at share time', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'))
  })
  after(async () => {
    await sharer?.stop()
    await dir?.cleanup()
  })

  /** The record of a stored file, which must exist */
  async function stored (node: PeershareNode, fileId: string): Promise<NonNullable<Awaited<ReturnType<PeershareNode['store']['get']>>>['record']> {
    const found = await node.store.get(fileId)
    assert.ok(found != null, `${fileId} is stored`)
    return found.record
  }

  it('a PNG named .bin is image/png, an image, with a WebP thumbnail <= 16 KiB that another node finds and gets by its id', async () => {
    const path = await noisePng(join(dir.path, 'holiday.bin'))
    const record = await sharer.share(path, { tags: ['sea'] })
    assert.equal(record.metadata.mimeType, 'image/png')
    assert.equal(record.details?.category, 'image')
    const thumbId = record.details?.thumbnail
    assert.ok(thumbId != null, 'a thumbnail was made')
    const thumb = await stored(sharer, thumbId)
    assert.equal(thumb.thumbnailOf, record.fileId)
    assert.equal(thumb.metadata.mimeType, 'image/webp')
    assert.ok(thumb.size > 0 && thumb.size <= MAX_THUMBNAIL_BYTES, `${thumb.size} bytes`)
    const meta = await sharp(sharer.store.blobPath(thumbId)).metadata()
    assert.equal(meta.format, 'webp')
    assert.equal(Math.max(meta.width ?? 0, meta.height ?? 0), THUMBNAIL_DIMENSION)

    // another node, joined through the sharer, finds the thumbnail on the DHT and verifies it like any file
    const getter = await startTestNode(join(dir.path, 'getter'), { bootstrap: [dialAddress(sharer)], lookupTimeout: 15_000 })
    try {
      await until(() => getter.dhts.some(d => d.routingTableSize() > 0), 30_000)
      // the announcement runs in the background: ask until the provider record is there
      let found = false
      for (let tries = 0; !found && tries < 10; tries++) {
        for await (const p of getter.providers(thumbId, { timeout: 10_000 })) found ||= p.peerId === sharer.peerId.toString()
      }
      assert.ok(found, 'the sharer provides the thumbnail')
      const out = join(dir.path, 'fetched-thumb.webp')
      const got = await getter.get(thumbId, { output: out })
      assert.equal(got.fileId, thumbId)
      assert.equal(await sha256File(out), await sha256File(sharer.store.blobPath(thumbId)))
      assert.equal(got.metadata.mimeType, 'image/webp')
    } finally {
      await getter.stop()
    }
  })

  it('a text file with an unknown extension is text/plain and a document; random bytes are application/octet-stream and other', async () => {
    const text = join(dir.path, 'notes.zzq')
    await writeFile(text, 'Grüße, plain UTF-8 text\nline two\n')
    const t = await sharer.share(text)
    assert.equal(t.metadata.mimeType, 'text/plain')
    assert.equal(t.details?.category, 'document')
    assert.equal(t.details?.thumbnail, undefined)
    const noise = await randomFile(dir.path, 'noise', 100_000)
    const n = await sharer.share(noise)
    assert.equal(n.metadata.mimeType, 'application/octet-stream')
    assert.equal(n.details?.category, 'other')
  })

  it('the content wins over a misleading name; the name refines XML and speaks when the content says nothing', async () => {
    const png = await readFile(await noisePng(join(dir.path, 'small.png'), 20, 20))
    assert.equal(await detectMimeType(png, 'picture.txt'), 'image/png')
    assert.equal(await detectMimeType(new TextEncoder().encode('not really a pdf'), 'report.pdf'), 'text/plain')
    assert.equal(await detectMimeType(new TextEncoder().encode('export const x = 1\n'), 'main.ts'), 'text/plain')
    assert.equal(await detectMimeType(new TextEncoder().encode('<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>'), 'logo.svg'), 'image/svg+xml')
    assert.equal(await detectMimeType(new TextEncoder().encode('{"a": 1}'), 'data.json'), 'application/json')
    assert.equal(await detectMimeType(new TextEncoder().encode('%PDF-1.4\n%âãÏÓ\n1 0 obj'), 'scan'), 'application/pdf')
    // a text head cut inside a multi-byte character is still text
    assert.equal(await detectMimeType(new TextEncoder().encode('ab€').subarray(0, 3), 'cut'), 'text/plain')
    assert.equal(await detectMimeType(new Uint8Array(0), 'empty'), 'application/octet-stream')
  })

  it('--category overrides the derived one (any case); a bad one is InvalidCategoryError and shares nothing', async () => {
    const path = join(dir.path, 'lecture.txt')
    await writeFile(path, 'a transcript')
    const record = await sharer.share(path, { category: 'Video' })
    assert.equal(record.metadata.mimeType, 'text/plain')
    assert.equal(record.details?.category, 'video')
    const other = join(dir.path, 'other.txt')
    await writeFile(other, 'never shared')
    const before = (await sharer.list()).length
    await assert.rejects(sharer.share(other, { category: 'movies' }), { name: 'InvalidCategoryError', code: 'ERR_INVALID_CATEGORY' })
    assert.equal((await sharer.list()).length, before)
  })

  it('keeps the original\'s times: created is its birth time (its mtime where the file system has none), modified its mtime', async () => {
    const path = join(dir.path, 'old.txt')
    await writeFile(path, 'written long ago')
    const then = new Date('2001-02-03T04:05:06Z')
    await utimes(path, then, then)
    const info = await stat(path)
    const record = await sharer.share(path)
    assert.equal(record.details?.modified, then.getTime())
    assert.equal(record.metadata.created, info.birthtimeMs > 0 ? Math.floor(info.birthtimeMs) : then.getTime())
  })

  it('--thumbnail gives any file (a PDF) that image as its thumbnail', async () => {
    const pdf = join(dir.path, 'paper.pdf')
    await writeFile(pdf, '%PDF-1.4\n% a paper\n')
    const cover = join(dir.path, 'cover.jpg')
    await sharp({ create: { width: 1000, height: 1400, channels: 3, background: { r: 30, g: 90, b: 160 } } }).jpeg().toFile(cover)
    const record = await sharer.share(pdf, { thumbnail: cover })
    assert.equal(record.metadata.mimeType, 'application/pdf')
    assert.equal(record.details?.category, 'document')
    const thumb = await stored(sharer, record.details?.thumbnail ?? '')
    assert.equal(thumb.thumbnailOf, record.fileId)
    const meta = await sharp(sharer.store.blobPath(thumb.fileId)).metadata()
    assert.deepEqual([meta.format, meta.height], ['webp', THUMBNAIL_DIMENSION])
  })

  it('a bad --thumbnail (missing, not an image, SVG, a bomb) is a typed error and leaves no record', async () => {
    const path = join(dir.path, 'clip.mp4')
    await randomFile(dir.path, 'clip.mp4', 50_000)
    const text = join(dir.path, 'not-an-image.png')
    await writeFile(text, 'hello')
    const svg = join(dir.path, 'vector.svg')
    await writeFile(svg, '<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>')
    const bomb = await bombPng(join(dir.path, 'bomb-thumb.png'))
    const before = (await sharer.list()).map(r => r.fileId).sort()
    await assert.rejects(sharer.share(path, { thumbnail: join(dir.path, 'missing.png') }), { name: 'PathNotFoundError', code: 'ERR_PATH_NOT_FOUND' })
    for (const thumbnail of [text, svg, bomb]) {
      await assert.rejects(sharer.share(path, { thumbnail }), { name: 'InvalidThumbnailError', code: 'ERR_INVALID_THUMBNAIL' }, thumbnail)
    }
    await assert.rejects(sharer.shareCollection([path, text], { thumbnail: svg }), { name: 'InvalidThumbnailError' })
    assert.deepEqual((await sharer.list()).map(r => r.fileId).sort(), before)
    assert.equal((await sharer.listCollections()).length, 0)
  })

  it('a decompression bomb (30000 × 30000 declared) shares without a thumbnail, and the node stays responsive', async () => {
    const bomb = await bombPng(join(dir.path, 'bomb.png'))
    const record = await sharer.share(bomb)
    assert.equal(record.metadata.mimeType, 'image/png')
    assert.equal(record.details?.category, 'image')
    assert.equal(record.details?.thumbnail, undefined)
    // it answers at once and serves a peer
    assert.equal((await sharer.status()).peerId, sharer.peerId.toString())
    const peer = await startTestNode(join(dir.path, 'after-bomb'))
    try {
      const out = join(dir.path, 'bomb.out')
      await peer.get(record.fileId, { from: multiaddr(dialAddress(sharer)), output: out })
      assert.equal(await sha256File(out), await sha256File(bomb))
    } finally {
      await peer.stop()
    }
  })

  it('sharing again updates category, tags and thumbnail; the replaced thumbnail goes, the kept one stays', async () => {
    const path = await noisePng(join(dir.path, 'reshare.png'), 300, 200)
    const first = await sharer.share(path, { tags: ['a'] })
    const made = first.details?.thumbnail
    assert.ok(made != null)
    const again = await sharer.share(path, { category: 'archive', tags: ['b', 'c'], description: 'now described' })
    assert.equal(again.fileId, first.fileId)
    assert.equal(again.details?.category, 'archive')
    assert.deepEqual(again.metadata.tags, ['b', 'c'])
    assert.equal(again.details?.thumbnail, made, 'the thumbnail is kept')
    const kept = await sharer.share(path)
    assert.equal(kept.details?.category, 'archive', 'a category chosen before is kept')
    assert.deepEqual(kept.metadata.tags, ['b', 'c'])

    const cover = join(dir.path, 'new-cover.png')
    await sharp({ create: { width: 64, height: 64, channels: 3, background: 'green' } }).png().toFile(cover)
    const replaced = await sharer.share(path, { thumbnail: cover })
    assert.notEqual(replaced.details?.thumbnail, made)
    assert.equal((await stored(sharer, replaced.details?.thumbnail ?? '')).thumbnailOf, first.fileId)
    assert.equal(await sharer.store.has(made), false, 'the old thumbnail is removed')
    const listed = await sharer.list()
    assert.deepEqual(listed.find(r => r.fileId === first.fileId)?.details, replaced.details)
  })

  it('rm removes a file\'s thumbnail, unless another stored file still names it', async () => {
    const cover = join(dir.path, 'shared-cover.png')
    await sharp({ create: { width: 80, height: 60, channels: 3, background: 'red' } }).png().toFile(cover)
    const a = await sharer.share(await randomFile(dir.path, 'a.mkv', 10_000), { thumbnail: cover })
    const b = await sharer.share(await randomFile(dir.path, 'b.mkv', 10_000), { thumbnail: cover })
    const thumbId = a.details?.thumbnail
    assert.ok(thumbId != null)
    assert.equal(b.details?.thumbnail, thumbId, 'the same image gives the same thumbnail file')
    await sharer.remove(b.fileId)
    assert.equal((await stored(sharer, thumbId)).thumbnailOf, a.fileId, 'still shown by a')
    await sharer.remove(a.fileId)
    assert.equal(await sharer.store.has(thumbId), false)

    const image = await sharer.share(await noisePng(join(dir.path, 'rm.png'), 100, 100))
    const generated = image.details?.thumbnail
    assert.ok(generated != null)
    await sharer.remove(image.fileId)
    assert.equal(await sharer.store.has(generated), false)
  })

  it('a collection gets details: --category or the category of most bytes, the newest mtime, the --thumbnail given; its files keep their own', async () => {
    const folder = join(dir.path, 'album')
    await mkdir(folder)
    await noisePng(join(folder, 'photo.png'), 200, 200)
    await randomFile(folder, 'song.mp3', 300_000)
    await writeFile(join(folder, 'readme.txt'), 'about the album')
    const newest = new Date('2020-05-05T05:05:05Z')
    await utimes(join(folder, 'readme.txt'), newest, newest)
    await utimes(join(folder, 'photo.png'), new Date('2010-01-01'), new Date('2010-01-01'))
    await utimes(join(folder, 'song.mp3'), new Date('2011-01-01'), new Date('2011-01-01'))
    const derived = await sharer.shareCollection([folder])
    // song.mp3 is random bytes: its extension says audio, and it holds the most bytes
    assert.equal(derived.record.details?.category, 'audio')
    assert.equal(derived.record.details?.modified, newest.getTime())
    assert.equal(derived.record.details?.thumbnail, undefined)
    const photo = derived.files.find(f => f.metadata.name === 'photo.png')?.details
    assert.equal(photo?.category, 'image')
    const photoThumb = photo?.thumbnail
    assert.ok(photoThumb != null, 'each image file keeps its own thumbnail')

    const cover = join(dir.path, 'album-cover.webp')
    await sharp({ create: { width: 500, height: 500, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0.5 } } }).webp().toFile(cover)
    const given = await sharer.shareCollection([folder], { category: 'image', thumbnail: cover })
    assert.equal(given.record.collectionId, derived.record.collectionId)
    assert.equal(given.record.details?.category, 'image')
    const thumb = await stored(sharer, given.record.details?.thumbnail ?? '')
    assert.equal(thumb.thumbnailOf, given.record.collectionId)
    assert.equal((await sharer.listCollections()).find(c => c.collectionId === given.record.collectionId)?.details?.thumbnail, thumb.fileId)
    await sharer.remove(given.record.collectionId)
    assert.equal(await sharer.store.has(thumb.fileId), false, 'rm of the collection removes its thumbnail')
    assert.ok(await sharer.store.has(photoThumb), 'its files stay, with theirs')
  })

  it('details persist across a restart', async () => {
    const repo = join(dir.path, 'restart')
    const node = await startTestNode(repo)
    const record = await node.share(await noisePng(join(dir.path, 'persist.png'), 64, 64), { category: 'other' })
    await node.stop()
    const again = await startTestNode(repo)
    try {
      const back = (await again.list()).find(r => r.fileId === record.fileId)
      assert.deepEqual(back?.details, record.details)
      assert.ok(back?.details?.thumbnail != null && await again.store.has(back.details.thumbnail))
    } finally {
      await again.stop()
    }
  })
})

describe('offer details in persisted records', () => {
  const FILE_ID = 'bahijzqabciqhjknsoqy7hnvggfmv4mybyhjfb5x4tgzubg2v5pwos2yhregaewi'
  const file = {
    fileId: FILE_ID,
    sha256: 'ab'.repeat(32),
    size: 10,
    chunkSize: 1024 * 1024,
    metadata: { name: 'x', mimeType: 'text/plain', description: '', tags: [], created: 1 },
    location: { kind: 'blob' },
    added: 1
  }

  it('records from before details load; good details pass; bad ones are refused', async () => {
    const COLLECTION_ID = formatCollectionId(await collectionIdFromBytes(new Uint8Array([1, 2, 3])))
    const collection = { collectionId: COLLECTION_ID, listingFileId: FILE_ID, name: 'c', files: 1, directories: 0, size: 10, description: '', tags: [], created: 1, added: 1 }
    assert.equal(checkFileRecord({ ...file }, FILE_ID).details, undefined)
    const details = { category: 'image', modified: 5, thumbnail: FILE_ID }
    assert.deepEqual(checkFileRecord({ ...file, details, thumbnailOf: COLLECTION_ID }, FILE_ID).details, details)
    assert.deepEqual(checkCollectionRecord({ ...collection, details }, COLLECTION_ID).details, details)
    const bad = [
      { category: 'movies', modified: 1 },
      { category: 'image', modified: -1 },
      { category: 'image', modified: 1.5 },
      { category: 'image', modified: 1, thumbnail: 'not-an-id' },
      'image'
    ]
    for (const d of bad) {
      assert.throws(() => checkFileRecord({ ...file, details: d }, FILE_ID), { name: 'RecordInvalidError' }, JSON.stringify(d))
      assert.throws(() => checkCollectionRecord({ ...collection, details: d }, COLLECTION_ID), { name: 'RecordInvalidError' }, JSON.stringify(d))
    }
    assert.throws(() => checkFileRecord({ ...file, thumbnailOf: 'zzz' }, FILE_ID), { name: 'RecordInvalidError' })
  })
})
