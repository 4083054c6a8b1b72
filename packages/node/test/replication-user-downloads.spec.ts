/**
 * A user's own download of a file the node is fetching or holds as a replica, or a
 * replica request for a file the user is downloading: the file is the user's, the
 * holder's room is freed (real nodes on 127.0.0.1).
 */
import assert from 'node:assert/strict'
import { open } from 'node:fs/promises'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { NodeInit, PeershareNode } from '../src/index.js'
import { dialAddress, randomFile, sha256File, type TestDir, until } from './fixtures.js'
import { KiB, ReplicationNodes, eventually, held, requestFor } from './replication-nodes.js'

describe('replication: a user\'s download meets a replica (real nodes)', function () {
  this.timeout(240_000)
  let nodes: ReplicationNodes
  let dir: TestDir
  const node = async (name: string, replication: NodeInit['replication'] = {}, init: NodeInit = {}): Promise<PeershareNode> => nodes.node(name, replication, init)

  before(async () => {
    nodes = await ReplicationNodes.start()
    dir = nodes.dir
  })

  after(async () => {
    await nodes?.stop()
  })

  it('a request for a file the user is downloading does not join that download: the room is freed, the file stays the user\'s', async () => {
    const slow = await node('slow-for-user', {}, { chunkSize: 64 * KiB, limits: { upload: 256 * KiB } })
    const user = await node('downloading-user', { quota: 4 * 1024 * KiB, acceptsFrom: 'anyone' })
    await slow.connect(multiaddr(dialAddress(user)))
    const file = await slow.share(await randomFile(dir.path, 'users-own.bin', 1024 * KiB))
    const output = join(dir.path, 'users-own-copy.bin')
    const download = await user.download(file.fileId, { from: multiaddr(dialAddress(slow)), output })
    await until(() => download.progress().bytesDone > 0, 30_000)
    assert.equal(await slow.replicaRequests.ask(user.peerId, requestFor(file)), 'accept')
    await until(() => user.holder.list().length === 0, 30_000)
    assert.equal(user.holder.usage().usedBytes, 0)
    const record = await download.done()
    assert.equal(record.replica, undefined)
    assert.equal((await user.store.getRecord(file.fileId))?.replica, undefined)
    assert.equal(await sha256File(output), file.sha256)
  })

  it('a user\'s download of a file being fetched as a replica takes that fetch over: the room is freed, the file is the user\'s, the fetch\'s timeout does not cancel it', async () => {
    const slow = await node('slow-replica-asker', {}, { chunkSize: 64 * KiB, limits: { upload: 256 * KiB } })
    // the replica fetch gives up after 2 s: the download (4 s at the asker's rate) outlives it
    const user = await node('user-takes-over', { quota: 4 * 1024 * KiB, acceptsFrom: 'anyone', fetchTimeout: 2000 })
    await slow.connect(multiaddr(dialAddress(user)))
    const file = await slow.share(await randomFile(dir.path, 'taken-over.bin', 1024 * KiB))
    assert.equal(await slow.replicaRequests.ask(user.peerId, requestFor(file)), 'accept')
    await until(() => (user.transfers.get(file.fileId)?.progress().bytesDone ?? 0) > 0, 30_000)
    const fetch = user.transfers.get(file.fileId)
    assert.equal(fetch?.fixedSources, true, 'the replica fetch is under way')
    // the user asks for the file at a place of theirs: the fetch goes into the repo, the user gets a copy there
    const output = join(dir.path, 'taken-over-copy.bin')
    let placed: Promise<string> | undefined
    const download = await user.download(file.fileId, { output, copied: p => { placed = p } })
    assert.equal(download, fetch, 'the user\'s download is the fetch, taken over')
    assert.equal(download.fixedSources, false, 'the user\'s download may use every source')
    await until(() => user.holder.list().length === 0, 30_000)
    assert.equal(user.holder.usage().usedBytes, 0)
    const record = await download.done()
    assert.equal(record.replica, undefined)
    assert.equal((await user.store.getRecord(file.fileId))?.replica, undefined)
    assert.equal(await sha256File(user.store.contentPath(record)), file.sha256)
    assert.equal(await placed, output)
    assert.equal(await sha256File(output), file.sha256)
  })

  it('a user\'s download of a file held as a replica makes it the user\'s: no replica any more, its room freed, ls lists it (plain and encrypted)', async () => {
    const asker = await node('held-asker')
    const user = await node('held-then-got', { quota: 4 * 1024 * KiB, acceptsFrom: 'anyone' })
    await asker.connect(multiaddr(dialAddress(user)))
    const plain = await asker.share(await randomFile(dir.path, 'held-plain.bin', 100 * KiB))
    const sealedSrc = await randomFile(dir.path, 'held-sealed.bin', 100 * KiB)
    const sealed = await asker.share(sealedSrc, { to: [user.peerId.toString()] })
    // the key reaches the user (a grant): its own download of the file can decrypt it
    await eventually(async () => user.fileKeys.has(sealed.fileId), 30_000)
    for (const file of [plain, sealed]) {
      assert.equal(await asker.replicaRequests.ask(user.peerId, requestFor(file, file === sealed)), 'accept')
      await until(held(user, file.fileId), 60_000)
      assert.ok((await user.store.getRecord(file.fileId))?.replica != null, 'held as a replica')
      const output = join(dir.path, `${file.fileId}-users.bin`)
      const record = await user.get(file.fileId, { output })
      assert.equal(await sha256File(output), file === sealed ? await sha256File(sealedSrc) : file.sha256)
      assert.equal(record.replica, undefined, 'the record got is the user\'s')
      await until(() => !user.holder.holds(file.fileId), 30_000)
      assert.equal((await user.store.getRecord(file.fileId))?.replica, undefined, 'the stored record is no replica')
      assert.ok((await user.files()).some(f => f.record.fileId === file.fileId && f.record.replica == null), 'listed as the user\'s file')
    }
    assert.equal(user.holder.usage().usedBytes, 0)
  })

  it('a user\'s download of a held replica whose repo copy rotted: the repair fetches it, the user gets a copy, and the file is the user\'s', async () => {
    const asker = await node('rotted-asker')
    const user = await node('rotted-holder', { quota: 4 * 1024 * KiB, acceptsFrom: 'anyone' })
    await asker.connect(multiaddr(dialAddress(user)))
    const file = await asker.share(await randomFile(dir.path, 'rotted-replica.bin', 300 * KiB))
    assert.equal(await asker.replicaRequests.ask(user.peerId, requestFor(file)), 'accept')
    await until(held(user, file.fileId), 60_000)
    // one byte of the held copy flipped: the same size, so only the hashes can tell
    const blob = await open(user.store.blobPath(file.fileId), 'r+')
    const byte = Buffer.alloc(1)
    await blob.read(byte, 0, 1, 1000)
    await blob.write(Buffer.from([byte[0] ^ 0xff]), 0, 1, 1000)
    await blob.close()
    const output = join(dir.path, 'rotted-replica-users.bin')
    await user.get(file.fileId, { output, from: multiaddr(dialAddress(asker)) })
    assert.equal(await sha256File(output), file.sha256)
    await until(() => !user.holder.holds(file.fileId), 30_000)
    await eventually(async () => (await user.store.getRecord(file.fileId))?.replica == null)
    assert.equal(await sha256File(user.store.blobPath(file.fileId)), file.sha256)
    assert.equal(user.holder.usage().usedBytes, 0)
  })
})
