import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerInfo } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MANIFEST_CODEC } from '@peershare/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { randomBytes } from 'node:crypto'
import { dropRepeatedPeers, REPEAT_WINDOW_MS } from '../src/dht/repeat-peers.js'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, lanDht, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** An event target that dispatches as kad-dht's network does */
class Announcer extends EventTarget {
  safeDispatchEvent (type: string, init?: CustomEventInit<unknown>): boolean {
    return this.dispatchEvent(new CustomEvent(type, init))
  }
}

describe('repeated news of a DHT peer', () => {
  it('passes a peer once within the window, again with other addresses or after it; other events always', async () => {
    let time = 0
    const network = new Announcer()
    const dropped = dropRepeatedPeers(network, () => time)
    const heard: string[] = []
    network.addEventListener('peer', evt => { heard.push((evt as CustomEvent<PeerInfo>).detail.multiaddrs.join(',')) })
    let others = 0
    network.addEventListener('other', () => { others++ })
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const at = (port: number): CustomEventInit<PeerInfo> => ({ detail: { id, multiaddrs: [multiaddr(`/ip4/127.0.0.1/tcp/${port}`)] } })
    network.safeDispatchEvent('peer', at(1))
    network.safeDispatchEvent('peer', at(1))
    time += REPEAT_WINDOW_MS - 1
    network.safeDispatchEvent('peer', at(1))
    network.safeDispatchEvent('peer', at(2))
    time += REPEAT_WINDOW_MS
    network.safeDispatchEvent('peer', at(2))
    network.safeDispatchEvent('other')
    network.safeDispatchEvent('other')
    assert.deepEqual(heard, ['/ip4/127.0.0.1/tcp/1', '/ip4/127.0.0.1/tcp/2', '/ip4/127.0.0.1/tcp/2'])
    assert.equal(dropped(), 2)
    assert.equal(others, 2)
  })

  it('takes a peer\'s addresses as a set: an answer naming one twice, or in another order, is no news', async () => {
    // measured in the 20-node bench: some nodes' answers name a peer's one address twice,
    // others once, and a fifth of the peer events went through as "new addresses"
    const network = new Announcer()
    const dropped = dropRepeatedPeers(network, () => 0)
    let heard = 0
    network.addEventListener('peer', () => { heard++ })
    const id = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const a = '/ip4/127.0.0.1/tcp/1'
    const b = '/ip4/127.0.0.1/tcp/2'
    const named = (...addrs: string[]): CustomEventInit<PeerInfo> => ({ detail: { id, multiaddrs: addrs.map(s => multiaddr(s)) } })
    network.safeDispatchEvent('peer', named(a, b))
    network.safeDispatchEvent('peer', named(a, b, a))
    network.safeDispatchEvent('peer', named(b, a))
    network.safeDispatchEvent('peer', named(b, b, a, a))
    assert.equal(heard, 1)
    assert.equal(dropped(), 3)
    network.safeDispatchEvent('peer', named(a))
    assert.equal(heard, 2, 'an address fewer is news')
  })

  describe('in a swarm of 3 nodes', function () {
    this.timeout(60_000)
    let dir: TestDir
    const nodes: PeershareNode[] = []

    before(async () => {
      dir = await tempDir()
      nodes.push(await startTestNode(join(dir.path, 'n0')))
      for (const name of ['n1', 'n2']) nodes.push(await startTestNode(join(dir.path, name), { bootstrap: [dialAddress(nodes[0])] }))
      await until(() => nodes.every(n => lanDht(n).routingTableSize() === 2), 30_000)
    })

    after(async () => {
      await Promise.allSettled(nodes.map(async n => n.stop()))
      await dir?.cleanup()
    })

    it('names each peer from its lookups\' answers once to the rest of the node, and drops the repeats', async () => {
      const asker = nodes[1]
      const dht = lanDht(asker)
      const named: string[] = []
      // kad-dht passes on each peer its answers name as peer discovery: the routing table and the peer store hear of it
      const onPeer = (evt: Event): void => { named.push((evt as CustomEvent<PeerInfo>).detail.id.toString()) }
      // the implementation is an event target (peer discovery); the KadDHT interface type does not say so
      const events = dht.dht as unknown as EventTarget
      events.addEventListener('peer', onPeer)
      try {
        for (let i = 0; i < 5; i++) {
          const key = CID.createV1(MANIFEST_CODEC, Digest.create(0x12, randomBytes(32)))
          for await (const _ of asker.index.findProviders({ kind: 'file-id', fileId: key })) { /* nobody has it */ }
        }
      } finally {
        events.removeEventListener('peer', onPeer)
      }
      assert.ok(dht.repeatedPeersDropped() > 0, 'the later answers named the same peers again')
      assert.deepEqual(named, [...new Set(named)], 'no peer was passed on twice')
    })
  })
})
