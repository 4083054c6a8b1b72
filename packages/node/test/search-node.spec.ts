/**
 * Search, browse and show on real nodes over 127.0.0.1 with default settings: a file
 * shared on one node is found on the other once its offer arrived, its connected
 * author counted as a provider; names from peers are shown sanitised; browse counts
 * and pages; show lists the offer's authors and providers; remote queries are
 * answered from the same index.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { SearchUpdate } from '@peershare/client'
import { MAX_THUMBNAIL_BYTES, SEARCH_PROTOCOL } from '@peershare/protocol'
import sharp from 'sharp'
import { speakers } from '../src/catalog/catalog-sync.js'
import { signOffer } from '../src/catalog/index.js'
import type { PeershareNode } from '../src/index.js'
import { type TestDir, dialAddress, startTestNode, tempDir, until } from './fixtures.js'
import { author, fileIdFor, makeOffer } from './search-fixtures.js'

async function collect (updates: AsyncIterable<SearchUpdate>): Promise<SearchUpdate[]> {
  const out: SearchUpdate[] = []
  for await (const u of updates) out.push(u)
  return out
}

const resultsOf = (updates: SearchUpdate[]): Extract<SearchUpdate, { type: 'results' }> => {
  const last = updates.filter(u => u.type === 'results').at(-1)
  assert.ok(last?.type === 'results')
  return last
}

describe('search on nodes', function () {
  this.timeout(60_000)
  let dir: TestDir
  let a: PeershareNode
  let b: PeershareNode

  before(async () => {
    dir = await tempDir()
    a = await startTestNode(join(dir.path, 'a'))
    b = await startTestNode(join(dir.path, 'b'))
    await b.connect(multiaddr(dialAddress(a)))
  })

  after(async () => {
    await Promise.all([a, b].map(async n => n?.stop().catch(() => {})))
    await dir.cleanup()
  })

  it('finds a file shared on another node once its offer arrived, its author counted as a provider', async () => {
    const path = join(dir.path, 'Holiday_2019_Beach.mp4')
    await writeFile(path, randomBytes(20_000))
    const record = await a.share(path, { tags: ['summer', 'family'], description: 'at the seaside' })
    const local = resultsOf(await collect(a.search({ text: 'holiday beach', local: true })))
    assert.deepEqual(local.results.map(r => r.contentId), [record.fileId])
    assert.equal(local.results[0].own, true)
    // the offer reaches b by gossip; poll until it is there
    await until(() => b.searchService.index.get(record.fileId) != null, 30_000)
    const updates = await collect(b.search({ text: 'holidya', local: true }))
    const found = resultsOf(updates)
    assert.equal(found.from, 'local')
    assert.deepEqual(found.results.map(r => r.name), ['Holiday_2019_Beach.mp4'])
    assert.deepEqual(found.results[0].tags, ['summer', 'family'])
    assert.equal(found.results[0].providers, 1)
    assert.deepEqual(found.results[0].authors, [a.peerId.toString()])
    assert.deepEqual(updates.at(-1), { type: 'done', asked: 0, answered: 0 })
  })

  it('show fetches the thumbnail of a peer\'s offer into this node (verified, at most 16 KiB)', async () => {
    const image = join(dir.path, 'cover.png')
    await sharp({ create: { width: 200, height: 120, channels: 3, background: '#fa0' } }).png().toFile(image)
    const path = join(dir.path, 'Aurora Timelapse.bin')
    await writeFile(path, randomBytes(10_000))
    const record = await a.share(path, { thumbnail: image })
    await until(() => b.searchService.index.get(record.fileId) != null, 30_000)
    const detail = await b.offerInfo(record.fileId)
    assert.notEqual(detail.offer.thumbnail, '')
    assert.equal(detail.thumbnail?.fileId, detail.offer.thumbnail, detail.thumbnailError)
    const bytes = await readFile(detail.thumbnail?.path as string)
    assert.ok(bytes.byteLength > 0 && bytes.byteLength <= MAX_THUMBNAIL_BYTES)
    // it was verified and stored like any file: asking again reads it from the store
    assert.deepEqual((await b.offerInfo(record.fileId)).thumbnail, detail.thumbnail)
    // withdrawn: the tombstone reaches b, and the offer leaves its index
    await a.remove(record.fileId)
    await until(() => b.searchService.index.get(record.fileId) == null, 30_000)
  })

  it('shows a name with HTML and path separators from a peer sanitised', async () => {
    const evil = await author(77)
    const contentId = await fileIdFor('evil')
    const signed = await signOffer(await makeOffer(evil, contentId, { name: '<script>x</script>/../..\\evil.txt', tags: ['<b>bold</b>'] }), evil.key)
    await b.catalog.ingest([signed.envelope], a.peerId)
    const found = resultsOf(await collect(b.search({ text: 'evil', local: true }))).results
    assert.equal(found.length, 1)
    assert.equal(found[0].name, '_script_x__script__.._.._evil.txt')
    assert.deepEqual(found[0].tags, ['_b_bold__b_'])
    assert.ok(!/[<>/\\]/.test(found[0].name))
  })

  it('browses: category counts without a category, pages with one', async () => {
    const counts = await b.browse()
    assert.equal(counts.categories?.video, 1)
    assert.equal(counts.categories?.other, 1)
    assert.equal(counts.total, 2)
    const video = await b.browse({ category: 'video' })
    assert.deepEqual(video.results.map(r => r.name), ['Holiday_2019_Beach.mp4'])
    assert.equal(video.categories, undefined)
    const page2 = await b.browse({ sort: 'name', pageSize: 1, page: 2 })
    assert.equal(page2.total, 2)
    assert.deepEqual(page2.results.map(r => r.name), ['Holiday_2019_Beach.mp4'])
    await assert.rejects(b.browse({ pageSize: 1000 }), { name: 'BadRequestError' })
  })

  it('an author is a peer id or a contact\'s name, as everywhere a peer is named; anything else is refused, not "no offers"', async () => {
    const byId = await b.browse({ author: a.peerId.toString() })
    assert.deepEqual(byId.results.map(r => r.name), ['Holiday_2019_Beach.mp4'])
    await b.contacts.add(a.peerId, { name: 'Alice' })
    try {
      assert.deepEqual((await b.browse({ author: 'alice' })).results.map(r => r.contentId), byId.results.map(r => r.contentId))
      const found = resultsOf(await collect(b.search({ text: 'holiday', author: 'Alice', local: true })))
      assert.deepEqual(found.results.map(r => r.name), ['Holiday_2019_Beach.mp4'])
      for (const nobody of ['nobody', a.peerId.toString().slice(0, 20)]) {
        await assert.rejects(b.browse({ author: nobody }), { name: 'ContactNotFoundError' }, nobody)
        await assert.rejects(collect(b.search({ text: 'holiday', author: nobody, local: true })), { name: 'ContactNotFoundError' }, nobody)
      }
    } finally {
      await b.contacts.rm(a.peerId.toString())
    }
  })

  it('show: the offer by a prefix of its id, each author, providers; the answer to a remote query', async () => {
    const [hit] = resultsOf(await collect(b.search({ text: 'holiday', local: true }))).results
    const detail = await b.offerInfo(hit.contentId.slice(0, 24))
    assert.equal(detail.offer.contentId, hit.contentId)
    assert.equal(detail.offers.length, 1)
    assert.equal(detail.offers[0].author, a.peerId.toString())
    assert.equal(detail.thumbnail, null)
    assert.ok(detail.providers.some(p => p.peerId === a.peerId.toString()))
    await assert.rejects(b.offerInfo('bahijzqabciqzzzzzzzz'), { name: 'FileNotFoundError' })
    const answer = await a.queryAnswerer.answer({ text: 'holiday' }, 5)
    assert.deepEqual(answer.map(e => e.signed.offer.contentId), [hit.contentId])
    await assert.rejects(collect(b.search({ text: 'x'.repeat(300) })), { name: 'BadRequestError' })
  })
})

describe('search across peers', function () {
  this.timeout(60_000)
  const dirs: TestDir[] = []
  const nodes: PeershareNode[] = []

  afterEach(async () => {
    await Promise.all(nodes.splice(0).map(async n => n.stop().catch(() => {})))
    for (const dir of dirs.splice(0)) await dir.cleanup()
  })

  const start = async (): Promise<PeershareNode> => {
    const dir = await tempDir()
    dirs.push(dir)
    const node = await startTestNode(dir.path)
    nodes.push(node)
    return node
  }

  it('merges three peers\' overlapping catalogs into one list without duplicates, re-ranked after each answer', async () => {
    const [x, y] = [await author(31), await author(32)]
    const ids = await Promise.all([0, 1, 2, 3].map(async i => fileIdFor(`merged ${i}`)))
    const offer = async (by: typeof x, i: number, seq: bigint) => signOffer(await makeOffer(by, ids[i], { name: `aurora borealis ${i}.mp4`, mimeType: 'video/mp4', seq }), by.key)
    // b holds x's 0-2, c holds x's 1-3 and y's 2: overlapping, and file 2 has two authors
    const b = await start()
    const c = await start()
    for (const i of [0, 1, 2]) await b.catalog.add(await offer(x, i, BigInt(i + 1)), false)
    for (const i of [1, 2, 3]) await c.catalog.add(await offer(x, i, BigInt(i + 1)), false)
    await c.catalog.add(await offer(y, 2, 1n), false)
    const a = await start()
    await a.connect(multiaddr(dialAddress(b)))
    await a.connect(multiaddr(dialAddress(c)))
    // identify tells which peers speak the search protocol
    while ((await speakers(a.libp2p, SEARCH_PROTOCOL)).length < 2) await new Promise(resolve => setTimeout(resolve, 20))
    const updates = await collect(a.search({ text: 'aurora' }))
    const final = resultsOf(updates)
    assert.deepEqual(final.results.map(r => r.contentId).sort(), [...ids].sort())
    assert.equal(new Set(final.results.map(r => r.contentId)).size, final.results.length)
    assert.deepEqual(final.results.find(r => r.contentId === ids[2])?.authors.sort(), [x.peerId, y.peerId].sort())
    const done = updates.at(-1)
    assert.equal(done?.type, 'done')
    // both peers were asked; each answer (if it came before the deadline) was followed by the merged list again
    assert.ok(done?.type === 'done' && done.asked === 2 && done.answered === updates.filter(u => u.type === 'results').length - 1)
  })
})
