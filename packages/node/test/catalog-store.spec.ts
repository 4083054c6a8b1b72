/**
 * The catalog store on a real LevelDatastore: one version per (author, content id),
 * stale seqs, tombstones, caps and eviction order, persistence across a reopen, the
 * log's paging, quarantine of corrupt records, and the own sequence number.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { logger } from '@libp2p/logger'
import { peerIdFromString } from '@libp2p/peer-id'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { AuthorSequence, type CatalogChange, type CatalogLimits, CatalogStore } from '../src/catalog/index.js'
import { DEFAULTS } from '../src/config.js'
import { Quarantine } from '../src/records/index.js'
import { type TestDir, tempDir } from './fixtures.js'
import { type Author, newAuthor, randomFileId, signedOffer, signedTombstone } from './offers.js'

describe('catalog store', () => {
  let dir: TestDir
  let ds: LevelDatastore
  let quarantine: Quarantine
  let self: Author
  let store: CatalogStore

  const open = async (limits: Partial<CatalogLimits> = {}, now?: () => number): Promise<CatalogStore> =>
    CatalogStore.open({ datastore: ds, quarantine, limits: { ...DEFAULTS.catalog, ...limits }, self: self.id, log: logger('test:catalog'), now })
  const reopen = async (limits: Partial<CatalogLimits> = {}): Promise<CatalogStore> => {
    await ds.close()
    ds = new LevelDatastore(join(dir.path, 'datastore'))
    await ds.open()
    quarantine = new Quarantine(ds, logger('test'))
    return open(limits)
  }
  const all = async (s: CatalogStore): Promise<string[]> => {
    const out: string[] = []
    for await (const e of s.entries()) out.push(`${e.signed.offer.author}/${e.signed.offer.contentId}/${e.signed.offer.seq}`)
    return out.sort()
  }

  beforeEach(async () => {
    dir = await tempDir()
    ds = new LevelDatastore(join(dir.path, 'datastore'))
    await ds.open()
    quarantine = new Quarantine(ds, logger('test'))
    self = await newAuthor()
    store = await open()
  })
  afterEach(async () => {
    await ds.close()
    await dir.cleanup()
  })

  it('keeps one version per author and content id: newer replaces, stale and equal are ignored, a tombstone removes and stays', async () => {
    const b = await newAuthor()
    const changes: CatalogChange[] = []
    store.onChange(c => changes.push(c))
    const id = randomFileId()
    await store.add(await signedOffer(b, 5n, id, { name: 'v5' }), false)
    await store.add(await signedOffer(b, 3n, id, { name: 'v3' }), false)
    await store.add(await signedOffer(b, 5n, id, { name: 'v5 again' }), false)
    assert.deepEqual((await store.offersOf(id)).map(e => e.signed.offer.name), ['v5'])
    await store.add(await signedOffer(b, 7n, id, { name: 'v7' }), false)
    assert.deepEqual((await store.offersOf(id)).map(e => e.signed.offer.name), ['v7'])
    // another author's offer of the same content stands beside it
    const c = await newAuthor()
    await store.add(await signedOffer(c, 1n, id, { name: 'c1' }), false)
    assert.equal((await store.offersOf(id)).length, 2)
    assert.equal(await store.add(await signedTombstone(b, 8n, id), false), undefined)
    assert.deepEqual((await store.offersOf(id)).map(e => e.signed.offer.name), ['c1'])
    // the removed offer does not come back, at any older seq
    assert.equal(await store.add(await signedOffer(b, 7n, id, { name: 'replayed' }), false), undefined)
    assert.equal(store.isStale(b.id, id, 7n), true)
    assert.deepEqual(changes.map(c => c.kind === 'put' ? `put ${c.entry.signed.offer.name}` : `remove ${c.author === b.id ? 'b' : 'c'}`),
      ['put v5', 'put v7', 'put c1', 'remove b'])
    assert.deepEqual(store.size, { entries: 1, tombstones: 1, authors: 2 })
  })

  it('persists offers, tombstones, the epoch and log positions across a reopen', async () => {
    const b = await newAuthor()
    const id = randomFileId()
    const kept = await signedOffer(b, 10n)
    await store.add(kept, false)
    await store.add(await signedOffer(b, 11n, id), false)
    await store.add(await signedTombstone(b, 12n, id), false)
    const own = await signedOffer(self, 1n)
    await store.add(own, true)
    const epoch = store.epoch
    const before = await store.since(0n, 100)
    store = await reopen()
    assert.equal(store.epoch, epoch)
    assert.deepEqual(await store.since(0n, 100), before)
    assert.deepEqual(await all(store), [`${b.id}/${kept.offer.contentId}/10`, `${self.id}/${own.offer.contentId}/1`].sort())
    assert.equal((await store.ownOffer(own.offer.contentId))?.own, true)
    // the tombstone still keeps the removed offer removed after the restart
    assert.equal(store.isStale(b.id, id, 11n), true)
    // new positions continue after the old ones
    await store.add(await signedOffer(b, 13n), false)
    const page = await store.since(before.next, 100)
    assert.equal(page.envelopes.length, 1)
    assert.ok(page.next > before.next)
  })

  it('pages the log with since(); a version updated between pages comes again later, the old one is gone', async () => {
    const b = await newAuthor()
    const ids = Array.from({ length: 5 }, () => randomFileId())
    for (const [i, id] of ids.entries()) await store.add(await signedOffer(b, BigInt(i + 1), id), false)
    const first = await store.since(0n, 2)
    assert.equal(first.envelopes.length, 2)
    assert.equal(first.more, true)
    // ids[0] was on the first page; ids[3] not yet: both updated now
    await store.add(await signedOffer(b, 10n, ids[0], { name: 'updated0' }), false)
    await store.add(await signedOffer(b, 11n, ids[3], { name: 'updated3' }), false)
    const seen: string[] = []
    let cursor = first.next
    for (let more = true; more;) {
      const page = await store.since(cursor, 2)
      seen.push(...(await store.ingest(page.envelopes, peerIdFromString(b.id))).map(e => `${e.signed.offer.contentId}:${e.signed.offer.seq}`))
      cursor = page.next
      more = page.more
    }
    assert.deepEqual(seen, [`${ids[2]}:3`, `${ids[4]}:5`, `${ids[0]}:10`, `${ids[3]}:11`])
    const end = await store.since(cursor, 2)
    assert.deepEqual(end, { envelopes: [], next: cursor, more: false })
  })

  it('serves pulls and re-ingests of offers it read lately from memory, never a replaced or removed version', async () => {
    const b = await newAuthor()
    const offers = await Promise.all([1n, 2n, 3n].map(async seq => signedOffer(b, seq)))
    for (const o of offers) await store.add(o, false)
    // reads of offer records, counted on the real datastore (the log's meta and floors are read at open only)
    let reads = 0
    const counted = async (): Promise<CatalogStore> => {
      const get = ds.get.bind(ds)
      ds.get = async (key, options) => { if (key.toString().startsWith('/peershare/catalog/offers/')) reads++; return get(key, options) }
      return open()
    }
    store = await counted()
    const envelopes = (await store.since(0n, 10)).envelopes
    assert.equal(envelopes.length, 3)
    assert.equal(reads, 3, 'a fresh store reads each offer once')
    assert.deepEqual((await store.since(0n, 10)).envelopes, envelopes)
    // a peer pulling them again hands in the same versions: held already, returned, not read back
    const held = await store.ingest(envelopes, peerIdFromString(b.id))
    assert.deepEqual(held.map(e => e.signed.offer.seq), [1n, 2n, 3n])
    assert.equal(reads, 3, 'the second pull and the re-ingest read nothing from disk')
    // a newer version replaces the one in memory: read once, served, never the old one
    const newer = await signedOffer(b, 9n, offers[1].offer.contentId, { name: 'newer' })
    await store.add(newer, false)
    const names = async (): Promise<string[]> => (await store.ingest((await store.since(0n, 10)).envelopes, peerIdFromString(b.id))).map(e => e.signed.offer.name)
    assert.deepEqual(await names(), [offers[0].offer.name, offers[2].offer.name, 'newer'])
    assert.deepEqual(await names(), [offers[0].offer.name, offers[2].offer.name, 'newer'])
    assert.equal(reads, 4)
    // and a removal: the tombstone is what the log serves, the offer is gone from every read
    await store.add(await signedTombstone(b, 10n, offers[0].offer.contentId), false)
    assert.deepEqual(await names(), [offers[2].offer.name, 'newer'])
    assert.deepEqual(await store.offersOf(offers[0].offer.contentId), [])
    assert.equal((await store.since(0n, 10)).envelopes.length, 3, 'two offers and the tombstone')
  })

  it('caps one author by entries and bytes, evicting its oldest received first', async () => {
    store = await reopen({ maxEntriesPerAuthor: 3, maxBytesPerAuthor: 1_000_000 })
    const b = await newAuthor()
    const offers = []
    for (let i = 1; i <= 5; i++) offers.push(await signedOffer(b, BigInt(i)))
    for (const o of offers) await store.add(o, false)
    assert.deepEqual(await all(store), offers.slice(2).map(o => `${b.id}/${o.offer.contentId}/${o.offer.seq}`).sort())
    // bytes: envelopes with a long description, two fit
    store = await reopen({ maxEntriesPerAuthor: 100, maxBytesPerAuthor: 3 * 1200 })
    const c = await newAuthor()
    for (let i = 1; i <= 4; i++) await store.add(await signedOffer(c, BigInt(i), randomFileId(), { description: 'x'.repeat(1000) }), false)
    let bytes = 0
    let count = 0
    for await (const e of store.entries()) {
      if (e.signed.offer.author !== c.id) continue
      bytes += e.signed.envelope.byteLength
      count++
    }
    assert.ok(bytes <= 3 * 1200 && count === 2, `${count} offers, ${bytes} bytes`)
  })

  it('at the total cap evicts from the author holding most, never own offers; sybils push out only each other', async () => {
    store = await reopen({ maxEntries: 20, maxEntriesPerAuthor: 100 })
    const flooder = await newAuthor()
    const honest = await newAuthor()
    for (let i = 1; i <= 5; i++) await store.add(await signedOffer(self, BigInt(i)), true)
    for (let i = 1; i <= 5; i++) await store.add(await signedOffer(honest, BigInt(i)), false)
    for (let i = 1; i <= 30; i++) await store.add(await signedOffer(flooder, BigInt(i)), false)
    const count = async (a: Author): Promise<number> => (await all(store)).filter(k => k.startsWith(`${a.id}/`)).length
    assert.equal(await count(self), 5)
    assert.equal(await count(honest), 5)
    assert.equal(await count(flooder), 10)
    // the flooder kept its newest
    assert.equal(store.highWater(flooder.id), 30n)
    // 5 sybils, one offer each: they evict the flooder's oldest, not the honest author's
    for (let i = 0; i < 5; i++) await store.add(await signedOffer(await newAuthor(), 1n), false)
    assert.equal(store.size.entries, 20)
    assert.equal(await count(flooder), 5)
    assert.equal(await count(honest), 5)
    // 100 more: whatever they push out, never own offers
    for (let i = 0; i < 100; i++) await store.add(await signedOffer(await newAuthor(), 1n), false)
    assert.equal(store.size.entries, 20)
    assert.equal(await count(self), 5)
    // own offers are never evicted, even past the cap
    for (let i = 6; i <= 25; i++) await store.add(await signedOffer(self, BigInt(i)), true)
    assert.equal(await count(self), 25)
  })

  it('drops tombstones past their age and count, raising the floor so their removals stay removed', async () => {
    let clock = 1_000_000
    store = await open({ maxTombstones: 2, tombstoneTtl: 60_000 }, () => clock)
    const b = await newAuthor()
    const ids = [randomFileId(), randomFileId(), randomFileId()]
    for (const [i, id] of ids.entries()) await store.add(await signedTombstone(b, BigInt(10 + i), id), false)
    assert.equal(store.size.tombstones, 2)
    // the dropped tombstone (seq 10) became the floor: an offer at or below it is stale
    assert.equal(store.isStale(b.id, ids[0], 9n), true)
    assert.equal(store.isStale(b.id, randomFileId(), 10n), true)
    clock += 61_000
    await store.add(await signedOffer(b, 20n), false)
    assert.equal(store.size.tombstones, 0)
    assert.equal(store.isStale(b.id, ids[2], 12n), true)
    // the floor survives a restart
    store = await reopen()
    assert.equal(store.isStale(b.id, ids[2], 12n), true)
    assert.equal(store.isStale(b.id, randomFileId(), 13n), false)
  })

  it('quarantines a corrupt record and skips it; the rest still loads and serves', async () => {
    const b = await newAuthor()
    const good = await signedOffer(b, 1n)
    const bad = await signedOffer(b, 2n)
    await store.add(good, false)
    await store.add(bad, false)
    const key = new Key(`/peershare/catalog/offers/${b.id}/${bad.offer.contentId}`)
    const record = JSON.parse(new TextDecoder().decode(await ds.get(key)))
    await ds.put(key, new TextEncoder().encode(JSON.stringify({ ...record, envelope: Buffer.from('garbage').toString('base64') })))
    await ds.put(new Key(`/peershare/catalog/offers/${b.id}/not-a-cid`), new TextEncoder().encode('{}'))
    store = await reopen()
    // the record with bad envelope bytes loads (its shape is fine) and is set aside when read
    assert.deepEqual(await all(store), [`${b.id}/${good.offer.contentId}/1`])
    assert.deepEqual((await store.offersOf(bad.offer.contentId)), [])
    const reasons = (await quarantine.list()).map(q => q.key).sort()
    assert.deepEqual(reasons, [key.toString(), `/peershare/catalog/offers/${b.id}/not-a-cid`].sort())
    assert.equal((await store.since(0n, 10)).envelopes.length, 1)
  })

  it('ingest verifies: a forged or garbage envelope is not stored', async () => {
    const b = await newAuthor()
    const m = await newAuthor()
    const genuine = await signedOffer(b, 1n)
    const forged = await signedOffer(m, 1n)
    const bytes = new Uint8Array(forged.envelope)
    bytes[bytes.length - 1] ^= 1
    const held = await store.ingest([genuine.envelope, bytes, new Uint8Array([1, 2, 3])], peerIdFromString(m.id))
    assert.deepEqual(held.map(e => e.signed.offer.author), [b.id])
    assert.equal(store.size.entries, 1)
  })

  it('the own sequence number goes up, survives a restart, and never goes down when the clock does', async () => {
    let clock = 5_000
    const seq = new AuthorSequence(ds, () => clock)
    const a = await seq.next()
    const b = await seq.next()
    assert.equal(a, 5_000_000n)
    assert.equal(b, 5_000_001n)
    const [c, d] = await Promise.all([seq.next(), seq.next()])
    assert.ok(c !== d && c > b && d > b)
    clock = 1_000
    const again = new AuthorSequence(ds, () => clock)
    assert.equal(await again.next(), 5_000_004n)
    clock = 9_000
    assert.equal(await again.next(), 9_000_000n)
  })
})
