/**
 * Remote search over /peershare/search/1.0.0 between real nodes on 127.0.0.1: a
 * fan-out yields each peer's verified answer and ends at the deadline even when a
 * peer never answers; it asks at most `maxPeers`, peers whose catalog was never
 * pulled first; a forged answer gives nothing; the server refuses oversized and
 * garbage requests and peers over the query rate, and keeps serving.
 *
 * The nodes answer with `substringAnswerer` (test code only): the local search index
 * of i9d is wired into the node by the lead.
 */
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import {
  MAX_DISCOVERY_RESPONSE_BYTES,
  SEARCH_PROTOCOL,
  type SearchResponse,
  decodeSearchResponse,
  encodeSearchRequest,
  encodeSearchResponse
} from '@peershare/protocol'
import { type SignedOffer, openOffer } from '../src/catalog/index.js'
import type { PeershareNode } from '../src/index.js'
import { speakers } from '../src/catalog/catalog-sync.js'
import { requestOnce } from '../src/rpc/request-response.js'
import type { RemoteAnswer } from '../src/search/index.js'
import { type TestDir, dialAddress, startTestNode, tempDir } from './fixtures.js'
import { connect, holdOffers, makeOffers, substringAnswerer } from './discovery-nodes.js'
import { newAuthor, fileOffer, randomFileId } from './offers.js'
import { type RawPeer, forgedOffer, frame, startRawPeer } from './raw-discovery-peer.js'

describe('remote search', function () {
  this.timeout(60_000)
  let dirs: TestDir[]
  let nodes: PeershareNode[]
  let raws: RawPeer[]

  beforeEach(() => { dirs = []; nodes = []; raws = [] })
  afterEach(async () => {
    for (const node of nodes.splice(0)) await node.stop().catch(() => {})
    for (const raw of raws.splice(0)) await raw.stop().catch(() => {})
    for (const dir of dirs.splice(0)) await dir.cleanup()
  })

  const start = async (init: Parameters<typeof startTestNode>[1] = {}): Promise<PeershareNode> => {
    const dir = await tempDir()
    dirs.push(dir)
    const node = await startTestNode(dir.path, init)
    nodes.push(node)
    return node
  }
  /** A node holding `count` offers named `<prefix>-<n>.bin` and answering queries from them */
  const answering = async (prefix: string, count = 3, init: Parameters<typeof startTestNode>[1] = {}): Promise<{ node: PeershareNode, calls: () => number }> => {
    const node = await start(init)
    await holdOffers(node, await makeOffers(await newAuthor(), count, prefix))
    const answerer = substringAnswerer(node)
    node.queryAnswerer = answerer
    return { node, calls: () => answerer.calls }
  }
  const collect = async (node: PeershareNode, text: string, signal?: AbortSignal): Promise<RemoteAnswer[]> => {
    const out: RemoteAnswer[] = []
    for await (const answer of node.remoteSearch.fanOut({ text }, { signal })) out.push(answer)
    return out
  }
  const connectedSpeakers = async (node: PeershareNode, count: number): Promise<void> => {
    while ((await speakers(node.libp2p, SEARCH_PROTOCOL)).length < count) await new Promise(resolve => setTimeout(resolve, 20))
  }

  it('yields each answer, verified and cached, and ends at the deadline although one peer never answers', async () => {
    const b = await answering('holiday-b')
    const c = await answering('holiday-c')
    const silent = await startRawPeer({ search: () => 'silent' })
    raws.push(silent)
    const a = await start({ remoteSearch: { deadline: 1_500 } })
    for (const peer of [b.node, c.node, silent.node]) await connect(a, peer)
    await connectedSpeakers(a, 3)
    const answers = await collect(a, 'holiday')
    assert.deepEqual(answers.map(x => x.peer).sort(), [b.node.peerId.toString(), c.node.peerId.toString()].sort())
    for (const answer of answers) {
      // b and c may have pulled each other's catalogs meanwhile: three offers each, or six
      assert.ok(answer.entries.length >= 3)
      assert.ok(answer.entries.every(e => e.signed.offer.name.startsWith('holiday-')))
      for (const entry of answer.entries) assert.equal((await a.catalog.offersOf(entry.signed.offer.contentId)).length, 1)
    }
    assert.equal(silent.received.search, 1)
  })

  it('asks at most maxPeers peers, those whose catalog was never pulled first', async () => {
    const answering3 = await Promise.all(['x1', 'x2', 'x3'].map(async p => answering(`movie-${p}`)))
    // speaks search but not the catalog protocol: its catalog is never pulled
    const unpulled = await startRawPeer({ search: () => frame(encodeSearchResponse({ entries: [] })) })
    raws.push(unpulled)
    const a = await start({ remoteSearch: { maxPeers: 2 } })
    const results: string[] = []
    a.catalogSync.onPull(r => { if (r.complete) results.push(r.peer) })
    for (const { node } of answering3) await connect(a, node)
    await connect(a, unpulled.node)
    await connectedSpeakers(a, 4)
    while (results.length < 3) await new Promise(resolve => setTimeout(resolve, 20))
    const chosen = await a.remoteSearch.choosePeers()
    assert.equal(chosen.length, 2)
    assert.equal(chosen[0].toString(), unpulled.node.peerId.toString())
    const answers = await collect(a, 'movie')
    assert.equal(answers.length, 2)
    assert.equal(answering3.reduce((sum, x) => sum + x.calls(), 0) + unpulled.received.search, 2)
    assert.equal(unpulled.received.search, 1)
  })

  it('a forged or oversized answer gives nothing', async () => {
    const h = await newAuthor()
    const victim = await newAuthor()
    const forged = await forgedOffer(h, fileOffer(victim.id, 5n, randomFileId(), { name: 'forged.bin' }))
    const genuine = (await makeOffers(h, 2, 'genuine')).map(s => s.envelope)
    const forger = await startRawPeer({ search: () => frame(encodeSearchResponse({ entries: [...genuine, forged] })) })
    const flooder = await startRawPeer({ search: () => Uint8Array.from([0x80, 0x80, 0x80, 0x20, ...new Uint8Array(1024)]) })
    raws.push(forger, flooder)
    const b = await answering('genuine-b', 1)
    const a = await start()
    for (const peer of [forger.node, flooder.node, b.node]) await connect(a, peer)
    await connectedSpeakers(a, 3)
    const answers = await collect(a, 'genuine')
    assert.deepEqual(answers.map(x => x.peer), [b.node.peerId.toString()])
    for (const envelope of genuine) {
      const { offer } = (await opened(envelope))
      assert.equal((await a.catalog.offersOf(offer.contentId)).length, 0)
    }
  })

  it('the server refuses oversized and garbage requests and peers over the query rate, and keeps serving', async () => {
    // ten queries per hour: no refill while the test runs, however slow the machine
    const b = await answering('song', 3, { remoteSearch: { queriesWindow: 3_600_000 } })
    const client = await startRawPeer()
    raws.push(client)
    await client.node.dial(multiaddr(dialAddress(b.node)))
    const ask = async (bytes: Uint8Array): Promise<SearchResponse> => decodeSearchResponse(await requestOnce(client.node, b.node.peerId, bytes, {
      protocol: SEARCH_PROTOCOL,
      maxResponseBytes: MAX_DISCOVERY_RESPONSE_BYTES,
      timeout: 5_000
    }))
    assert.deepEqual(await ask(new Uint8Array(2_000)), { refused: 'bad-request' })
    assert.deepEqual(await ask(Uint8Array.from([0xff, 0xff, 0x01])), { refused: 'bad-request' })
    const query = encodeSearchRequest({ text: 'song', limit: 50 })
    const answers: SearchResponse[] = []
    for (let i = 0; i < 12; i++) answers.push(await ask(query))
    // ten a window: two went on the bad requests above
    assert.equal(answers.filter(x => x.refused == null && x.entries.length === 3).length, 8)
    assert.equal(answers.filter(x => x.refused === 'rate-limited').length, 4)
    // another peer is served as before
    const a = await start()
    await connect(a, b.node)
    await connectedSpeakers(a, 1)
    const served = await collect(a, 'song')
    assert.equal(served[0]?.entries.length, 3)
  })

  it('ends at once when the caller aborts', async () => {
    const silent = await startRawPeer({ search: () => 'silent' })
    raws.push(silent)
    const a = await start({ remoteSearch: { deadline: 60_000 } })
    await connect(a, silent.node)
    await connectedSpeakers(a, 1)
    const controller = new AbortController()
    const done = collect(a, 'anything', controller.signal)
    while (silent.received.search === 0) await new Promise(resolve => setTimeout(resolve, 20))
    controller.abort()
    assert.deepEqual(await done, [])
  })
})

async function opened (envelope: Uint8Array): Promise<SignedOffer> {
  const result = await openOffer(envelope)
  if (result.result !== 'accept') throw new Error('not an offer')
  return result.signed
}
