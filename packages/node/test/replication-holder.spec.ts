/**
 * The holder side of replication with real nodes on 127.0.0.1: the replicate protocol's
 * answers, the quota reserved atomically and never exceeded on disk, contacts-only and
 * encrypted replicas, and a holder serving and providing after its asker stopped.
 */
import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { type Message, TopicValidatorResult } from '@libp2p/gossipsub'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { type StorageOfferPayload, parseFileId } from '@peershare/protocol'
import type { FileRecord, NodeInit, PeershareNode } from '../src/index.js'
import { signStorageOffer } from '../src/replication/holder/index.js'
import { dialAddress, randomFile, sha256File, type TestDir, until } from './fixtures.js'
import { KiB, ReplicationNodes, eventually, held, requestFor } from './replication-nodes.js'

/** Peers the node's DHTs name as providers of a file id */
async function providersSeen (node: PeershareNode, fileId: string): Promise<string[]> {
  const found: string[] = []
  for (const { dht, routingTableSize } of node.dhts) {
    const signal = AbortSignal.timeout(routingTableSize() === 0 ? 1_000 : 15_000)
    try {
      for await (const event of dht.findProviders(parseFileId(fileId), { signal })) {
        if (event.name === 'PROVIDER') for (const p of event.providers) found.push(p.id.toString())
      }
    } catch (err: any) {
      if (!signal.aborted) throw err
    }
  }
  return found
}

/** Bytes on disk of the node's replica blobs, as `du` counts them (apparent sizes) */
function replicaBytesOnDisk (node: PeershareNode): number {
  const paths = node.holder.list().map(r => node.store.blobPath(r.fileId))
  if (paths.length === 0) return 0
  const out = execFileSync('du', ['-cb', ...paths]).toString()
  return Number(out.trim().split('\n').at(-1)?.split('\t')[0])
}

describe('replication: the holder side (real nodes)', function () {
  this.timeout(240_000)
  let nodes: ReplicationNodes
  let dir: TestDir
  let sharer: PeershareNode
  const node = async (name: string, replication: NodeInit['replication'] = {}, init: NodeInit = {}): Promise<PeershareNode> => nodes.node(name, replication, init)
  const share = async (name: string, size: number): Promise<FileRecord> => nodes.share(name, size)

  before(async () => {
    nodes = await ReplicationNodes.start()
    dir = nodes.dir
    sharer = nodes.sharer
  })

  after(async () => {
    await nodes?.stop()
  })

  it('a node with no quota refuses: forbidden', async () => {
    const none = await node('none')
    const file = await share('none.bin', 3 * KiB)
    assert.equal(await sharer.replicaRequests.ask(none.peerId, requestFor(file)), 'forbidden')
    assert.deepEqual(none.holder.list(), [])
    assert.deepEqual(none.holder.usage(), { usedBytes: 0, quotaBytes: 0 })
  })

  describe('quota', () => {
    let holder: PeershareNode
    const QUOTA = 100 * KiB

    before(async () => {
      holder = await node('quota', { quota: QUOTA, acceptsFrom: 'anyone' })
    })

    it('a request larger than the free room is refused before any byte is fetched', async () => {
      const big = await share('big.bin', QUOTA + 1)
      const before = sharer.exchange.stats().wire
      assert.equal(await sharer.replicaRequests.ask(holder.peerId, requestFor(big)), 'quota-exceeded')
      assert.deepEqual(sharer.exchange.stats().wire, before, 'the sharer served nothing')
      assert.equal(sharer.exchange.stats().sessions, 0)
      assert.equal(await holder.store.getRecord(big.fileId), undefined)
      assert.equal(holder.transfers.get(big.fileId), undefined)
      assert.equal(holder.holder.usage().usedBytes, 0)
    })

    it('10 concurrent requests against room for one: exactly one accept; on disk the replicas stay within the quota', async () => {
      const files: FileRecord[] = []
      for (let i = 0; i < 10; i++) files.push(await share(`room-${i}.bin`, 60 * KiB))
      const answers = await Promise.all(files.map(async f => sharer.replicaRequests.ask(holder.peerId, requestFor(f))))
      assert.equal(answers.filter(a => a === 'accept').length, 1, answers.join(' '))
      assert.equal(answers.filter(a => a === 'quota-exceeded').length, 9, answers.join(' '))
      const accepted = files[answers.indexOf('accept')]
      assert.equal(holder.holder.usage().usedBytes, accepted.size)
      await until(held(holder, accepted.fileId), 60_000)
      const record = await holder.store.getRecord(accepted.fileId)
      assert.equal(record?.replica?.from, sharer.peerId.toString())
      assert.equal(await sha256File(holder.store.blobPath(accepted.fileId)), accepted.sha256)
      const onDisk = replicaBytesOnDisk(holder)
      assert.equal(onDisk, accepted.size)
      assert.ok(onDisk <= QUOTA)
      // refused files left nothing behind
      for (const f of files.filter(f => f !== accepted)) assert.equal(await holder.store.getRecord(f.fileId), undefined)
      // asking again for the same file: accepted without a second reservation
      assert.equal(await sharer.replicaRequests.ask(holder.peerId, { ...requestFor(accepted), policy: { min: 3, max: 4 } }), 'accept')
      assert.deepEqual(holder.holder.usage(), { usedBytes: accepted.size, quotaBytes: QUOTA })
      await until(() => holder.holder.list()[0]?.policy.max === 4)
    })

    it('a restart keeps the usage; drop frees it and deletes the blob', async () => {
      const before = holder.holder.usage()
      const list = holder.holder.list()
      await holder.stop()
      nodes.forget(holder)
      holder = await node('quota', { quota: QUOTA, acceptsFrom: 'anyone' })
      assert.deepEqual(holder.holder.usage(), before)
      assert.deepEqual(holder.holder.list(), list)
      const [replica] = list
      await holder.holder.drop(replica.fileId)
      assert.equal(holder.holder.usage().usedBytes, 0)
      assert.equal(await holder.store.getRecord(replica.fileId), undefined)
      assert.equal(replicaBytesOnDisk(holder), 0)
    })

    it('a request that understates the size fails at the manifest: no chunk fetched, nothing kept, the room freed', async () => {
      const file = await share('understated.bin', 2 * QUOTA)
      const before = sharer.exchange.stats().wire.contentBytes
      const errors: string[] = []
      const unsubscribe = holder.transfers.onProgress(p => { if (p.fileId === file.fileId && p.error != null) errors.push(p.error.code) })
      assert.equal(await sharer.replicaRequests.ask(holder.peerId, { ...requestFor(file), size: 10 * KiB }), 'accept')
      await until(() => holder.holder.list().length === 0 && holder.transfers.get(file.fileId) == null, 30_000)
      unsubscribe()
      assert.ok(errors.includes('ERR_SIZE_MISMATCH'), errors.join(' '))
      // the download given up on is gone too, its saved state with it: nothing to resume after a restart
      const saved = (holder.transfers as unknown as { components: { transfers: { all: () => Promise<Array<{ record: { fileId: string } }>> } } }).components.transfers
      assert.equal((await saved.all()).some(t => t.record.fileId === file.fileId), false)
      assert.equal(sharer.exchange.stats().wire.contentBytes, before, 'the sharer served no chunk')
      assert.equal(holder.holder.usage().usedBytes, 0)
      assert.equal(await holder.store.getRecord(file.fileId), undefined)
      assert.equal(replicaBytesOnDisk(holder), 0)
    })

    it('a restart during a fetch keeps the reservation and resumes the fetch to a verified replica', async () => {
      // a sharer sending 256 KiB/s: the 1 MiB fetch is still running when the holder stops
      const slow = await node('slow-sharer', {}, { chunkSize: 64 * KiB, limits: { upload: 256 * KiB } })
      let resuming = await node('resuming', { quota: 4 * 1024 * KiB, acceptsFrom: 'anyone' })
      await slow.connect(multiaddr(dialAddress(resuming)))
      const file = await slow.share(await randomFile(dir.path, 'slow.bin', 1024 * KiB))
      assert.equal(await slow.replicaRequests.ask(resuming.peerId, requestFor(file)), 'accept')
      await until(() => (resuming.transfers.get(file.fileId)?.progress().bytesDone ?? 0) > 0, 30_000)
      assert.equal(resuming.holder.list()[0].state, 'fetching')
      await resuming.stop()
      nodes.forget(resuming)
      resuming = await node('resuming', { quota: 4 * 1024 * KiB, acceptsFrom: 'anyone' })
      assert.equal(resuming.holder.usage().usedBytes, file.size, 'reserved across the restart')
      await until(held(resuming, file.fileId), 60_000)
      assert.equal(await sha256File(resuming.store.blobPath(file.fileId)), file.sha256)
      assert.equal((await resuming.store.getRecord(file.fileId))?.replica?.from, slow.peerId.toString())
      assert.equal(replicaBytesOnDisk(resuming), file.size)
    })

    it('an answer from a peer that does not run the protocol counts as busy and as a failure observed', async () => {
      const file = await share('nobody.bin', 1 * KiB)
      const stranger = holder.peerId
      await holder.stop()
      nodes.forget(holder)
      const before = sharer.membership.observed(stranger.toString()).successRatio
      assert.equal(await sharer.replicaRequests.ask(stranger, requestFor(file)), 'busy')
      assert.ok(sharer.membership.observed(stranger.toString()).successRatio < before)
    })
  })

  it('a contacts-only node refuses a non-contact (no record, no provider record) and accepts a contact', async () => {
    const guarded = await node('guarded', { quota: 1024 * KiB, acceptsFrom: 'contacts' })
    const third = await node('third')
    await third.connect(multiaddr(dialAddress(guarded)))
    await until(() => [sharer, guarded, third].every(n => n.dhts[0].routingTableSize() >= 2), 30_000)
    const file = await share('contacts.bin', 20 * KiB)
    assert.equal(await sharer.replicaRequests.ask(guarded.peerId, requestFor(file)), 'forbidden')
    assert.equal(await guarded.store.getRecord(file.fileId), undefined)
    assert.deepEqual(guarded.holder.list(), [])
    await eventually(async () => (await providersSeen(third, file.fileId)).includes(sharer.peerId.toString()))
    assert.ok(!(await providersSeen(third, file.fileId)).includes(guarded.peerId.toString()), 'no provider record of the refusing node')
    // the same request from a contact
    await guarded.contacts.add(sharer.peerId, { name: 'sharer' })
    assert.equal(await sharer.replicaRequests.ask(guarded.peerId, requestFor(file)), 'accept')
    await until(held(guarded, file.fileId), 60_000)
    await eventually(async () => (await providersSeen(third, file.fileId)).includes(guarded.peerId.toString()))
  })

  it('an encrypted file is held without its key; the sharer stops; the recipient finds the holder, fetches and decrypts byte for byte', async () => {
    const encSharer = await node('enc-sharer')
    const holder = await node('enc-holder', { quota: 1024 * KiB, acceptsFrom: 'anyone' })
    const recipient = await node('recipient')
    await encSharer.connect(multiaddr(dialAddress(holder)))
    await recipient.connect(multiaddr(dialAddress(holder)))
    const src = await randomFile(dir.path, 'secret.bin', 200 * KiB)
    const shared = await encSharer.share(src, { to: [recipient.peerId.toString()] })
    await recipient.libp2p.dial(encSharer.addresses[0])
    await eventually(async () => recipient.fileKeys.has(shared.fileId), 30_000)
    assert.equal(await encSharer.replicaRequests.ask(holder.peerId, requestFor(shared, true)), 'accept')
    await until(held(holder, shared.fileId), 60_000)
    assert.equal(await holder.fileKeys.has(shared.fileId), false, 'the holder has no key')
    const record = await holder.store.getRecord(shared.fileId)
    assert.equal(record?.ciphertext, true)
    assert.equal(record?.encrypted, undefined)
    assert.equal(holder.holder.list()[0].encrypted, true)
    await encSharer.stop()
    nodes.forget(encSharer)
    // found through the DHT: the holder provides it
    await eventually(async () => (await providersSeen(recipient, shared.fileId)).includes(holder.peerId.toString()))
    const output = join(dir.path, 'secret-from-holder.bin')
    const transfer = await recipient.download(shared.fileId, { output })
    await transfer.done()
    assert.equal(await sha256File(output), await sha256File(src))
    assert.ok(transfer.progress().sourceStats.some(s => s.peerId === holder.peerId.toString() && s.bytes > 0), 'the holder served it')
  })

  it('a node that takes no encrypted files refuses one: forbidden', async () => {
    const plainOnly = await node('plain-only', { quota: 1024 * KiB, acceptsFrom: 'anyone', acceptsEncrypted: false })
    const file = await share('pretend.bin', 2 * KiB)
    assert.equal(await sharer.replicaRequests.ask(plainOnly.peerId, requestFor(file, true)), 'forbidden')
    assert.deepEqual(plainOnly.holder.list(), [])
  })

  it('only the peer a replica is held for (or its owner) changes its policy; another asker is answered accept and changes nothing', async () => {
    const keeper = await node('policy-holder', { quota: 1024 * KiB, acceptsFrom: 'anyone' })
    const file = await share('policy.bin', 4 * KiB)
    assert.equal(await sharer.replicaRequests.ask(keeper.peerId, requestFor(file)), 'accept')
    await until(held(keeper, file.fileId), 30_000)
    const other = await node('policy-other')
    await other.connect(multiaddr(dialAddress(keeper)))
    assert.equal(await other.replicaRequests.ask(keeper.peerId, { ...requestFor(file), policy: { min: 64, max: 64 } }), 'accept')
    assert.deepEqual(keeper.holder.list()[0].policy, { min: 2, max: 3 })
    assert.equal(await sharer.replicaRequests.ask(keeper.peerId, { ...requestFor(file), policy: { min: 1, max: 1 } }), 'accept')
    assert.deepEqual(keeper.holder.list()[0].policy, { min: 1, max: 1 })
  })

  it('past maxReplicas replicas, however small, a request is answered quota-exceeded', async () => {
    const counted = await node('counted', { quota: 1024 * KiB, acceptsFrom: 'anyone', maxReplicas: 2 })
    const files = [await share('tiny-1.bin', 1), await share('tiny-2.bin', 2), await share('tiny-3.bin', 3)]
    const answers: string[] = []
    for (const f of files) answers.push(await sharer.replicaRequests.ask(counted.peerId, requestFor(f)))
    assert.deepEqual(answers, ['accept', 'accept', 'quota-exceeded'])
    assert.equal(counted.holder.list().length, 2)
  })

  it('a replica is fetched from its asker only: a file the asker does not have is not fetched from its providers', async () => {
    const third = await node('third-party', { quota: 1024 * KiB, acceptsFrom: 'anyone' })
    const mallory = await node('mallory')
    await mallory.connect(multiaddr(dialAddress(third)))
    const file = await share('not-mallorys.bin', 5 * KiB)
    // the sharer is a provider the third node can find, and is connected to
    await sharer.index.provide(file)
    const before = sharer.exchange.stats().wire.contentBytes
    assert.equal(await mallory.replicaRequests.ask(third.peerId, requestFor(file)), 'accept')
    // mallory answers not-found, and nobody else is asked: the fetch waits for its asker
    await until(() => third.transfers.get(file.fileId)?.progress().stallReason === 'no-providers', 30_000)
    assert.equal(sharer.exchange.stats().wire.contentBytes, before, 'the sharer served nothing')
    assert.equal(await third.store.getRecord(file.fileId), undefined)
    // dropped: the fetch is cancelled and leaves the transfer list
    await third.holder.drop(file.fileId)
    await until(() => third.transfers.get(file.fileId) == null)
    assert.deepEqual(third.holder.usage(), { usedBytes: 0, quotaBytes: 1024 * KiB })
  })

  it('a peer asking more than requestsPerPeer times in the window is answered busy, nothing more reserved; another peer is still answered', async () => {
    const limited = await node('rate-limited', { quota: 1024 * KiB, acceptsFrom: 'anyone', requestsPerPeer: 3, requestsWindow: 600_000 })
    const file = await share('rate.bin', 2 * KiB)
    // the same file asked again is accepted without a second reservation: only the rate refuses the fourth
    const answers: string[] = []
    for (let i = 0; i < 4; i++) answers.push(await sharer.replicaRequests.ask(limited.peerId, requestFor(file)))
    assert.deepEqual(answers, ['accept', 'accept', 'accept', 'busy'])
    const other = await node('rate-other')
    await other.connect(multiaddr(dialAddress(limited)))
    const otherFile = await other.share(await randomFile(dir.path, 'rate-other.bin', 3 * KiB))
    assert.equal(await other.replicaRequests.ask(limited.peerId, requestFor(otherFile)), 'accept')
    assert.deepEqual(limited.holder.list().map(r => r.fileId).sort(), [file.fileId, otherFile.fileId].sort())
    assert.equal(limited.holder.usage().usedBytes, file.size + otherFile.size)
  })

  it('a node that takes no encrypted files drops one a request said was plain, once its manifest says otherwise', async () => {
    const plainOnly = await node('plain-only-lied-to', { quota: 1024 * KiB, acceptsFrom: 'anyone', acceptsEncrypted: false })
    const sealed = await sharer.share(await randomFile(dir.path, 'sealed-lie.bin', 4 * KiB), { to: [plainOnly.peerId.toString()] })
    assert.equal(await sharer.replicaRequests.ask(plainOnly.peerId, requestFor(sealed, false)), 'accept')
    await until(() => plainOnly.holder.list().length === 0 && plainOnly.transfers.get(sealed.fileId) == null, 30_000)
    assert.equal(await plainOnly.store.getRecord(sealed.fileId), undefined)
    assert.equal(plainOnly.holder.usage().usedBytes, 0)
    assert.equal(replicaBytesOnDisk(plainOnly), 0)
  })

  describe('storage offers', () => {
    it('a node with a quota publishes a signed offer the others see within seconds; a node with quota 0 publishes none', async () => {
      const silent = await node('silent')
      const offering = await node('offering', { quota: 5 * 1024 * KiB, acceptsFrom: 'anyone' })
      await offering.connect(multiaddr(dialAddress(silent)))
      const offerOf = (n: PeershareNode) => n.membership.offers().find(o => o.peerId === offering.peerId.toString())
      await until(() => offerOf(sharer) != null && offerOf(silent) != null, 30_000)
      assert.deepEqual({ ...offerOf(silent), seq: undefined, receivedAt: undefined }, {
        peerId: offering.peerId.toString(), seq: undefined, quotaBytes: 5 * 1024 * KiB, freeBytes: 5 * 1024 * KiB, acceptsFrom: 'anyone', acceptsEncrypted: true, maxConcurrent: 2, receivedAt: undefined
      })
      // the silent node (quota 0) heard the offer on the topic it joined, but nobody heard one of its own
      for (const n of [sharer, offering]) assert.ok(!n.membership.offers().some(o => o.peerId === silent.peerId.toString()))
      assert.ok(!offering.membership.offers().some(o => o.peerId === offering.peerId.toString()), 'its own offer is not listed')
    })

    it('the validator rejects forged, oversized and malformed offers and ignores replayed and older ones', async () => {
      const key = await generateKeyPair('Ed25519')
      const peerId = peerIdFromPrivateKey(key).toString()
      const other = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
      const payload = (seq: bigint, claimed = peerId): StorageOfferPayload => ({ peerId: claimed, seq, quota: 1000, free: 1000, acceptsFrom: 'anyone', acceptsEncrypted: false, maxConcurrent: 1, load: 0 })
      const validate = async (data: Uint8Array) => sharer.storageOffers.validate(sharer.peerId, { data } as unknown as Message)
      const first = await signStorageOffer(payload(10n), key)
      assert.equal(await validate(first), TopicValidatorResult.Accept)
      assert.equal(sharer.membership.offers().find(o => o.peerId === peerId)?.quotaBytes, 1000)
      // replayed, and an older seq
      assert.equal(await validate(first), TopicValidatorResult.Ignore)
      assert.equal(await validate(await signStorageOffer(payload(9n), key)), TopicValidatorResult.Ignore)
      // forged: signed by one key, claiming another peer (signStorageOffer refuses, so the bytes are built by hand)
      const forged = Buffer.from(first)
      const at = forged.indexOf(Buffer.from(peerIdFromPrivateKey(key).toMultihash().bytes))
      assert.ok(at > 0)
      Buffer.from(peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toMultihash().bytes).copy(forged, at)
      assert.equal(await validate(forged), TopicValidatorResult.Reject, 'a changed payload breaks the signature')
      await assert.rejects(signStorageOffer(payload(11n, other), key))
      assert.equal(await validate(new Uint8Array(4096)), TopicValidatorResult.Reject)
      assert.equal(await validate(Uint8Array.from([1, 2, 3])), TopicValidatorResult.Reject)
      // a newer one replaces it
      assert.equal(await validate(await signStorageOffer({ ...payload(12n), free: 10 }, key)), TopicValidatorResult.Accept)
      assert.equal(sharer.membership.offers().find(o => o.peerId === peerId)?.freeBytes, 10)
    })
  })
})
