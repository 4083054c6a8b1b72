/**
 * kad-dht's peer-store reads kept in memory for a while (dht/peer-reads.ts): on a real
 * node's peer store, a read is answered from memory until the peer changes, its time is
 * up, or newer reads push it out; a peer missing is remembered as missing; and in a real
 * swarm the nodes that answer lookups read the peers they name from memory.
 */
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { PeerId } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MANIFEST_CODEC } from '@peershare/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import { PeerReads } from '../src/dht/peer-reads.js'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, lanDht, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

const newPeer = async (): Promise<PeerId> => peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
const at = (port: number) => multiaddr(`/ip4/127.0.0.1/tcp/${port}`)

describe('kad-dht\'s peer-store reads kept in memory', function () {
  this.timeout(60_000)
  let dir: TestDir
  let node: PeershareNode

  before(async () => {
    dir = await tempDir()
    node = await startTestNode(join(dir.path, 'n0'))
  })
  after(async () => {
    await node?.stop()
    await dir?.cleanup()
  })

  it('answers a read again from memory, and reads a peer afresh once the peer store changed it', async () => {
    const reads = new PeerReads(node.libp2p.peerStore, node.libp2p)
    const peer = await newPeer()
    await node.libp2p.peerStore.merge(peer, { multiaddrs: [at(1001)] })
    assert.deepEqual((await reads.peerStore.getInfo(peer)).multiaddrs.map(String), [at(1001).toString()])
    assert.deepEqual((await reads.peerStore.get(peer)).addresses.map(a => a.multiaddr.toString()), [at(1001).toString()])
    assert.deepEqual(reads.stats(), { hits: 1, misses: 1, kept: 1 })
    // a change through the peer store itself (not through the view) reaches the view at once
    await node.libp2p.peerStore.merge(peer, { multiaddrs: [at(1002)] })
    assert.deepEqual((await reads.peerStore.getInfo(peer)).multiaddrs.map(String).sort(), [at(1001).toString(), at(1002).toString()])
    assert.equal(reads.stats().misses, 2)
    // everything else is the peer store's own, what every object inherits too
    assert.equal(await reads.peerStore.has(peer), true)
    assert.notEqual(reads.peerStore.constructor, Object, "a name every object has is looked up on the store, not on the view's own methods")
    await reads.peerStore.patch(peer, { multiaddrs: [at(1003)] })
    assert.deepEqual((await reads.peerStore.getInfo(peer)).multiaddrs.map(String), [at(1003).toString()])
  })

  it('reads a peer missing from the store each time, and finds it once added; a delete through it is seen at once', async () => {
    const reads = new PeerReads(node.libp2p.peerStore, node.libp2p)
    const peer = await newPeer()
    for (let i = 0; i < 2; i++) await assert.rejects(reads.peerStore.get(peer), { name: 'NotFoundError' })
    assert.deepEqual(reads.stats(), { hits: 0, misses: 2, kept: 0 })
    await node.libp2p.peerStore.merge(peer, { multiaddrs: [at(1004)] })
    assert.deepEqual((await reads.peerStore.getInfo(peer)).multiaddrs.map(String), [at(1004).toString()])
    await reads.peerStore.get(peer)
    assert.equal(reads.stats().kept, 1)
    await reads.peerStore.delete(peer)
    assert.equal(reads.stats().kept, 0)
    await assert.rejects(reads.peerStore.get(peer), { name: 'NotFoundError' })
  })

  it('shares one read of the store among reads of a peer at once (one giving up ends alone), and keeps none begun before the peer changed', async () => {
    const store = node.libp2p.peerStore
    let storeReads = 0
    let hold: Promise<void> | undefined
    // the real peer store, its reads counted, and (while `hold` is set) a read's answer held back after it was read
    const counted = new Proxy(store, {
      get (target, prop) {
        if (prop !== 'get') return typeof Reflect.get(target, prop) === 'function' ? Reflect.get(target, prop).bind(target) : Reflect.get(target, prop)
        return async (...args: Parameters<typeof store.get>) => {
          storeReads++
          const peer = await target.get(...args)
          await hold
          return peer
        }
      }
    })
    const reads = new PeerReads(counted, node.libp2p)
    const peer = await newPeer()
    await store.merge(peer, { multiaddrs: [at(3001)] })
    await Promise.all([reads.peerStore.get(peer), reads.peerStore.get(peer), reads.peerStore.getInfo(peer)])
    assert.equal(storeReads, 1)
    await reads.peerStore.get(peer)
    assert.equal(storeReads, 1)
    // a read that took the old record, still under way when the peer changes
    await store.merge(peer, { multiaddrs: [at(3002)] })
    const release = Promise.withResolvers<void>()
    hold = release.promise
    const stale = reads.peerStore.getInfo(peer)
    await store.patch(peer, { multiaddrs: [at(3003)] })
    release.resolve()
    assert.deepEqual((await stale).multiaddrs.map(String).sort(), [at(3001).toString(), at(3002).toString()])
    hold = undefined
    assert.deepEqual((await reads.peerStore.getInfo(peer)).multiaddrs.map(String), [at(3003).toString()])
    // a caller giving up while others wait for the same read ends alone
    await store.merge(peer, { multiaddrs: [at(3004)] })
    const held = Promise.withResolvers<void>()
    hold = held.promise
    const giving = new AbortController()
    const givenUp = reads.peerStore.get(peer, { signal: giving.signal })
    const waiting = reads.peerStore.getInfo(peer)
    giving.abort()
    await assert.rejects(givenUp, { name: 'AbortedError' })
    held.resolve()
    hold = undefined
    assert.ok((await waiting).multiaddrs.map(String).includes(at(3004).toString()))
    assert.equal(reads.stats().kept, 1, 'the read the other caller waited for is kept')
  })

  it('reads a peer afresh once its time is up, and keeps at most maxEntries peers', async () => {
    let time = 0
    const reads = new PeerReads(node.libp2p.peerStore, node.libp2p, { ttlMs: 1000, maxEntries: 2, now: () => time })
    const peers = await Promise.all([newPeer(), newPeer(), newPeer()])
    for (const [i, peer] of peers.entries()) await node.libp2p.peerStore.merge(peer, { multiaddrs: [at(2000 + i)] })
    await reads.peerStore.get(peers[0])
    time += 999
    await reads.peerStore.get(peers[0])
    assert.equal(reads.stats().hits, 1)
    time += 1
    await reads.peerStore.get(peers[0])
    assert.deepEqual(reads.stats(), { hits: 1, misses: 2, kept: 1 })
    await reads.peerStore.get(peers[1])
    await reads.peerStore.get(peers[2])
    assert.equal(reads.stats().kept, 2)
    // the oldest read went first
    await reads.peerStore.get(peers[0])
    assert.equal(reads.stats().misses, 5)
    // a read kept once the others' time is up leaves it alone in memory
    time += 1000
    await reads.peerStore.get(peers[1])
    assert.deepEqual(reads.stats(), { hits: 1, misses: 6, kept: 1 })
  })

  describe('in a swarm of 3 nodes', () => {
    const swarm: PeershareNode[] = []

    before(async () => {
      swarm.push(await startTestNode(join(dir.path, 's0')))
      for (const name of ['s1', 's2']) swarm.push(await startTestNode(join(dir.path, name), { bootstrap: [dialAddress(swarm[0])] }))
      await until(() => swarm.every(n => lanDht(n).routingTableSize() === 2), 30_000)
    })
    after(async () => {
      await Promise.allSettled(swarm.map(async n => n.stop()))
    })

    it('the nodes answering lookups read the peers they name from memory, and lookups find providers as before', async () => {
      const [sharer, asker, third] = swarm
      const path = join(dir.path, 'shared.bin')
      await writeFile(path, randomBytes(10_000))
      const record = await sharer.share(path)
      await sharer.index.provide(record)
      const before = lanDht(third).peerReads()
      for (let i = 0; i < 5; i++) {
        const key = CID.createV1(MANIFEST_CODEC, Digest.create(0x12, randomBytes(32)))
        for await (const _ of asker.index.findProviders({ kind: 'file-id', fileId: key })) { /* nobody has it */ }
      }
      const found: string[] = []
      for await (const p of asker.providers(record.fileId)) found.push(p.peerId)
      assert.deepEqual(found, [sharer.peerId.toString()])
      const after = lanDht(third).peerReads()
      assert.ok(after.hits > before.hits, `the third node answered from memory (${JSON.stringify(before)} -> ${JSON.stringify(after)})`)
    })
  })
})
