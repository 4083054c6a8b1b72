/**
 * Records read back from the datastore are checked; a bad one is set aside under
 * /peershare/quarantine with its reason and bytes, and the good ones are returned.
 */
import assert from 'node:assert/strict'
import { createHash } from 'node:crypto'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { logger } from '@libp2p/logger'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { MANIFEST_VERSION, MIN_CHUNK_SIZE, type Manifest, encodeManifest, fileIdOf, formatFileId } from '@peershare/protocol'
import { LevelDatastore } from 'datastore-level'
import { Key } from 'interface-datastore'
import { type CatalogCursor, CursorStore } from '../src/catalog/cursor-store.js'
import { CollectionStore } from '../src/collection/collection-store.js'
import { TransferStore } from '../src/download/transfer-store.js'
import { Inbox, type ReceivedGrant } from '../src/keys/inbox.js'
import { type SentGrant, SentGrants } from '../src/keys/sent-grants.js'
import { Quarantine, checkFileRecord, checkTransferRecord, jsonObject } from '../src/records/index.js'
import { ReplicaBook } from '../src/replication/holder/replica-book.js'
import type { HeldReplica } from '../src/replication/index.js'
import { blobRecord } from '../src/store/file-record.js'
import { FileStore } from '../src/store/file-store.js'
import { FsBlobStore } from '../src/store/fs-blob-store.js'
import { startTestNode, tempDir, type TestDir } from './fixtures.js'
import { MemoryBlobStore } from './memory-blob-store.js'

const FILE_ID = 'bahijzqabciqhjknsoqy7hnvggfmv4mybyhjfb5x4tgzubg2v5pwos2yhregaewi'
const text = (value: unknown): Uint8Array => new TextEncoder().encode(typeof value === 'string' ? value : JSON.stringify(value))
const transfer = { fileId: FILE_ID, priority: 'normal', state: 'running', sources: [], created: 1 }

describe('persisted records', () => {
  let dir: TestDir
  let ds: LevelDatastore
  let quarantine: Quarantine

  beforeEach(async () => {
    dir = await tempDir()
    ds = new LevelDatastore(join(dir.path, 'datastore'))
    await ds.open()
    quarantine = new Quarantine(ds, logger('test'))
  })
  afterEach(async () => {
    await ds.close()
    await dir.cleanup()
  })

  it('checks refuse garbage, wrong types, ids that are not the key, relative paths and a partial file away from its output', () => {
    assert.throws(() => jsonObject(text('{"fileId":')), { name: 'RecordInvalidError' })
    assert.throws(() => jsonObject(new Uint8Array([0xff, 0xfe])), { name: 'RecordInvalidError' })
    assert.throws(() => jsonObject(text('[]')), { name: 'RecordInvalidError' })
    assert.equal(checkTransferRecord({ ...transfer }, FILE_ID).fileId, FILE_ID)
    const bad = [
      { ...transfer, priority: 5 },
      { ...transfer, state: 'done' },
      { ...transfer, sources: 'peer' },
      { ...transfer, fileId: 'zzzz' },
      { ...transfer, output: 'relative/out.bin' },
      { ...transfer, output: '/a/out.bin', partialPath: '/b/out.bin.peershare-partial' },
      { ...transfer, destination: { cwd: 'here' } }
    ]
    for (const record of bad) assert.throws(() => checkTransferRecord(record, FILE_ID), { name: 'RecordInvalidError' }, JSON.stringify(record))
    assert.throws(() => checkTransferRecord({ ...transfer }, 'bafkother'), { name: 'RecordInvalidError' })
    assert.throws(() => checkFileRecord({ fileId: FILE_ID, sha256: 'xx', size: 1 }, FILE_ID), { name: 'RecordInvalidError' })
    // visibility: absent (public) or one of the three levels; anything else is not ours
    const file = { fileId: FILE_ID, sha256: 'a'.repeat(64), size: 1, chunkSize: 16384, metadata: { name: 'a', mimeType: 'text/plain', description: '', tags: [], created: 0 }, location: { kind: 'blob' }, added: 0 }
    for (const visibility of [undefined, 'public', 'contacts', 'private']) assert.equal(checkFileRecord({ ...file, visibility }, FILE_ID).fileId, FILE_ID)
    for (const visibility of ['friends', 1, null]) assert.throws(() => checkFileRecord({ ...file, visibility }, FILE_ID), { name: 'RecordInvalidError' })
  })

  it('stores skip and quarantine bad records, keeping their bytes and the reason', async () => {
    const garbage = new Uint8Array([1, 2, 3, 250])
    await ds.put(new Key(`/peershare/transfers/${FILE_ID}/record`), garbage)
    await ds.put(new Key(`/peershare/files/${FILE_ID}`), text({ fileId: FILE_ID, size: -1 }))
    await ds.put(new Key('/peershare/collections/bafkfake'), text('null'))
    await ds.put(new Key('/peershare/collection-downloads/bafkfake'), text({ collectionId: 'bafkfake', output: 'x', peers: [], priority: 'normal' }))
    assert.deepEqual(await new TransferStore(ds, quarantine).all(), [])
    const files = new FileStore({ datastore: ds, blobs: new FsBlobStore(dir.path), quarantine })
    assert.deepEqual(await files.list(), [])
    assert.equal(await files.get(FILE_ID), undefined)
    const collections = new CollectionStore(ds, quarantine)
    assert.deepEqual(await collections.list(), [])
    assert.deepEqual(await collections.downloads(), [])
    const set = await quarantine.list()
    assert.deepEqual(set.map(q => q.key).sort(), [
      '/peershare/collection-downloads/bafkfake',
      '/peershare/collections/bafkfake',
      `/peershare/files/${FILE_ID}`,
      `/peershare/transfers/${FILE_ID}/record`
    ])
    assert.deepEqual(new Uint8Array(Buffer.from(set.find(q => q.key.startsWith('/peershare/transfers'))?.value ?? '', 'base64')), garbage)
    for (const q of set) assert.ok(q.reason.length > 0)
    // set aside means moved: the old keys are gone
    assert.equal(await ds.has(new Key(`/peershare/files/${FILE_ID}`)), false)
  })

  it('a download\'s state is written in the order asked: a save not waited for never outlives the delete after it', async () => {
    // LevelDB takes each write on a threadpool thread: two at once could land in either order (9 in 2,000 pairs, measured)
    const store = new TransferStore(ds, quarantine)
    const record = { fileId: FILE_ID, priority: 'normal' as const, state: 'running' as const, sources: [], created: 1 }
    let outlived = 0
    for (let i = 0; i < 1_000; i++) {
      void store.save(record)
      void store.saveVerified(FILE_ID, new Uint8Array([0xff]))
      await store.delete(FILE_ID)
      if ((await ds.has(new Key(`/peershare/transfers/${FILE_ID}/record`))) || (await ds.has(new Key(`/peershare/transfers/${FILE_ID}/verified`)))) outlived++
    }
    assert.equal(outlived, 0, `${outlived} of 1,000 deletes were overtaken by the writes asked for before them`)
  })

  it('a download\'s state saved after its delete is not written: a callback outliving the download does not bring it back; a new download of the file saves again', async () => {
    const store = new TransferStore(ds, quarantine)
    const record = { fileId: FILE_ID, priority: 'normal' as const, state: 'running' as const, sources: [], created: 1 }
    const held = async (): Promise<string[]> => {
      const parts: string[] = []
      for await (const key of ds.queryKeys({ prefix: `/peershare/transfers/${FILE_ID}` })) parts.push(key.name())
      return parts.sort()
    }
    await store.begin(record)
    await store.delete(FILE_ID)
    // a source remembered, a checkpoint, a take-over: saves asked for once the download ended
    await store.save({ ...record, sources: ['late'] }, new Uint8Array([1]))
    await store.saveVerified(FILE_ID, new Uint8Array([0xff]))
    assert.deepEqual(await held(), [], 'nothing of the ended download is written again')
    assert.deepEqual(await store.all(), [])
    await store.begin(record)
    await store.save({ ...record, sources: ['again'] })
    assert.deepEqual(await held(), ['record'])
    assert.deepEqual((await store.all()).map(t => t.record.sources), [['again']])
    await store.delete(FILE_ID)
  })

  it('a stored file\'s record changed (not waited for) as it is removed does not come back', async () => {
    const content = new Uint8Array([1, 2, 3])
    const digest = new Uint8Array(createHash('sha256').update(content).digest())
    const manifest: Manifest = { version: MANIFEST_VERSION, size: content.byteLength, chunkSize: MIN_CHUNK_SIZE, chunkHashes: [digest], sha256: digest }
    const fileId = formatFileId(await fileIdOf(manifest))
    const record = blobRecord(fileId, manifest, { name: 'a.bin', mimeType: 'application/octet-stream', description: '', tags: [], created: 0 })
    const store = new FileStore({ datastore: ds, blobs: new MemoryBlobStore(), quarantine })
    let back = 0
    for (let i = 0; i < 300; i++) {
      await store.put(record, encodeManifest(manifest))
      // a chunk found damaged while serving, as `rm` runs
      void store.setDamaged(fileId, i + 1)
      assert.equal(await store.remove(fileId), true)
      if (await store.has(fileId)) back++
    }
    assert.equal(back, 0, `${back} of 300 removed records came back`)
  })

  it('a record, a missing one and a file by SHA-256 each cost one datastore read, not a has then a get', async () => {
    const content = new Uint8Array([4, 5, 6])
    const digest = new Uint8Array(createHash('sha256').update(content).digest())
    const manifest: Manifest = { version: MANIFEST_VERSION, size: content.byteLength, chunkSize: MIN_CHUNK_SIZE, chunkHashes: [digest], sha256: digest }
    const fileId = formatFileId(await fileIdOf(manifest))
    const record = blobRecord(fileId, manifest, { name: 'b.bin', mimeType: 'application/octet-stream', description: '', tags: [], created: 0 })
    let reads = 0
    // the store's datastore, counting reads (a LevelDatastore's `has` is a whole read)
    const counted = new Proxy(ds, {
      get (target, name) {
        const value = Reflect.get(target, name, target)
        if (name !== 'get' && name !== 'has') return typeof value === 'function' ? value.bind(target) : value
        return async (...args: unknown[]) => { reads++; return value.apply(target, args) }
      }
    })
    const store = new FileStore({ datastore: counted, blobs: new MemoryBlobStore(), quarantine })
    await store.put(record, encodeManifest(manifest))
    reads = 0
    assert.equal((await store.getRecord(fileId))?.fileId, fileId)
    assert.equal(reads, 1, 'reads of a stored record')
    reads = 0
    assert.equal(await store.getRecord(FILE_ID), undefined)
    assert.equal(reads, 1, 'reads of a missing record')
    reads = 0
    assert.equal(await store.findBySha256(record.sha256), fileId)
    assert.equal(reads, 1, 'reads of a file by SHA-256')
  })

  it('a revoke is not undone by a delivery that records its outcome as the revoke is written', async () => {
    const sent = new SentGrants(ds, quarantine)
    const peer = '12D3KooWSfUgAbsEJZ87mYVEd6UKSEpygXuafFsuXi4QKZyWeXFo'
    const grant: SentGrant = { fileId: FILE_ID, peer, keyType: 1, seq: 1n, envelope: new Uint8Array([1]), state: 'pending', created: 1, attempts: 0 }
    const undone: number[] = []
    for (let i = 1; i <= 100; i++) {
      await sent.put({ ...grant, seq: BigInt(i) })
      const revoke = sent.put({ ...grant, seq: BigInt(i), state: 'revoked', revokedAt: i })
      // a push that failed meanwhile: delivery writes its retry only while the grant is pending (delivery.ts `update`)
      const now = sent.get(FILE_ID, peer)
      const retry = now?.state === 'pending' ? sent.put({ ...now, attempts: 1, nextAttempt: i }) : undefined
      await Promise.all([revoke, retry])
      const saved = JSON.parse(new TextDecoder().decode(await ds.get(new Key(`/peershare/key-grants/sent/${FILE_ID}/${peer}`))))
      if (sent.mayAccess(FILE_ID, peer) || saved.state !== 'revoked') undone.push(i)
    }
    assert.deepEqual(undone, [], 'rounds whose revoke was undone')
  })

  it('an inbox holds a sender to its bound and to its newest grant when its grants arrive at once', async () => {
    const inbox = new Inbox(ds, quarantine, { maxEntries: 100, maxPerSender: 3 })
    const sender = '12D3KooWSfUgAbsEJZ87mYVEd6UKSEpygXuafFsuXi4QKZyWeXFo'
    const received = (fileId: string, seq: bigint): ReceivedGrant => ({
      grant: { fileId, sender, recipient: 'me', keyType: 0, wrappedKey: new Uint8Array(), seq, time: 1, inbox: { size: 1, name: 'a' } },
      envelope: new Uint8Array([1]),
      received: Number(seq),
      name: 'a',
      mimeType: 'text/plain',
      plaintextSize: 1
    })
    // ten files at once, on ten streams of a hostile sender
    const accepted = await Promise.all(Array.from({ length: 10 }, async (_, i) => inbox.put(received(`file-${i}`, BigInt(i + 1)))))
    assert.equal(accepted.filter(Boolean).length, 3, 'three taken, the rest refused')
    assert.equal(inbox.list().length, 3)
    // a newer grant of a held file, and an older one arriving with it
    const held = inbox.list()[0].grant.fileId
    await Promise.all([inbox.put(received(held, 50n)), inbox.put(received(held, 40n))])
    assert.equal(inbox.of(held)[0].grant.seq, 50n)
  })

  it('a replica reserved (its save not waited for) and released at once leaves no entry to count against the quota after a restart', async () => {
    const book = new ReplicaBook(ds, quarantine, { quota: 1e12, maxConcurrent: 10, maxReplicas: 10 })
    const entry: HeldReplica = { fileId: FILE_ID, size: 100, from: 'peer', encrypted: false, policy: { min: 1, max: 3 }, accepted: 1, state: 'fetching' }
    let outlived = 0
    for (let i = 0; i < 1_000; i++) {
      assert.equal(book.reserve(entry), 'reserved')
      await book.release(FILE_ID)
      if (await ds.has(new Key(`/replicas/${FILE_ID}`))) outlived++
    }
    assert.equal(outlived, 0, `${outlived} of 1,000 releases were overtaken by the reservation's save`)
  })

  it('a catalog cursor evicted (past the bound) as it is saved leaves no entry behind', async () => {
    // a bound of one peer: saving B's cursor evicts A's, whose own save may still be under way
    const cursors = new CursorStore(ds, quarantine, 1)
    const at = (pulledAt: number): CatalogCursor => ({ epoch: 'e', next: 1n, pulledAt })
    let outlived = 0
    for (let i = 0; i < 1_000; i++) {
      // b's older save, a's, then b's newer one: saving b evicts a (pulled longest ago)
      void cursors.put('peer-b', at(3 * i))
      void cursors.put('peer-a', at(3 * i + 1))
      await cursors.put('peer-b', at(3 * i + 2))
      if (await ds.has(new Key('/peershare/catalog-cursors/peer-a'))) outlived++
      assert.ok(await ds.has(new Key('/peershare/catalog-cursors/peer-b')), 'the cursor kept is saved')
    }
    assert.equal(outlived, 0, `${outlived} of 1,000 evictions were overtaken by a save asked for before them`)
    assert.equal(cursors.size, 1)
  })

})

describe('libp2p peer records of a node', () => {
  it('keep a peer\'s addresses through a merge whose signal was aborted (a dial given up, a stop under way)', async () => {
    const dir = await tempDir()
    const node = await startTestNode(join(dir.path, 'node'))
    try {
      const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
      const addr = multiaddr('/ip4/127.0.0.1/tcp/4001')
      await node.libp2p.peerStore.merge(other, { multiaddrs: [addr] })
      // aborted once the write has begun (while it reads the record), as a dial given up
      // while libp2p records its outcome; the moment varies, so a few times over
      for (let i = 0; i < 20; i++) {
        const giveUp = new AbortController()
        const merged = node.libp2p.peerStore.merge(other, { metadata: { seen: new Uint8Array([i]) } }, { signal: giveUp.signal })
        setImmediate(() => { giveUp.abort() })
        await merged.catch(() => {})
        const peer = await node.libp2p.peerStore.get(other)
        assert.deepEqual(peer.addresses.map(a => a.multiaddr.toString()), [addr.toString()], `after merge ${i}`)
      }
    } finally {
      await node.stop()
      await dir.cleanup()
    }
  })
})
