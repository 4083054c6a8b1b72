/**
 * A merge of protocols a peer's record already lists (libp2p makes one on every stream)
 * returns the record merged last, without decoding and writing it again; any change to
 * the record, a delete, or a minute passing ends that.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { KNOWN_FOR_MS, skipKnownProtocolMerges } from '../src/peer-store/known-protocols.js'
import { FakeClock } from './fake-clock.js'
import { dialAddress, startTestNode, tempDir, type TestDir } from './fixtures.js'

describe('peer store: merges of protocols a record already lists', function () {
  this.timeout(60_000)
  let dir: TestDir
  let a: PeershareNode
  let b: PeershareNode
  /**
   * A peer no service of `a` touches: `b`'s record also changes when the DHT and other
   * services tag it, which rightly ends what was known, at moments a test does not choose
   */
  let stranger: PeerId

  before(async () => {
    stranger = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    dir = await tempDir()
    a = await startTestNode(join(dir.path, 'a'))
    b = await startTestNode(join(dir.path, 'b'))
    await a.connect(multiaddr(dialAddress(b)))
  })
  after(async () => {
    await Promise.allSettled([a?.stop(), b?.stop()])
    await dir?.cleanup()
  })

  it('skips a no-op merge; a change, a new protocol or a delete goes through to the store', async () => {
    const store = a.libp2p.peerStore
    const first = await store.merge(stranger, { protocols: ['/test/known/1'] })
    assert.ok(first.protocols.includes('/test/known/1'))
    // the same protocol again: the record merged last, not a new one decoded from the store
    assert.equal(await store.merge(stranger, { protocols: ['/test/known/1'] }), first)
    // a protocol not listed yet goes through, and is stored
    const more = await store.merge(stranger, { protocols: ['/test/known/2'] })
    assert.notEqual(more, first)
    assert.ok((await store.get(stranger)).protocols.includes('/test/known/2'))
    // a change made another way (here a patch dropping both) ends what was known
    await store.patch(stranger, { protocols: ['/test/other/1'] })
    const merged = await store.merge(stranger, { protocols: ['/test/known/1'] })
    assert.deepEqual([...(await store.get(stranger)).protocols].sort(), ['/test/known/1', '/test/other/1'])
    assert.notEqual(merged, more)
    // a deleted record is made again by the next merge
    await store.delete(stranger)
    await store.merge(stranger, { protocols: ['/test/known/1'] })
    assert.deepEqual((await store.get(stranger)).protocols, ['/test/known/1'])
  })

  it('streams between the nodes still record their protocols in the peer store', async () => {
    const protocol = '/test/known/stream/1'
    await b.libp2p.handle(protocol, async stream => { await stream.close() })
    const stream = await a.libp2p.dialProtocol(b.peerId, protocol)
    await stream.close()
    assert.ok((await a.libp2p.peerStore.get(b.peerId)).protocols.includes(protocol))
  })

  it('a known record stands for KNOWN_FOR_MS, then the merge goes to the store again', async () => {
    // the node's own store, with a layer below the skip that counts the merges reaching it
    const real = a.libp2p.peerStore
    let reached = 0
    const counted = Object.create(real) as typeof real
    counted.merge = async (peerId, data, options) => {
      reached++
      return real.merge(peerId, data, options)
    }
    const clock = new FakeClock()
    skipKnownProtocolMerges(counted, a.libp2p, () => clock.now())
    const protocols = ['/test/known/clock/1']
    const first = await counted.merge(stranger, { protocols })
    assert.equal(reached, 1)
    await clock.advance(KNOWN_FOR_MS - 1)
    assert.equal(await counted.merge(stranger, { protocols }), first)
    assert.equal(reached, 1, 'within the window: not merged again')
    await clock.advance(1)
    await counted.merge(stranger, { protocols })
    assert.equal(reached, 2, 'the window over: merged (and its updated stamp renewed) in the store')
    assert.ok((await real.get(stranger)).protocols.includes(protocols[0]))
  })
})
