/**
 * Catalog catch-up over /peershare/catalog/1.0.0 between real nodes on 127.0.0.1: a
 * late joiner pulls a catalog of 1,200 offers over several pages; paging across an
 * update between pages loses and duplicates nothing; a new epoch restarts at 0; a
 * restart resumes from the stored cursor; hostile peers (a raw libp2p node speaking
 * the protocol) get nothing stored and are penalised while honest peers still sync.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import {
  CATALOG_PROTOCOL,
  MAX_CATALOG_PAGE_ENTRIES,
  MAX_DISCOVERY_RESPONSE_BYTES,
  decodeCatalogRequest,
  decodeCatalogResponse,
  encodeCatalogResponse
} from '@peershare/protocol'
import { requestOnce } from '../src/rpc/request-response.js'
import { PeershareNode } from '../src/index.js'
import type { PullResult } from '../src/catalog/catalog-sync.js'
import type { SignedOffer } from '../src/catalog/index.js'
import { LOOPBACK_TCP, type TestDir, dialAddress, type startTestNode, tempDir } from './fixtures.js'
import { type Author, fileOffer, newAuthor, randomFileId, signedOffer } from './offers.js'
import { catalogKeys, connect, holdOffers, keysOf, makeOffers, pullLog, pulled } from './discovery-nodes.js'
import { type RawPeer, forgedOffer, frame, startRawPeer } from './raw-discovery-peer.js'

describe('catalog sync', function () {
  this.timeout(120_000)
  let dirs: TestDir[]
  let nodes: PeershareNode[]
  let raws: RawPeer[]
  let author: Author
  let bulk: SignedOffer[]
  const logs = new Map<PeershareNode, PullResult[]>()

  before(async function () {
    this.timeout(120_000)
    author = await newAuthor()
    bulk = await makeOffers(author, 1_200, 'bulk')
  })

  beforeEach(() => { dirs = []; nodes = []; raws = [] })
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.stop().catch(() => {})
    for (const raw of raws.splice(0)) await raw.stop().catch(() => {})
    for (const dir of dirs.splice(0)) await dir.cleanup()
  })

  const start = async (init: Parameters<typeof startTestNode>[1] = {}, dir?: TestDir): Promise<PeershareNode> => {
    if (dir == null) {
      dir = await tempDir()
      dirs.push(dir)
    }
    // pulls are logged from before start: a restarted node redials remembered peers while starting
    const node = await PeershareNode.create({ repo: dir.path, listen: LOOPBACK_TCP, inboundConnectionsPerHostPerSecond: 1000, ...init })
    logs.set(node, pullLog(node))
    await node.start()
    nodes.push(node)
    return node
  }
  const pullsOf = (node: PeershareNode): PullResult[] => logs.get(node) as PullResult[]

  it('a late joiner catches up a catalog of 1,200 offers over several pages', async () => {
    const a = await start()
    await holdOffers(a, bulk)
    const b = await start()
    const results = pullsOf(b)
    await connect(b, a)
    const result = await pulled(results, a.peerId.toString(), r => r.complete)
    assert.equal(result.error, undefined)
    assert.equal(result.offers, 1_200)
    assert.ok(result.pages >= 3, `${result.pages} pages`)
    assert.deepEqual(await catalogKeys(b), keysOf(bulk))
  })

  it('pages with a cursor across updates between pages: nothing lost, nothing duplicated', async () => {
    const a = await start()
    const first = bulk.slice(0, 30)
    await holdOffers(a, first)
    // two pages of ten per pull, so the first pull stops after 20 of 30
    const b = await start({ catalogSync: { pageEntries: 10, maxPagesPerPull: 2 } })
    const results = pullsOf(b)
    await connect(b, a)
    const partial = await pulled(results, a.peerId.toString())
    assert.deepEqual([partial.pages, partial.offers, partial.complete], [2, 20, false])
    // meanwhile: five read offers and five unread ones get new versions, five new offers come
    const updates = await Promise.all([...first.slice(0, 5), ...first.slice(25, 30)].map(async (o, i) =>
      signedOffer(author, 10_000n + BigInt(i), o.offer.contentId, { name: `updated-${i}.bin` })))
    const added = await makeOffers(author, 5, 'new', 20_000n)
    await holdOffers(a, [...updates, ...added])
    let offers = 0
    while (true) {
      const next = await b.catalogSync.pull(a.peerId)
      assert.equal(next.error, undefined)
      offers += next.offers
      if (next.complete) break
    }
    // unread: 20..24 (five) at their old positions; moved to the end: ten updates and five new
    assert.equal(offers, 20)
    assert.deepEqual(await catalogKeys(b), await catalogKeys(a))
    assert.equal((await catalogKeys(b)).length, 35)
  })

  it('an identify push on a connection (the peer\'s protocols changed) does not pull again; its first identify did', async () => {
    const a = await start()
    await holdOffers(a, bulk.slice(0, 10))
    const b = await start()
    const results = pullsOf(b)
    const asked: string[] = []
    const pull = b.catalogSync.pull.bind(b.catalogSync)
    b.catalogSync.pull = async (peer) => { asked.push(peer.toString()); return pull(peer) }
    await connect(b, a)
    await pulled(results, a.peerId.toString(), r => r.complete)
    // a new protocol on a: it pushes identify to b, which fires peer:identify again (after catalog sync's listener)
    const pushed = new Promise<void>(resolve => {
      b.libp2p.addEventListener('peer:identify', evt => { if (evt.detail.protocols.includes('/peershare/test-push/1.0.0')) resolve() })
    })
    await a.libp2p.handle('/peershare/test-push/1.0.0', () => {})
    await pushed
    assert.deepEqual(asked, [a.peerId.toString()], 'one pull, at the connection\'s first identify')
  })

  it('an epoch change (the peer\'s repo recreated) restarts from 0; a restart resumes from the stored cursor', async () => {
    const aDir = await tempDir()
    dirs.push(aDir)
    const bDir = await tempDir()
    dirs.push(bDir)
    let a = await start({}, aDir)
    await holdOffers(a, bulk.slice(0, 600))
    let b = await start({}, bDir)
    let results = pullsOf(b)
    await connect(b, a)
    await pulled(results, a.peerId.toString(), r => r.complete)

    // b restarts: it resumes from its cursor, reading only what came since
    await b.stop()
    nodes.splice(nodes.indexOf(b), 1)
    await holdOffers(a, bulk.slice(600, 605))
    b = await start({}, bDir)
    results = pullsOf(b)
    await connect(b, a)
    const resumed = await pulled(results, a.peerId.toString(), r => r.complete)
    assert.deepEqual([resumed.offers, resumed.pages], [5, 1])

    // a's catalog is recreated (same identity, new datastore): a new epoch, positions from 1 again
    await a.stop()
    nodes.splice(nodes.indexOf(a), 1)
    await rm(join(aDir.path, 'datastore'), { recursive: true, force: true })
    a = await start({}, aDir)
    const fresh = await makeOffers(await newAuthor(), 3, 'fresh')
    await holdOffers(a, fresh)
    results.length = 0
    await connect(b, a)
    const restarted = await pulled(results, a.peerId.toString(), r => r.complete)
    assert.equal(restarted.offers, 3)
    for (const key of keysOf(fresh)) assert.ok((await catalogKeys(b)).includes(key))
  })

  describe('a hostile peer', () => {
    const honestPage = (entries: Uint8Array[]): Uint8Array => frame(encodeCatalogResponse({ entries, next: BigInt(entries.length), more: false, epoch: 'x' }))

    const cases: Array<[string, (h: Author, good: SignedOffer[]) => Promise<(request: Uint8Array) => Uint8Array | 'silent'>]> = [
      ['garbage', async () => () => frame(new Uint8Array([0xff, 0x01, 0x02, 0x03]))],
      ['an oversized frame', async () => () => {
        // a length prefix of 64 MiB, then some of it: refused at the prefix
        return Uint8Array.from([0x80, 0x80, 0x80, 0x20, ...new Uint8Array(4096)])
      }],
      ['too many entries', async (_, good) => () => frame(rawEntries(Array.from({ length: MAX_CATALOG_PAGE_ENTRIES + 1 }, (_, i) => good[i % good.length].envelope)))],
      ['a forged envelope among genuine ones', async (h, good) => {
        const forged = await forgedOffer(h, fileOffer(author.id, 99n, randomFileId(), { name: 'forged.bin' }))
        return () => honestPage([...good.map(g => g.envelope), forged])
      }],
      ['a damaged signature', async (_, good) => {
        const damaged = Uint8Array.from(good[0].envelope)
        damaged[damaged.length - 5] ^= 0xff
        return () => honestPage([good[1].envelope, damaged])
      }],
      ['a cursor that never moves', async (_, good) => (request) => {
        const since = decodeCatalogRequest(request).since
        return frame(encodeCatalogResponse({ entries: [good[0].envelope], next: since, more: true, epoch: 'x' }))
      }]
    ]

    for (const [name, makeHandler] of cases) {
      it(`sending ${name} gets nothing stored and is not pulled from again; honest peers still sync`, async () => {
        const h = await newAuthor()
        const good = await makeOffers(await newAuthor(), 3, 'smuggled')
        const raw = await startRawPeer({ catalog: await makeHandler(h, good) })
        raws.push(raw)
        const a = await start()
        const honest = bulk.slice(0, 50)
        await holdOffers(a, honest)
        const b = await start()
        const results = pullsOf(b)
        await connect(b, raw.node)
        await connect(b, a)
        const bad = await pulled(results, raw.node.peerId.toString())
        assert.equal(bad.error?.name, 'PeerMisbehavedError', JSON.stringify(bad))
        assert.equal(bad.offers, 0)
        await pulled(results, a.peerId.toString(), r => r.complete)
        const held = await catalogKeys(b)
        assert.deepEqual(held, keysOf(honest))
        // penalised: a new pull is refused at once, without asking the peer
        const asked = raw.received.catalog
        const again = await b.catalogSync.pull(raw.node.peerId)
        assert.equal(again.error?.name, 'PeerMisbehavedError')
        assert.equal(raw.received.catalog, asked)
      })
    }

    it('that never answers costs one page deadline, then the pull ends', async () => {
      const raw = await startRawPeer({ catalog: () => 'silent' })
      raws.push(raw)
      const b = await start({ catalogSync: { pageTimeout: 1_000 } })
      const results = pullsOf(b)
      await connect(b, raw.node)
      const result = await pulled(results, raw.node.peerId.toString())
      assert.equal(result.error?.name, 'PeerUnreachableError')
      assert.equal(result.offers, 0)
    })
  })

  it('the server refuses bad requests and peers that ask too often, and keeps serving', async () => {
    const a = await start({ catalogSync: { pagesPerPeer: 3, pagesWindow: 3_600_000 } })
    await holdOffers(a, bulk.slice(0, 5))
    const b = await start({ catalogSync: { maxPagesPerPull: 1 } })
    const results = pullsOf(b)
    await connect(b, a)
    await pulled(results, a.peerId.toString())
    // two more pages within the window, then refused as rate-limited
    await b.catalogSync.pull(a.peerId)
    await b.catalogSync.pull(a.peerId)
    const refused = await b.catalogSync.pull(a.peerId)
    assert.equal(refused.error?.name, 'SourceBusyError')
    // requests over the size limit, or garbage, are refused as bad requests
    const client = await startRawPeer()
    raws.push(client)
    await client.node.dial(multiaddr(dialAddress(a)))
    for (const bytes of [new Uint8Array(2_000), Uint8Array.from([0xff, 0xff, 0x01])]) {
      const frameBytes = await requestOnce(client.node, a.peerId, bytes, { protocol: CATALOG_PROTOCOL, maxResponseBytes: MAX_DISCOVERY_RESPONSE_BYTES, timeout: 5_000 })
      assert.deepEqual(decodeCatalogResponse(frameBytes), { refused: 'bad-request' })
    }
    // a third node is served as before
    const c = await start()
    const cResults = pullsOf(c)
    await connect(c, a)
    const served = await pulled(cResults, a.peerId.toString(), r => r.complete)
    assert.equal(served.offers, 5)
  })
})

/** A CatalogResponse holding only `entries` (field 1), encoded by hand: no encoder of ours writes too many */
function rawEntries (entries: Uint8Array[]): Uint8Array {
  return Uint8Array.from(entries.flatMap(e => [0x0a, ...frame(e)]))
}
