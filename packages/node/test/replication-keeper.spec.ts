/**
 * The keeper side on real nodes (loopback TCP): policies on records, and the live count
 * (DHT providers + the exchange's Want/Offer probe) seeing a peer that really serves
 * the file. Recruitment through the holder side is replication-swarm.spec.ts.
 */
import assert from 'node:assert/strict'
import { join } from 'node:path'
import type { PeershareNode } from '../src/index.js'
import { probeServes } from '../src/replication/keeper/live-count.js'
import { dialAddress, randomFile, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

describe('replication keeper on real nodes', function () {
  this.timeout(120_000)
  let dir: TestDir
  let sharer: PeershareNode
  let holder: PeershareNode
  let stranger: PeershareNode

  before(async () => {
    dir = await tempDir()
    sharer = await startTestNode(join(dir.path, 'sharer'), { lookupTimeout: 10_000 })
    const bootstrap = { bootstrap: [dialAddress(sharer)], lookupTimeout: 10_000 }
    holder = await startTestNode(join(dir.path, 'holder'), bootstrap)
    stranger = await startTestNode(join(dir.path, 'stranger'), bootstrap)
    const lan = (n: PeershareNode): number => n.dhts.find(d => d.name === 'lan')?.routingTableSize() ?? 0
    await until(() => [sharer, holder, stranger].every(n => lan(n) >= 1), 30_000)
  })
  after(async () => {
    await Promise.allSettled([sharer, holder, stranger].map(async n => n?.stop()))
    await dir?.cleanup()
  })

  it('share with a policy stores it; with nobody offering room the file is under-replicated and says why', async () => {
    const src = await randomFile(dir.path, 'kept.bin', 300_000)
    const record = await sharer.share(src, { replicas: { min: 2, max: 3 } })
    assert.deepEqual(record.replication, { min: 2, max: 3 })
    const status = await sharer.replication(record.fileId)
    assert.equal(status?.state, 'under-replicated')
    assert.equal(status?.why, 'no-candidates')
    assert.deepEqual(status?.live, [])
    assert.equal(status?.role, 'owner')
  })

  it('counts a peer that provides the file and passes the probe; a peer without it fails the probe', async () => {
    const src = await randomFile(dir.path, 'counted.bin', 600_000)
    const record = await sharer.share(src)
    await sharer.index.provide(record)
    const held = await holder.hold(record.fileId, { from: sharer.addresses[0] })
    await holder.index.provide(held)
    assert.equal(await probeServes({ libp2p: sharer.libp2p, limits: sharer.config.exchange, dialTimeout: 5_000 }, holder.peerId, record.fileId, AbortSignal.timeout(10_000)), true)
    await assert.rejects(probeServes({ libp2p: sharer.libp2p, limits: sharer.config.exchange, dialTimeout: 5_000 }, stranger.peerId, record.fileId, AbortSignal.timeout(10_000)))
    const { status } = await sharer.replicate(record.fileId.slice(0, 20), { min: 1, max: 2 })
    assert.deepEqual(status?.live, [holder.peerId.toString()])
    assert.equal(status?.state, 'ok')
  })

  it('replicate refuses a bad policy, an unknown file and a replica; min 0 makes a file local only', async () => {
    const src = await randomFile(dir.path, 'local.bin', 10_000)
    const record = await sharer.share(src, { replicas: { min: 1, max: 1 } })
    await assert.rejects(sharer.replicate(record.fileId, { min: 3, max: 2 }), { name: 'BadRequestError' })
    await assert.rejects(sharer.replicate('bafkreiaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), (err: Error) => err.name === 'FileNotFoundError' || err.name === 'InvalidFileIdError')
    const stored = await sharer.store.getRecord(record.fileId)
    assert.ok(stored != null)
    await sharer.store.put({ ...stored, fileId: stored.fileId, replica: { from: holder.peerId.toString(), accepted: 1 } }, (await sharer.store.get(record.fileId))?.manifestBytes ?? new Uint8Array())
    await assert.rejects(sharer.replicate(record.fileId, { min: 2, max: 3 }), { name: 'BadRequestError' })
    const { replica: _replica, ...own } = stored
    await sharer.store.put(own, (await sharer.store.get(record.fileId))?.manifestBytes ?? new Uint8Array())
    const local = await sharer.replicate(record.fileId, { min: 0, max: 0 })
    assert.equal(local.record.replication, undefined)
    assert.equal(await sharer.replication(record.fileId), undefined)
  })

  it('refuses replicas for plaintext files not public (holders serve to anyone), before sharing; an encrypted file takes them', async () => {
    const hidden = await randomFile(dir.path, 'hidden.bin', 10_000)
    for (const visibility of ['contacts', 'private'] as const) {
      await assert.rejects(sharer.share(hidden, { visibility, replicas: { min: 1, max: 2 } }), (err: Error) => err.name === 'BadRequestError' && /only public or encrypted files are replicated/.test(err.message))
    }
    assert.equal((await sharer.store.list()).some(r => r.metadata.name === 'hidden.bin'), false, 'nothing was shared')
    const contacts = await sharer.share(hidden, { visibility: 'contacts' })
    await assert.rejects(sharer.replicate(contacts.fileId, { min: 1, max: 2 }), { name: 'BadRequestError' })
    assert.equal((await sharer.store.getRecord(contacts.fileId))?.replication, undefined)
    // an encrypted file may have replicas: holders serve its ciphertext only
    const encrypted = await sharer.share(await randomFile(dir.path, 'sealed.bin', 10_000), { to: [holder.peerId.toString()], replicas: { min: 1, max: 2 } })
    assert.deepEqual(encrypted.replication, { min: 1, max: 2 })
    // an encrypted file's visibility may change: its holders still serve ciphertext only
    assert.equal((await sharer.setVisibility(encrypted.fileId, 'contacts')).visibility, 'contacts')
  })

  it('refuses to make a replicated plaintext file contacts-only or private (its holders would go on serving it to anyone); local only first, then it may', async () => {
    const shared = await sharer.share(await randomFile(dir.path, 'kept-public.bin', 10_000), { replicas: { min: 1, max: 2 } })
    for (const visibility of ['contacts', 'private'] as const) {
      await assert.rejects(sharer.setVisibility(shared.fileId, visibility), (err: Error) => err.name === 'BadRequestError' && err.message.includes(`peershare replicate ${shared.fileId} 0`) && err.message.includes('stay public until they drop them'), visibility)
      assert.equal((await sharer.store.getRecord(shared.fileId))?.visibility, undefined, 'still public')
    }
    assert.equal((await sharer.setVisibility(shared.fileId, 'public')).visibility, 'public')
    await sharer.replicate(shared.fileId, { min: 0, max: 0 })
    assert.equal((await sharer.setVisibility(shared.fileId, 'contacts')).visibility, 'contacts')
  })
})

describe('replication keeper: what it keeps of peers offering storage', function () {
  this.timeout(120_000)
  let dir: TestDir
  const nodes: PeershareNode[] = []

  before(async () => { dir = await tempDir() })
  after(async () => {
    await Promise.allSettled(nodes.map(async n => n.stop()))
    await dir?.cleanup()
  })

  it('forgets the subnet group of a peer whose storage offer expired (Known gaps: it grew with every peer ever offering)', async () => {
    const sharer = await startTestNode(join(dir.path, 'sharer'), { replication: { offerTtl: 3_000 } })
    nodes.push(sharer)
    const offering = { bootstrap: [dialAddress(sharer)], replication: { quota: '16MiB', offerInterval: 1_000 } }
    for (const name of ['b', 'c']) nodes.push(await startTestNode(join(dir.path, name), offering))
    const c = nodes[2]
    const record = await sharer.share(await randomFile(dir.path, 'kept.bin', 100_000), { replicas: { min: 1, max: 1 } })
    const checked = async (groups: number): Promise<boolean> => {
      await sharer.keeper.replicator.check(record.fileId)
      return sharer.keeper.groupsKnown === groups
    }
    await until(async () => checked(2), 60_000)
    await c.stop()
    // b keeps offering (every second), c's last offer expires after offerTtl
    await until(async () => checked(1), 60_000)
  })
})
