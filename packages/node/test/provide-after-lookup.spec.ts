import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { QueryEvent } from '@libp2p/kad-dht'
import { MANIFEST_CODEC, hexToBytes, parseFileId, sha256Cid } from '@peershare/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, lanDht, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** A key nobody provides */
function unknownKey (): CID {
  return CID.createV1(MANIFEST_CODEC, Digest.create(0x12, randomBytes(32)))
}

async function all (events: AsyncIterable<QueryEvent>): Promise<QueryEvent[]> {
  const out: QueryEvent[] = []
  for await (const event of events) out.push(event)
  return out
}

const findNodesAsked = (events: QueryEvent[]): number => events.filter(e => e.name === 'SEND_QUERY' && e.messageName === 'FIND_NODE').length
const recordsStored = (events: QueryEvent[]): number => events.filter(e => e.name === 'PEER_RESPONSE' && e.messageName === 'ADD_PROVIDER').length

/**
 * A download looks its file up, then provides it once complete: the provide right after
 * the lookup sends its records to the closest peers the lookup's walk found, with no
 * FIND_NODE walk of its own (dht/optimistic-provide.ts `RecentWalks`). Four real nodes
 * on 127.0.0.1, kad-dht over TCP.
 */
describe('a provide right after a provider lookup of the same key', function () {
  this.timeout(120_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  before(async () => {
    dir = await tempDir()
    nodes.push(await startTestNode(join(dir.path, 'boot')))
    for (const name of ['a', 'b', 'c']) nodes.push(await startTestNode(join(dir.path, name), { bootstrap: [dialAddress(nodes[0])] }))
    await until(() => nodes.every(n => lanDht(n).routingTableSize() === nodes.length - 1), 60_000, 'every routing table holding the other three')
  })

  after(async () => {
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await dir?.cleanup()
  })

  it('walks nothing and stores its record with the closest peers, where another node finds it; the next provide walks again', async () => {
    const [, a, b] = nodes
    const key = unknownKey()
    const lookup = await all(lanDht(a).dht.findProviders(key))
    assert.ok(lookup.some(e => e.name === 'PEER_RESPONSE' && e.messageName === 'GET_PROVIDERS'), 'the lookup walked')
    const provide = await all(lanDht(a).dht.provide(key))
    assert.equal(findNodesAsked(provide), 0, 'no FIND_NODE walk')
    assert.equal(recordsStored(provide), nodes.length - 1, 'the record sent to every other node (all among the 20 closest)')
    // kad-dht sends ADD_PROVIDER without an answer: b stores it a moment later
    await until(async () => {
      const found = await all(lanDht(b).dht.findProviders(key))
      return found.some(e => e.name === 'PROVIDER' && e.providers.some(p => p.id.equals(a.peerId)))
    }, 30_000, 'b finding a as a provider')
    const again = await all(lanDht(a).dht.provide(key))
    assert.ok(findNodesAsked(again) > 0, 'a second provide walks: the lookup\'s peers stand in once')
    assert.equal(recordsStored(again), nodes.length - 1)
  })

  it('a provide started while the lookup still walks waits for it, and walks nothing', async () => {
    const [, a] = nodes
    const key = unknownKey()
    const lookup = all(lanDht(a).dht.findProviders(key))
    const provide = await all(lanDht(a).dht.provide(key))
    await lookup
    assert.equal(findNodesAsked(provide), 0, 'no FIND_NODE walk')
    assert.equal(recordsStored(provide), nodes.length - 1)
  })

  it('a download by file id announces the file id with no walk of its own (its lookup found the closest peers); the SHA-256, never looked up, is walked', async () => {
    const [, a, , c] = nodes
    const src = await randomFile(dir.path, 'wanted.bin', 700_000)
    const shared = await c.share(src)
    await c.index.whenAnnounced(shared)
    // every provide of the getter's LAN DHT, with what it asked
    const provides = new Map<string, QueryEvent[]>()
    const dht = lanDht(a).dht
    const provide = dht.provide.bind(dht)
    dht.provide = async function * (key, options) {
      const events: QueryEvent[] = []
      provides.set(Buffer.from(key.multihash.bytes).toString('hex'), events)
      for await (const event of provide(key, options)) {
        events.push(event)
        yield event
      }
    }
    try {
      const output = join(dir.path, 'wanted-copy.bin')
      await a.get(shared.fileId, { output })
      assert.equal(await sha256File(output), shared.sha256)
      await a.index.whenAnnounced(shared)
      const byFileId = provides.get(Buffer.from(parseFileId(shared.fileId).multihash.bytes).toString('hex'))
      const bySha256 = provides.get(Buffer.from(sha256Cid(hexToBytes(shared.sha256)).multihash.bytes).toString('hex'))
      assert.ok(byFileId != null && bySha256 != null, 'both keys provided')
      await until(() => recordsStored(byFileId) === nodes.length - 1, 30_000, 'the file id\'s records sent to the other three')
      assert.equal(findNodesAsked(byFileId), 0, 'the file id: no FIND_NODE walk')
      assert.ok(findNodesAsked(bySha256) > 0, 'the SHA-256: walked')
    } finally {
      dht.provide = provide
    }
  })

  it('walks after a lookup its reader stopped early (the lookup may not have reached the closest peers)', async () => {
    const [, a] = nodes
    const key = unknownKey()
    for await (const event of lanDht(a).dht.findProviders(key)) {
      if (event.name === 'SEND_QUERY') break
    }
    const provide = await all(lanDht(a).dht.provide(key))
    assert.ok(findNodesAsked(provide) > 0, 'the provide walked')
    assert.equal(recordsStored(provide), nodes.length - 1)
  })
})
