import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { QueryEvent } from '@libp2p/kad-dht'
import { multiaddr } from '@multiformats/multiaddr'
import { MANIFEST_CODEC, parseFileId, sha256Cid, hexToBytes } from '@peershare/protocol'
import { CID } from 'multiformats/cid'
import * as Digest from 'multiformats/hashes/digest'
import type { NodeInit, PeershareNode } from '../src/index.js'
import type { ProviderEntry } from '../src/dht/provider-lookup.js'
import { dialAddress, randomFile, sha256File, startTestNode, stockKadNode, tempDir, type TestDir, until } from './fixtures.js'

const SWARM_SIZE = 20

/** Forgets everything `node` knows about `other`, so only the DHT can lead back to it */
async function forget (node: PeershareNode, other: PeershareNode): Promise<void> {
  await node.libp2p.hangUp(other.peerId)
  await node.libp2p.peerStore.delete(other.peerId)
}

/** On 127.0.0.1 the LAN DHT is the one with peers: the public one keeps public addresses only */
function routingTableSize (node: PeershareNode): number {
  return node.dhts.find(d => d.name === 'lan')?.routingTableSize() ?? 0
}

describe(`a swarm of ${SWARM_SIZE} nodes on 127.0.0.1 joined through one bootstrap node`, function () {
  this.timeout(180_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []
  let bootstrapAddr: string

  async function addNode (name: string, init: NodeInit = {}): Promise<PeershareNode> {
    const node = await startTestNode(join(dir.path, name), { bootstrap: [bootstrapAddr], lookupTimeout: 15_000, ...init })
    nodes.push(node)
    return node
  }

  before(async () => {
    dir = await tempDir()
    const first = await startTestNode(join(dir.path, 'n0'))
    nodes.push(first)
    bootstrapAddr = dialAddress(first)
    for (let i = 1; i < SWARM_SIZE; i++) await addNode(`n${i}`)
    await until(() => nodes.every(n => routingTableSize(n) >= 3), 60_000)
  })

  after(async () => {
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await dir?.cleanup()
  })

  it('each node was configured with only the bootstrap node', () => {
    for (const node of nodes.slice(1)) assert.deepEqual(node.config.bootstrap, [bootstrapAddr])
  })

  it('finds and fetches a file by id from a node that never connected to the sharer', async () => {
    const sharer = nodes[7]
    const src = await randomFile(dir.path, 'by-id.bin', 3 * 1024 * 1024 + 11)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    const finder = await addNode('finder-1')
    await forget(finder, sharer)
    const providers = []
    for await (const p of finder.providers(record.fileId, { timeout: 15_000 })) providers.push(p)
    assert.ok(providers.some(p => p.peerId === sharer.peerId.toString()), 'the sharer is among the providers')
    await forget(finder, sharer)
    const out = join(dir.path, 'by-id.out')
    await finder.get(record.fileId, { output: out })
    assert.equal(await sha256File(out), await sha256File(src))
  })

  it('finds a file by its plain SHA-256 and resolves the file id', async () => {
    const sharer = nodes[12]
    const src = await randomFile(dir.path, 'by-sha.bin', 200_000)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    const finder = nodes[3]
    await forget(finder, sharer)
    // a DHT lookup may miss a record now and then, as for any user: ask up to three times
    let found: ProviderEntry | undefined
    for (let attempt = 0; attempt < 3 && found?.fileId == null; attempt++) {
      for await (const p of finder.providers(record.sha256, { timeout: 15_000 })) {
        if (p.peerId === sharer.peerId.toString()) found = p
      }
    }
    assert.equal(found?.fileId, record.fileId)
    const got = await finder.get(`sha256:${record.sha256}`, { output: join(dir.path, 'by-sha.out') })
    assert.equal(got.fileId, record.fileId)
  })

  it('waits for a file id nobody has: stalled, no providers found, size and ETA unknown, rate 0', async () => {
    const missing = CID.createV1(MANIFEST_CODEC, Digest.create(0x12, new Uint8Array(32).fill(7))).toString()
    const finder = nodes[5]
    const transfer = await finder.download(missing, { output: join(dir.path, 'missing.out') })
    await until(() => transfer.progress().state === 'stalled', 30_000)
    const progress = transfer.progress()
    assert.equal(progress.stallReason, 'no-providers')
    assert.equal(progress.bytesTotal, null)
    assert.equal(progress.rate, 0)
    assert.equal(progress.eta, null)
    assert.deepEqual(finder.transfers.list().map(t => t.fileId), [missing])
    await finder.transfers.cancel(missing)
    await assert.rejects(transfer.done(), { name: 'AbortedError' })
  })

  it('ends a lookup by SHA-256 nobody has with FileNotFoundError within its timeout (no file id to wait under)', async () => {
    const finder = nodes[5]
    const started = Date.now()
    await assert.rejects(finder.get('07'.repeat(32), { output: join(dir.path, 'missing.out') }), { name: 'FileNotFoundError' })
    assert.ok(Date.now() - started < finder.config.lookupTimeout + 5000, 'ends within the lookup timeout')
  })

  it('ends a lookup with no timeout once the LAN DHT is done: the empty public DHT is not waited for', async () => {
    const finder = nodes[6]
    // loopback addresses are not public: the public DHT has nobody, so kad-dht would hold its query forever
    assert.equal(finder.dhts.find(d => d.name === 'public')?.routingTableSize(), 0)
    assert.ok(routingTableSize(finder) > 0)
    const missing = CID.createV1(MANIFEST_CODEC, Digest.create(0x12, new Uint8Array(32).fill(9)))
    const found = []
    for await (const peer of finder.index.findProviders({ kind: 'file-id', fileId: missing })) found.push(peer)
    assert.deepEqual(found, [])
  })

  it('hands out provider records while the walk goes on, each closest peer once, and a lookup from elsewhere finds them', async () => {
    const sharer = nodes[3]
    const lan = sharer.dhts.find(d => d.name === 'lan')?.dht
    assert.ok(lan != null)
    const key = CID.createV1(MANIFEST_CODEC, Digest.create(0x12, new Uint8Array(32).fill(21)))
    const events: QueryEvent[] = []
    for await (const event of lan.provide(key)) events.push(event)
    const sentTo = events.flatMap(e => e.name === 'SEND_QUERY' && e.messageName === 'ADD_PROVIDER' ? [e.to.toString()] : [])
    const finals = events.flatMap(e => e.name === 'FINAL_PEER' ? [e.peer.id.toString()] : [])
    assert.ok(finals.length > 0, 'the walk found closest peers')
    assert.equal(new Set(sentTo).size, sentTo.length, 'no peer got the record twice')
    for (const peer of finals) assert.ok(sentTo.includes(peer), `final closest peer ${peer} got the record`)
    // kad-dht alone sends nothing before its walk ended; here the first answering close peers get it at once
    const firstSend = events.findIndex(e => e.name === 'SEND_QUERY' && e.messageName === 'ADD_PROVIDER')
    const lastAnswer = events.findLastIndex(e => e.name === 'PEER_RESPONSE' && e.messageName === 'FIND_NODE')
    assert.ok(firstSend >= 0 && firstSend < lastAnswer, `a record went out before the walk's last answer (send at event ${firstSend}, last answer at ${lastAnswer})`)
    const finder = nodes[15].dhts.find(d => d.name === 'lan')?.dht
    assert.ok(finder != null)
    let found = false
    for await (const event of finder.findProviders(key)) {
      if (event.name === 'PROVIDER' && event.providers.some(p => p.id.equals(sharer.peerId))) { found = true; break }
    }
    assert.ok(found, 'another node found the sharer')
  })

  it('makes a downloader a provider: the file survives its sharer leaving', async () => {
    const sharer = nodes[9]
    const src = await randomFile(dir.path, 'relay.bin', 500_000)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    const first = nodes[14]
    await first.get(record.fileId, { output: join(dir.path, 'relay-1.out') })
    await first.index.provide(record)
    await sharer.stop()
    nodes.splice(nodes.indexOf(sharer), 1)
    const second = nodes[16]
    await second.get(record.fileId, { output: join(dir.path, 'relay-2.out') })
    assert.equal(await sha256File(join(dir.path, 'relay-2.out')), await sha256File(src))
  })

  it('is found by a stock js-libp2p node speaking plain Kademlia with the peershare LAN protocol id', async () => {
    const sharer = nodes[4]
    const src = await randomFile(dir.path, 'stock.bin', 10_000)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    const stock = await stockKadNode({ clientMode: true })
    try {
      await stock.dial(multiaddr(bootstrapAddr))
      const found = new Set<string>()
      for (const key of [parseFileId(record.fileId), sha256Cid(hexToBytes(record.sha256))]) {
        for await (const event of stock.services.dht.findProviders(key, { signal: AbortSignal.timeout(15_000) })) {
          if (event.name === 'PROVIDER') for (const p of event.providers) found.add(`${key}:${p.id}`)
        }
      }
      assert.ok(found.has(`${parseFileId(record.fileId)}:${sharer.peerId}`), 'provider by file id')
      assert.ok(found.has(`${sha256Cid(hexToBytes(record.sha256))}:${sharer.peerId}`), 'provider by sha256 CID')
    } finally {
      await stock.stop()
    }
  })

  it('keeps identity and files across a restart and provides them again', async () => {
    const old = nodes[11]
    const repo = old.config.repo
    const src = await randomFile(dir.path, 'restart.bin', 70_000)
    const record = await old.share(src)
    const peerId = old.peerId.toString()
    await old.stop()
    nodes.splice(nodes.indexOf(old), 1)
    // restarted without bootstrap peers: it rejoins through the peers it remembers
    const again = await startTestNode(repo, { bootstrap: [] })
    nodes.push(again)
    assert.equal(again.peerId.toString(), peerId)
    assert.ok((await again.list()).some(f => f.fileId === record.fileId))
    await until(() => again.libp2p.getConnections().length > 0, 20_000)
    await again.index.provide(record)
    const finder = await addNode('finder-2')
    await finder.get(record.fileId, { output: join(dir.path, 'restart.out') })
    assert.equal(await sha256File(join(dir.path, 'restart.out')), await sha256File(src))
  })

  it('withdraws a removed file from its own answers', async () => {
    const node = nodes[2]
    const src = await randomFile(dir.path, 'rm.bin', 1000)
    const record = await node.share(src)
    await node.index.provide(record)
    const selfListed = async (): Promise<boolean> => {
      for await (const event of node.libp2p.services.lanDht.findProviders(parseFileId(record.fileId), { signal: AbortSignal.timeout(5000) })) {
        if (event.name === 'PROVIDER' && event.from.equals(node.peerId) && event.providers.some(p => p.id.equals(node.peerId))) return true
      }
      return false
    }
    assert.equal(await selfListed(), true)
    await node.remove(record.fileId)
    assert.equal(await selfListed(), false)
    assert.equal(await node.store.has(record.fileId), false)
  })
})
