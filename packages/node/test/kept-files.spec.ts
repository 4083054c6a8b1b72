import assert from 'node:assert/strict'
import { mkdir, open, readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { PeershareNode } from '../src/index.js'
import { randomFile, sha256File, startTestNode, tempDir, type TestDir, until } from './fixtures.js'

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

  it('refuses an existing output without --force, replaces it with --force; --hold is done at once', async () => {
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
  })

  it('a stored copy that fails its hash is marked damaged and fetched from the network instead, nothing written at the output', async () => {
    const src = await randomFile(dir.path, 'rotted.bin', 1_500_000)
    const shared = await node.share(src, { copy: true })
    // one byte flipped in the repo's copy: same size, so nothing but the hashes can tell
    const blob = await open(node.store.blobPath(shared.fileId), 'r+')
    const byte = Buffer.alloc(1)
    await blob.read(byte, 0, 1, 1_200_000)
    await blob.write(Buffer.from([byte[0] ^ 0xff]), 0, 1, 1_200_000)
    await blob.close()
    const output = join(dir.path, 'rotted-copy.bin')
    const transfer = await node.download(shared.fileId, { output })
    assert.notEqual(transfer.state, 'completed')
    await until(async () => (await node.files()).find(f => f.record.fileId === shared.fileId)?.status === 'damaged', 20_000, 'the file marked damaged')
    await assert.rejects(stat(output), { code: 'ENOENT' })
    await transfer.cancel()
  })
})
