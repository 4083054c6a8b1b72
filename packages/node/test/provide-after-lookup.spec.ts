import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import type { QueryEvent } from '@libp2p/kad-dht'
import { MANIFEST_CODEC } from '@peershare/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, lanDht, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

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
