/**
 * `status` on real nodes over 127.0.0.1 with default settings: the discovery figures
 * (own and cached offers, authors, tombstones, peers on the announcement topic, the
 * last catalog pull, the search index) follow a share, a catalog pull, a removal and
 * a restart.
 */
import assert from 'node:assert/strict'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { DiscoveryStatus, PeershareNode } from '../src/index.js'
import { type TestDir, dialAddress, randomFile, startTestNode, tempDir } from './fixtures.js'

/** Polls a node's discovery figures until `ok` holds; fails with the last ones seen */
async function discoveryUntil (node: PeershareNode, ok: (d: DiscoveryStatus) => boolean, timeoutMs = 30_000): Promise<DiscoveryStatus> {
  const end = Date.now() + timeoutMs
  let last = (await node.status()).discovery
  while (!ok(last)) {
    if (Date.now() > end) throw new Error(`discovery status never matched: ${JSON.stringify(last)}`)
    await new Promise(resolve => setTimeout(resolve, 50))
    last = (await node.status()).discovery
  }
  return last
}

describe('status: discovery figures', function () {
  this.timeout(90_000)
  let dir: TestDir
  let a: PeershareNode
  let b: PeershareNode

  before(async () => {
    dir = await tempDir()
    a = await startTestNode(join(dir.path, 'a'))
    b = await startTestNode(join(dir.path, 'b'))
  })

  after(async () => {
    await Promise.all([a, b].map(async n => n?.stop().catch(() => {})))
    await dir.cleanup()
  })

  it('a new node: nothing held, no pull yet, the search index built and empty', async () => {
    const d = await discoveryUntil(a, d => d.searchIndex.built)
    assert.deepEqual(d, {
      offers: { own: 0, cached: 0 },
      authors: 0,
      tombstones: 0,
      gossip: { topicPeers: 0, pending: 0 },
      lastPull: null,
      searchIndex: { built: true, contentIds: 0 }
    })
  })

  it('a share counts as own; a peer that connects pulls it, caches it and listens on the topic; a removal leaves a tombstone', async () => {
    const path = await randomFile(dir.path, 'status-figures.bin', 10_000)
    // a copy: the source goes, the offer stays
    const record = await a.share(path, { copy: true })
    await rm(path)
    const own = await discoveryUntil(a, d => d.searchIndex.contentIds === 1)
    assert.deepEqual([own.offers, own.authors, own.tombstones], [{ own: 1, cached: 0 }, 1, 0])
    const before = Date.now()
    await b.connect(multiaddr(dialAddress(a)))
    const cached = await discoveryUntil(b, d => d.offers.cached === 1 && d.lastPull != null && d.gossip.topicPeers >= 1 && d.searchIndex.contentIds === 1)
    assert.equal(cached.offers.own, 0)
    assert.equal(cached.authors, 1)
    assert.equal(cached.lastPull?.peer, a.peerId.toString(), 'B pulled A’s catalog on connecting')
    assert.ok((cached.lastPull?.at ?? 0) >= before - 1_000, 'pulled after the connection')
    await discoveryUntil(a, d => d.gossip.topicPeers >= 1 && d.lastPull?.peer === b.peerId.toString())
    await a.remove(record.fileId)
    const removed = await discoveryUntil(b, d => d.tombstones === 1)
    assert.deepEqual([removed.offers, removed.searchIndex.contentIds], [{ own: 0, cached: 0 }, 0])
    assert.deepEqual((await a.status()).discovery.offers, { own: 0, cached: 0 })
  })

  it('the last catalog pull is remembered across a restart', async () => {
    const pulled = (await b.status()).discovery.lastPull
    assert.ok(pulled != null)
    await b.stop()
    b = await startTestNode(join(dir.path, 'b'))
    const d = (await b.status()).discovery
    assert.equal(d.lastPull?.peer, pulled.peer)
    assert.ok((d.lastPull?.at ?? 0) >= pulled.at)
    assert.equal(d.tombstones, 1, 'the catalog is kept too')
  })
})
