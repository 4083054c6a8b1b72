/**
 * Peer records in memory between background writes (peer-store/): on LevelDB, what is
 * written is read back at once and reaches the disk by the next flush or the stop; and
 * in a real node, the streams to a peer (each of which libp2p records in the peer store)
 * write its record to the datastore at most once per flush, not once per stream.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { multiaddr } from '@multiformats/multiaddr'
import { MemoryDatastore } from 'datastore-core'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { PeershareNode, resolveConfig } from '../src/index.js'
import { createPeershareLibp2p } from '../src/libp2p.js'
import { PEER_RECORD_CACHE_DEFAULTS, PeerRecordCache } from '../src/peer-store/index.js'
import { MemoryBlobStore } from './memory-blob-store.js'
import { LOOPBACK_TCP, type TestDir, dialAddress, startTestNode, tempDir } from './fixtures.js'

const log = logger('peershare:test:peer-store')
const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)
const text = (value: Uint8Array): string => new TextDecoder().decode(value)

describe('peer records in memory between background writes (LevelDB)', function () {
  this.timeout(30_000)
  let dir: TestDir
  let level: LevelDatastore
  let cache: PeerRecordCache

  beforeEach(async () => {
    dir = await tempDir()
    level = new LevelDatastore(join(dir.path, 'datastore'))
    await level.open()
    // flushed only when asked: what the datastore holds is up to the test
    cache = new PeerRecordCache(level, log, { flushInterval: 3_600_000 })
  })
  afterEach(async () => {
    await cache.stop()
    await level.close()
    await dir.cleanup()
  })

  it('a record written is read back at once, and is in LevelDB after the flush; other keys go straight through', async () => {
    cache.start()
    const peer = new Key('/peers/bafzaajaiaejcatest')
    await level.put(peer, bytes('old'))
    await cache.put(peer, bytes('new'))
    await cache.put(new Key('/dht/provider/x'), bytes('record'))
    assert.equal(text(await cache.get(peer)), 'new')
    assert.equal(text(await level.get(peer)), 'old')
    assert.equal(text(await level.get(new Key('/dht/provider/x'))), 'record')
    assert.equal(cache.pending, 1)
    await cache.flush()
    assert.equal(text(await level.get(peer)), 'new')
    assert.equal(cache.pending, 0)
  })

  it('a deleted record is gone at once and from LevelDB after the flush; a listing sees records still in memory', async () => {
    cache.start()
    const gone = new Key('/peers/gone')
    await level.put(gone, bytes('x'))
    await cache.delete(gone)
    await assert.rejects(cache.get(gone), { name: 'NotFoundError' })
    assert.equal(await cache.has(gone), false)
    await cache.put(new Key('/peers/kept'), bytes('y'))
    const listed: string[] = []
    for await (const { key } of cache.query({ prefix: '/peers/' })) listed.push(key.toString())
    assert.deepEqual(listed, ['/peers/kept'])
    assert.equal(await level.has(gone), false)
  })

  it('stop writes what is in memory, and writes go straight through after it', async () => {
    cache.start()
    await cache.put(new Key('/peers/a'), bytes('1'))
    await cache.stop()
    assert.equal(text(await level.get(new Key('/peers/a'))), '1')
    await cache.put(new Key('/peers/b'), bytes('2'))
    assert.equal(text(await level.get(new Key('/peers/b'))), '2')
  })

  it('keeps at most maxEntries records, dropping only ones LevelDB already has', async () => {
    const small = new PeerRecordCache(level, log, { flushInterval: 3_600_000, maxEntries: 2 })
    small.start()
    for (const name of ['a', 'b', 'c']) await small.put(new Key(`/peers/${name}`), bytes(name))
    // none flushed yet: all three kept, none lost
    assert.equal(small.pending, 3)
    await small.flush()
    for (const name of ['a', 'b', 'c']) assert.equal(text(await small.get(new Key(`/peers/${name}`))), name)
    await small.stop()
  })
})

/** A datastore that counts the writes of each key */
class CountingDatastore extends MemoryDatastore {
  readonly puts = new Map<string, number>()
  override put (key: Key, value: Uint8Array): Key | Promise<Key> {
    this.puts.set(key.toString(), (this.puts.get(key.toString()) ?? 0) + 1)
    return super.put(key, value)
  }
}

describe('a node\'s streams to a peer and its peer record (real nodes over TCP)', function () {
  this.timeout(60_000)
  let dir: TestDir
  let datastore: CountingDatastore
  let node: PeershareNode
  let other: PeershareNode

  before(async () => {
    dir = await tempDir()
    datastore = new CountingDatastore()
    const config = resolveConfig({ repo: join(dir.path, 'counted'), listen: LOOPBACK_TCP, inboundConnectionsPerHostPerSecond: 1000 })
    node = await PeershareNode.compose(config, { datastore, blobs: new MemoryBlobStore(), privateKey: await generateKeyPair('Ed25519'), createLibp2p: createPeershareLibp2p })
    await node.start()
    other = await startTestNode(join(dir.path, 'other'))
  })
  after(async () => {
    await node?.stop()
    await other?.stop()
    await dir?.cleanup()
  })

  it('100 pings (a stream each) write the peer\'s record at most once per flush, and it is on disk after stop', async () => {
    await node.connect(multiaddr(dialAddress(other)))
    const record = `/peers/${other.peerId.toCID().toString()}`
    const before = datastore.puts.get(record) ?? 0
    const t0 = Date.now()
    for (let i = 0; i < 100; i++) await node.libp2p.services.ping.ping(other.peerId)
    const flushes = Math.ceil((Date.now() - t0) / PEER_RECORD_CACHE_DEFAULTS.flushInterval) + 1
    const written = (datastore.puts.get(record) ?? 0) - before
    assert.ok(written <= flushes, `${written} writes of the record in ${flushes} flush intervals`)
    assert.ok((await node.libp2p.peerStore.get(other.peerId)).protocols.includes('/ipfs/ping/1.0.0'))
    await node.stop()
    // the record as the peer store last wrote it, ping among its protocols
    assert.ok(Buffer.from(await datastore.get(new Key(record))).includes('/ipfs/ping/1.0.0'))
  })
})
