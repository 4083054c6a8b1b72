/**
 * What the network carries per visibility, in a 3-node run with the DHT defaults: the
 * provider records every node's DHTs answer with, and every message on the announce
 * topic as a raw gossipsub subscriber (no validator) receives it. A contacts-only or
 * private file's plaintext SHA-256 is in neither; a public file's is (the control).
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import type { PeerId } from '@libp2p/interface'
import { tcp } from '@libp2p/tcp'
import { multiaddr } from '@multiformats/multiaddr'
import { hexToBytes, parseFileId, sha256Cid } from '@peershare/protocol'
import { createLibp2p } from 'libp2p'
import type { CID } from 'multiformats/cid'
import { ANNOUNCE_TOPIC } from '../src/catalog/gossip-config.js'
import { type SignedOffer, openOffer } from '../src/catalog/index.js'
import type { FileRecord, PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/** Every provider each of the node's DHTs answers for `key` (its own store and its peers'), as "answering peer:provider" */
async function providerRecords (node: PeershareNode, key: CID): Promise<string[]> {
  const found: string[] = []
  for (const { dht, routingTableSize } of node.dhts) {
    // a DHT without peers (the public one on loopback) answers from its own store, then waits: cut it short
    const signal = AbortSignal.timeout(routingTableSize() === 0 ? 1_000 : 15_000)
    try {
      for await (const event of dht.findProviders(key, { signal })) {
        if (event.name === 'PROVIDER') for (const p of event.providers) found.push(`${event.from.toString()}:${p.id.toString()}`)
      }
    } catch (err: any) {
      if (!signal.aborted) throw err
    }
  }
  return found
}

/** A plain gossipsub peer, no validator: it hears whatever is published on the topics it joins */
async function gossipListener () {
  return createLibp2p({
    addresses: { listen: ['/ip4/127.0.0.1/tcp/0'] },
    transports: [tcp()],
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    services: { identify: identify(), pubsub: gossipsub({ allowPublishToZeroTopicPeers: true }) }
  })
}

/** Polls an async condition (tests wait on conditions, never fixed sleeps) */
async function eventually (condition: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  await until(condition, timeoutMs)
}

/** True when `haystack` contains `needle` anywhere */
function contains (haystack: Uint8Array, needle: Uint8Array): boolean {
  return Buffer.from(haystack).includes(Buffer.from(needle))
}

describe('access: what the DHT and gossip carry per visibility (3 nodes)', function () {
  this.timeout(180_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []
  let listener: Awaited<ReturnType<typeof gossipListener>>
  const heard: Uint8Array[] = []

  before(async () => {
    dir = await tempDir()
    for (const name of ['owner', 'b', 'c']) nodes.push(await startTestNode(join(dir.path, name)))
    const [owner, b, c] = nodes
    await b.connect(multiaddr(dialAddress(owner)))
    await c.connect(multiaddr(dialAddress(b)))
    await c.connect(multiaddr(dialAddress(owner)))
    listener = await gossipListener()
    listener.services.pubsub.addEventListener('message', (event) => {
      if (event.detail.topic === ANNOUNCE_TOPIC) heard.push(event.detail.data)
    })
    listener.services.pubsub.subscribe(ANNOUNCE_TOPIC)
    await listener.dial(multiaddr(dialAddress(owner)))
    await until(() => owner.libp2p.services.pubsub.getSubscribers(ANNOUNCE_TOPIC).some(p => p.equals(listener.peerId)), 20_000)
    await until(() => nodes.every(n => n.dhts[0].routingTableSize() >= 2), 20_000)
  })
  after(async () => {
    await listener?.stop()
    for (const node of nodes) await node.stop().catch(() => {})
    await dir?.cleanup()
  })

  const heardOffers = async (): Promise<SignedOffer[]> => {
    const out: SignedOffer[] = []
    for (const data of heard) {
      const opened = await openOffer(data)
      if (opened.result === 'accept') out.push(opened.signed)
    }
    return out
  }
  const heardOf = async (contentId: string): Promise<SignedOffer[]> => (await heardOffers()).filter(s => s.offer.contentId === contentId)

  /** Until every node's DHT answers `key` with the owner as a provider */
  const provided = async (key: CID, owner: PeerId): Promise<void> => {
    for (const node of nodes) {
      const deadline = Date.now() + 60_000
      while (!(await providerRecords(node, key)).some(r => r.endsWith(`:${owner.toString()}`))) {
        if (Date.now() > deadline) throw new Error(`${node.peerId} never found the owner providing ${key}`)
      }
    }
  }

  it('contacts-only and private files: their SHA-256 in no provider record and no gossip message; a public file\'s in both', async () => {
    const [owner] = nodes
    const con = await owner.share(await randomFile(dir.path, 'dht-con.bin', 40_000), { visibility: 'contacts' })
    const priv = await owner.share(await randomFile(dir.path, 'dht-priv.bin', 40_000), { visibility: 'private' })
    // shared last: its provider records and announcement go out after anything the others could have queued
    const pub = await owner.share(await randomFile(dir.path, 'dht-pub.bin', 40_000))
    await provided(sha256Cid(hexToBytes(pub.sha256)), owner.peerId)
    await provided(parseFileId(pub.fileId), owner.peerId)
    await until(() => heard.some(data => contains(data, hexToBytes(pub.sha256))), 30_000)

    for (const file of [con, priv]) {
      for (const node of nodes) {
        assert.deepEqual(await providerRecords(node, sha256Cid(hexToBytes(file.sha256))), [], `${file.metadata.name} by SHA-256, asked of ${node.peerId}`)
        // unencrypted: its file id comes from its content, so it is not provided either
        assert.deepEqual(await providerRecords(node, parseFileId(file.fileId)), [], `${file.metadata.name} by file id, asked of ${node.peerId}`)
      }
      for (const data of heard) {
        assert.ok(!contains(data, hexToBytes(file.sha256)), `${file.metadata.name}'s SHA-256 in a gossip message`)
        assert.ok(!contains(data, parseFileId(file.fileId).bytes), `${file.metadata.name}'s file id in a gossip message`)
      }
    }
    // the owner's own catalog holds the contacts offer, for contacts; no private one
    assert.deepEqual((await owner.catalog.offersOf(con.fileId)).map(e => e.signed.offer.visibility), ['contacts'])
    assert.deepEqual(await owner.catalog.offersOf(priv.fileId), [])
    for (const node of nodes.slice(1)) assert.deepEqual(await node.catalog.offersOf(con.fileId), [])
  })

  it('public to contacts: the owner stops providing the SHA-256 and gossips a tombstone, never the contacts offer', async () => {
    const [owner] = nodes
    const file: FileRecord = await owner.share(await randomFile(dir.path, 'dht-turned.bin', 40_000))
    const sha = sha256Cid(hexToBytes(file.sha256))
    await provided(sha, owner.peerId)
    await until(() => heard.some(data => contains(data, hexToBytes(file.sha256))), 30_000)

    const self = `${owner.peerId.toString()}:${owner.peerId.toString()}`
    assert.ok((await providerRecords(owner, sha)).includes(self), 'the owner\'s own store lists it while public')
    await owner.setVisibility(file.fileId, 'contacts')
    assert.ok(!(await providerRecords(owner, sha)).includes(self), 'the owner\'s own store no longer lists it')
    assert.ok(!(await providerRecords(owner, parseFileId(file.fileId))).includes(self))
    await eventually(async () => (await heardOf(file.fileId)).some(v => v.offer.removed))
    assert.deepEqual((await heardOf(file.fileId)).map(v => [v.offer.visibility, v.offer.removed]), [['public', false], ['public', true]])
    // the peers dropped the public offer
    for (const node of nodes.slice(1)) await eventually(async () => (await node.catalog.offersOf(file.fileId)).length === 0)
    // and what the owner serves next from its catalog is the contacts offer, to contacts only
    assert.deepEqual((await owner.catalog.offersOf(file.fileId)).map(e => e.signed.offer.visibility), ['contacts'])
  })
})
