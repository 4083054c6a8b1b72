import assert from 'node:assert/strict'
import { lstat, mkdir, readFile, stat, symlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import type { PeershareNode } from '../src/index.js'
import { dialAddress, flipByte, randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

/**
 * A get of a file the node keeps itself (its own share, a finished download) copies it
 * from the store, every chunk verified, and asks nobody: with no other provider it used
 * to stall for good (LIMITS, known gap 22). The node here has no peers at all.
 */
describe('a get of a file the node keeps', function () {
  this.timeout(60_000)
  let dir: TestDir
  let node: PeershareNode

  before(async () => {
    dir = await tempDir()
    node = await startTestNode(join(dir.path, 'node'))
  })
  after(async () => {
    await node?.stop()
    await dir?.cleanup()
  })

  it('copies a file shared in place to the output, and the share stays as it was', async () => {
    const src = await randomFile(dir.path, 'own.bin', 2_500_000)
    const shared = await node.share(src)
    const output = join(dir.path, 'copy.bin')
    const record = await node.get(shared.fileId, { output })
    assert.equal(await sha256File(output), shared.sha256)
    assert.notEqual((await stat(output)).ino, (await stat(src)).ino, 'a copy of its own, not another name of the shared file')
    assert.deepEqual(record.location, shared.location)
    assert.deepEqual((await node.store.getRecord(shared.fileId))?.location, { ...shared.location })
    assert.deepEqual(node.transfers.list(), [], 'nothing left listed as a download')
  })

  it('without an output, copies under the file\'s name into the working directory; by SHA-256 too', async () => {
    const src = await randomFile(dir.path, 'named.bin', 300_000)
    const shared = await node.share(src, { copy: true })
    const cwd = join(dir.path, 'here')
    await mkdir(cwd)
    await node.get(shared.fileId, { cwd })
    assert.equal(await sha256File(join(cwd, 'named.bin')), shared.sha256)
    const bySha = join(dir.path, 'by-sha.bin')
    await node.get(`sha256:${shared.sha256}`, { output: bySha })
    assert.equal(await sha256File(bySha), shared.sha256)
  })

  it('refuses an existing output without --force, replaces it with --force; --hold is done at once; the output being the file itself is checked, not copied', async () => {
    const src = await randomFile(dir.path, 'forced.bin', 200_000)
    const shared = await node.share(src)
    const output = join(dir.path, 'taken.bin')
    await writeFile(output, 'mine')
    await assert.rejects(node.get(shared.fileId, { output }), { name: 'OutputExistsError' })
    assert.equal(await readFile(output, 'utf8'), 'mine')
    await node.get(shared.fileId, { output, force: true })
    assert.equal(await sha256File(output), shared.sha256)
    const held = await node.hold(shared.fileId)
    assert.deepEqual(held.location, shared.location)
    // the shared file itself named as the output: it is there already, and stays the same file, still ok
    const before = await stat(src)
    await node.get(shared.fileId, { output: src, force: true })
    assert.equal((await stat(src)).ino, before.ino)
    assert.equal((await node.files()).find(f => f.record.fileId === shared.fileId)?.status, 'ok')
    // a symlink to it is not the file: --force replaces the link with a copy, the shared file stays
    const link = join(dir.path, 'link-to-forced.bin')
    await symlink(src, link)
    await node.get(shared.fileId, { output: link, force: true })
    assert.ok((await lstat(link)).isFile())
    assert.equal(await sha256File(link), shared.sha256)
    assert.equal((await stat(src)).ino, before.ino)
  })

  it('--hold of an encrypted file it shares is done at once: the ciphertext is what the repo keeps', async () => {
    const src = await randomFile(dir.path, 'sealed.bin', 200_000)
    const recipient = peerIdFromPrivateKey(await generateKeyPair('Ed25519')).toString()
    const shared = await node.share(src, { to: [recipient] })
    const held = await node.hold(shared.fileId)
    assert.equal(held.ciphertext, true)
    assert.equal(node.transfers.get(shared.fileId), undefined)
  })

  it('a repo copy that fails its hash is marked damaged and repaired from a peer; the get gets its copy from the repair, the share stays the repo\'s', async () => {
    const other = await startTestNode(join(dir.path, 'other'))
    try {
      const src = await randomFile(dir.path, 'rotted.bin', 1_500_000)
      const shared = await node.share(src, { copy: true, tags: ['kept'] })
      await other.share(src)
      await node.connect(multiaddr(dialAddress(other)))
      await flipByte(node.store.blobPath(shared.fileId), 1_200_000)
      const output = join(dir.path, 'rotted-copy.bin')
      await node.get(shared.fileId, { output })
      assert.equal(await sha256File(output), shared.sha256)
      // the repair put the blob back: the share is the repo's copy, with its tags, served again
      await until(async () => (await node.files()).find(f => f.record.fileId === shared.fileId)?.status === 'ok', 30_000, 'the file ok again')
      const record = await node.store.getRecord(shared.fileId)
      assert.deepEqual(record?.location, { kind: 'blob' })
      assert.deepEqual(record?.metadata.tags, ['kept'])
      assert.equal(await sha256File(node.store.blobPath(shared.fileId)), shared.sha256)
    } finally {
      await other.stop()
    }
  })

  it('a download to an output that ends after the node came to keep the file leaves the kept record and its repo copy as they are', async () => {
    // a slow source, so the download is paused (and the share made) well before its end
    const slow = await startTestNode(join(dir.path, 'slow-sharer'), { limits: { upload: 512 * 1024 } })
    try {
      const src = await randomFile(dir.path, 'raced.bin', 3_000_000)
      const offered = await slow.share(src)
      const output = join(dir.path, 'raced-copy.bin')
      const transfer = await node.download(offered.fileId, { output, from: multiaddr(dialAddress(slow)) })
      await until(() => transfer.progress().bytesReceived > 0, 30_000, 'the download under way')
      await node.transfers.pause(offered.fileId)
      const mine = join(dir.path, 'raced-mine.bin')
      await writeFile(mine, await readFile(src))
      const shared = await node.share(mine, { copy: true, tags: ['mine'] })
      await node.transfers.resume(offered.fileId)
      await transfer.done()
      assert.equal(await sha256File(output), offered.sha256)
      // the share --copy stays what the node keeps: its record with its tags, and its blob
      const record = await node.store.getRecord(offered.fileId)
      assert.deepEqual(record?.location, { kind: 'blob' })
      assert.deepEqual(record?.metadata.tags, ['mine'])
      assert.equal(await sha256File(node.store.blobPath(offered.fileId)), shared.sha256)
      assert.equal((await node.files()).find(f => f.record.fileId === offered.fileId)?.status, 'ok')
    } finally {
      await slow.stop()
    }
  })

  it('a record served from its place that replaces a repo copy takes the blob with it (FileStore.putFrom)', async () => {
    const src = await randomFile(dir.path, 'moved.bin', 200_000)
    const shared = await node.share(src, { copy: true })
    const stored = await node.store.get(shared.fileId)
    assert.ok(stored != null)
    const info = await stat(src)
    await node.store.putFrom(shared.fileId, stored.manifestBytes, async held => held == null ? undefined : { ...held, location: { kind: 'path', path: src, size: info.size, mtimeMs: info.mtimeMs } })
    assert.equal((await node.store.getRecord(shared.fileId))?.location.kind, 'path')
    await assert.rejects(stat(node.store.blobPath(shared.fileId)), { code: 'ENOENT' }, 'no blob left without its record')
    assert.equal((await node.files()).find(f => f.record.fileId === shared.fileId)?.status, 'ok')
  })

  it('a collection\'s file whose stored copy fails its hash is downloaded (the collection tried the store itself)', async () => {
    const other = await startTestNode(join(dir.path, 'collection-sharer'))
    try {
      const tree = join(dir.path, 'tree')
      await mkdir(tree)
      const inTree = await randomFile(tree, 'in-tree.bin', 700_000)
      const collection = await other.shareCollection([tree])
      await node.connect(multiaddr(dialAddress(other)))
      // the node keeps that file too, and its repo copy has rotted unnoticed
      const kept = await node.share(inTree, { copy: true })
      await flipByte(node.store.blobPath(kept.fileId), 100)
      const out = join(dir.path, 'tree-copy')
      await node.getCollection(collection.record.collectionId, { from: multiaddr(dialAddress(other)), output: out })
      assert.equal(await sha256File(join(out, 'in-tree.bin')), kept.sha256)
      // the rotted copy was marked and mended: the file is kept intact again, and no blob is left without its record
      // (the repair or the collection's download, whichever stored it last, decides where)
      await until(async () => (await node.files()).find(f => f.record.fileId === kept.fileId)?.status === 'ok', 30_000, 'the file ok again')
      const record = await node.store.getRecord(kept.fileId)
      const blob = await stat(node.store.blobPath(kept.fileId)).catch(() => undefined)
      if (record?.location.kind === 'blob') assert.equal(await sha256File(node.store.blobPath(kept.fileId)), kept.sha256)
      else assert.equal(blob, undefined, 'the replaced blob is deleted')
    } finally {
      await other.stop()
    }
  })
})
